package teamstest

import (
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/tapbot/tapbot/graphclient/graphtest"
	"github.com/tapbot/tapbot/internal/recorded"
)

// The tenant, cloud and bot the fake pretends to be.
const (
	// TenantID is the Entra tenant the fake's Teams users live in.
	TenantID = "7a1c0de5-7e57-4ac0-9d1e-000000000001"
	// ChannelID is the Bot Framework channel id of Microsoft Teams.
	ChannelID = "msteams"
	// Issuer is the issuer of the tokens the Bot Connector sends to bots.
	Issuer = "https://api.botframework.com"
	// Scope is the scope a bot asks for to call the Bot Connector.
	Scope = "https://api.botframework.com/.default"
	// MultiTenantAuthority is the token tenant of multi-tenant bots.
	MultiTenantAuthority = graphtest.BotFrameworkTenant
	// BotName is the bot's display name in Teams.
	BotName = "tapbot"
)

// Server is a fake of the Bot Connector and the Bot Framework OpenID
// documents, on one httptest server on 127.0.0.1. It accepts the tokens
// the Entra fake it is given (graphtest) issued to the bot.
// All methods are safe for concurrent use.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:port.
	URL string

	srv   *httptest.Server
	appID string
	login *graphtest.Server // the Entra fake the bot gets its token from

	mu           sync.Mutex
	app          graphtest.App // the bot's app registration at login
	key          *rsa.PrivateKey
	keyID        string
	metaFetches  int
	keyFetches   int
	users        map[string]*User // by Entra object id
	convs        map[string]*conversation
	activities   map[string]*Activity // conversation + "|" + activity id → current version
	seq          int
	faults       map[string][]int      // kind + "|" + conversation → statuses to answer, in order
	clients      map[string]clientInfo // activity id → the client an incoming activity came from
	rec          *recorded.Log[Activity]
	refusedCalls int
}

// NewServer starts a fake for the bot with app id appID. It registers the
// bot's app, with the client secret appPassword, at login: the Entra fake
// the bot gets its token from (point the bot's authority host at
// login.AuthorityHost()). The bot is a single-tenant app of TenantID until
// SetMultiTenant says otherwise. The caller must Close it.
func NewServer(appID, appPassword string, login *graphtest.Server) *Server {
	s := &Server{
		appID: appID, login: login,
		app: graphtest.App{ClientID: appID, Tenant: TenantID, Secret: appPassword},
		key: signingKey(), keyID: "tapbot-test-key-1",
		users: map[string]*User{},
		convs: map[string]*conversation{}, activities: map[string]*Activity{},
		faults: map[string][]int{}, clients: map[string]clientInfo{}, rec: recorded.New[Activity]("a Teams activity"),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /botframework/v1/.well-known/openidconfiguration", s.serveMetadata)
	mux.HandleFunc("GET /botframework/v1/.well-known/keys", s.serveKeys)
	mux.HandleFunc("POST /connector/v3/conversations", s.serveCreateConversation)
	mux.HandleFunc("POST /connector/v3/conversations/{conv}/activities", s.serveSend)
	mux.HandleFunc("POST /connector/v3/conversations/{conv}/activities/{id}", s.serveSend)
	mux.HandleFunc("PUT /connector/v3/conversations/{conv}/activities/{id}", s.serveUpdate)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	login.RegisterApp(s.app)
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// BotID is the bot's id in Teams conversations ("28:" + app id).
func (s *Server) BotID() string { return "28:" + s.appID }

// ServiceURL is the Bot Connector base URL Teams puts in every activity's
// serviceUrl, with a path and trailing slash like the real regional ones
// (https://smba.trafficmanager.net/emea/).
func (s *Server) ServiceURL() string { return s.URL + "/connector/" }

// OpenIDMetadataURL is the Bot Framework OpenID configuration document,
// which names the JWKS the bot checks incoming tokens against.
func (s *Server) OpenIDMetadataURL() string {
	return s.URL + "/botframework/v1/.well-known/openidconfiguration"
}

// SetMultiTenant makes the bot a multi-tenant app: its token may then also
// come from the botframework.com tenant. A single-tenant bot asking there
// is refused as Entra refuses it (AADSTS700016).
func (s *Server) SetMultiTenant(multi bool) {
	s.updateApp(func(a *graphtest.App) { a.MultiTenant = multi })
}

// Fail makes the next n connector calls of kind (KindSend, KindUpdate or
// KindCreateConversation) into conversation conv ("" for any) answer status with a Bot Connector error body, before they change
// anything.
func (s *Server) Fail(kind, conv string, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[kind+"|"+conv] = append(s.faults[kind+"|"+conv], status)
	}
}

// takeFault returns the status a call of kind into conv must fail with,
// if any. s.mu must be held.
func (s *Server) takeFault(kind, conv string) (int, bool) {
	for _, key := range []string{kind + "|" + conv, kind + "|"} {
		if q := s.faults[key]; len(q) > 0 {
			s.faults[key] = q[1:]
			return q[0], true
		}
	}
	return 0, false
}

// RefusedCalls counts connector calls refused for a missing, unknown or
// expired bearer token.
func (s *Server) RefusedCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusedCalls
}

// writeJSON answers status with body as JSON.
func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeConnectorError answers with the Bot Connector's error shape,
// {"error":{"code":…,"message":…}}.
func writeConnectorError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}
