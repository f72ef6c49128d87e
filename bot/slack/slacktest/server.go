package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tapbot/tapbot/internal/recorded"
)

// The workspace and app the fake pretends to be. Handlers and form helpers
// use these values wherever Slack would name the team, the bot or the app.
const (
	TeamID            = "T0TAPBOT1"
	TeamName          = "Tapbot Test"
	TeamDomain        = "tapbot-test"
	BotUserID         = "U0TAPBOT1"
	BotID             = "B0TAPBOT1"
	BotName           = "tapbot"
	AppID             = "A0TAPBOT1"
	VerificationToken = "fake-verification-token" // Slack's deprecated per-app token, sent in every payload
	Command           = "/tap"
)

// DefaultScopes are the bot token scopes a new Server grants: everything the
// methods it serves require. SetScopes replaces them.
var DefaultScopes = []string{
	"commands", "chat:write", "im:write", "users:read", "users:read.email",
	"usergroups:read", "channels:read", "groups:read", "im:read",
}

// Server is a fake Slack: an httptest server on 127.0.0.1 answering the Web
// API under /api/, response URLs under /response/ and Socket Mode websockets
// under /link/. All methods are safe for concurrent use.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:port.
	URL string

	srv      *httptest.Server
	botToken string

	mu        sync.Mutex
	appToken  string
	scopes    []string
	directory directory
	history   map[string]map[string]*Message // channel -> ts -> current message
	seq       int                            // source of timestamps and ids
	faults    map[string][]fault
	calls     map[string]int
	callLog   []string // every method called (KindResponseURL for response URL posts), in order
	responses map[string]*responseURL
	tickets   map[string]bool
	triggers  map[string]*trigger // trigger ids handed out, by id (triggers.go)
	views     viewStore           // modals and Home tabs (views.go)
	now       func() time.Time    // the fake's clock: trigger ages, hashes, event times
	rec       *recorded.Log[Message]

	sock   sockets
	timing timing // latency and the record of calls (timing.go)
}

// apiRequest is one Web API call as the handlers see it.
type apiRequest struct {
	method string
	token  string
	inForm bool       // the token came as a form field, not a header
	form   url.Values // form or query fields, token removed
	body   []byte     // raw JSON body, nil for form requests
}

// apiError is a Slack error answer: {"ok":false,"error":code,...}.
type apiError struct {
	code     string
	needed   string // missing_scope: the scope the method needs
	messages []string
}

func (e *apiError) Error() string { return e.code }

func errCode(code string) *apiError { return &apiError{code: code} }

type tokenKind int

const (
	botToken tokenKind = iota
	appToken
)

// apiMethod describes how the fake serves one Web API method.
type apiMethod struct {
	token  tokenKind
	scope  string // required bot scope, "" for none
	handle func(s *Server, r apiRequest) (map[string]any, *apiError)
}

var apiMethods = map[string]apiMethod{
	"auth.test":             {handle: (*Server).authTest},
	"chat.postMessage":      {scope: "chat:write", handle: (*Server).postMessage},
	"chat.postEphemeral":    {scope: "chat:write", handle: (*Server).postEphemeral},
	"chat.update":           {scope: "chat:write", handle: (*Server).updateMessage},
	"conversations.open":    {scope: "im:write", handle: (*Server).openConversation},
	"conversations.info":    {handle: (*Server).conversationInfo}, // scope depends on the channel
	"users.info":            {scope: "users:read", handle: (*Server).userInfo},
	"users.lookupByEmail":   {scope: "users:read.email", handle: (*Server).lookupByEmail},
	"usergroups.users.list": {scope: "usergroups:read", handle: (*Server).userGroupUsers},
	"views.open":            {handle: (*Server).openView},
	"views.update":          {handle: (*Server).updateView},
	"views.push":            {handle: (*Server).pushView},
	"views.publish":         {handle: (*Server).publishView},
	"apps.connections.open": {token: appToken, handle: (*Server).openConnection},
}

// NewServer starts a fake Slack that accepts botToken as the bot token. The
// caller must Close it.
func NewServer(botToken string) *Server {
	s := &Server{
		botToken:  botToken,
		scopes:    append([]string(nil), DefaultScopes...),
		directory: newDirectory(),
		history:   map[string]map[string]*Message{},
		faults:    map[string][]fault{},
		calls:     map[string]int{},
		responses: map[string]*responseURL{},
		tickets:   map[string]bool{},
		triggers:  map[string]*trigger{},
		views:     newViewStore(),
		now:       time.Now,
		rec:       recorded.New[Message]("a Slack message"),
		sock:      newSockets(),
		timing:    timing{closed: make(chan struct{})},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/response/", s.serveResponseURL)
	mux.HandleFunc("/link/", s.serveSocket)
	s.srv = httptest.NewServer(s.timed(mux))
	s.URL = s.srv.URL
	return s
}

// Close drops every Socket Mode connection and shuts the server down.
// Calls waiting out the latency (SetLatency) end at once.
func (s *Server) Close() {
	s.timing.once.Do(func() { close(s.timing.closed) })
	s.sock.closeAll()
	s.srv.Close()
}

// APIURL is the Web API base URL to give slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// SetScopes replaces the scopes granted to the bot token. Methods needing a
// scope not granted answer missing_scope, and users.info leaves out e-mail
// addresses without users:read.email, as Slack does.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = append([]string(nil), scopes...)
}

// SetNow replaces the clock the fake reads to age trigger ids (they expire
// 3 seconds after they are handed out), to stamp view hashes and events and
// to compute users' current UTC offsets, so a test can let a trigger expire
// without sleeping. nil restores time.Now.
func (s *Server) SetNow(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// hasScope reports whether the bot token has scope; s.mu held.
func (s *Server) hasScope(scope string) bool { return slices.Contains(s.scopes, scope) }

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	req, err := readAPIRequest(r, method)
	s.mu.Lock()
	s.count(method)
	s.noteRequest(req)
	if err != nil {
		s.mu.Unlock()
		writeError(w, errCode("invalid_form_data"), "")
		return
	}
	status, retryAfter, body, aerr := s.dispatch(req)
	scopes := strings.Join(s.scopes, ",")
	s.mu.Unlock()

	w.Header().Set("X-OAuth-Scopes", scopes)
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", fmt.Sprint(retryAfter))
		writeJSON(w, status, map[string]any{"ok": false, "error": "ratelimited"})
		return
	}
	if aerr != nil {
		writeError(w, aerr, scopes)
		return
	}
	body["ok"] = true
	writeJSON(w, http.StatusOK, body)
}

// dispatch runs one call with s.mu held. A status of 429 means rate limited
// for retryAfter seconds.
func (s *Server) dispatch(r apiRequest) (status, retryAfter int, body map[string]any, aerr *apiError) {
	m, ok := apiMethods[r.method]
	if !ok {
		return http.StatusOK, 0, nil, errCode("unknown_method")
	}
	if aerr := s.authenticate(m, r); aerr != nil {
		return http.StatusOK, 0, nil, aerr
	}
	if f, ok := s.takeFault(r.method); ok {
		if f.retryAfter > 0 {
			return http.StatusTooManyRequests, f.retryAfter, nil, nil
		}
		return http.StatusOK, 0, nil, errCode(f.slackError)
	}
	if m.scope != "" && !s.hasScope(m.scope) {
		return http.StatusOK, 0, nil, &apiError{code: "missing_scope", needed: m.scope}
	}
	body, aerr = m.handle(s, r)
	return http.StatusOK, 0, body, aerr
}

// authenticate checks the token the way Slack does: not_authed without one,
// invalid_auth for an unknown one, not_allowed_token_type for the wrong kind.
func (s *Server) authenticate(m apiMethod, r apiRequest) *apiError {
	switch {
	case r.token == "":
		return errCode("not_authed")
	case m.token == appToken && r.token == s.appToken && s.appToken != "":
		if r.inForm {
			return errCode("not_authed") // Slack wants app tokens in the header
		}
		return nil
	case m.token == botToken && r.token == s.botToken:
		return nil
	case r.token == s.botToken || (r.token == s.appToken && s.appToken != ""):
		return errCode("not_allowed_token_type")
	}
	return errCode("invalid_auth")
}

// readAPIRequest extracts the token and arguments of a call, sent as a form,
// a query string or a JSON body, with the token in the Authorization header
// or a token field.
func readAPIRequest(r *http.Request, method string) (apiRequest, error) {
	req := apiRequest{method: method}
	req.token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype == "application/json" {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return req, fmt.Errorf("read %s body: %w", method, err)
		}
		req.body = body
		req.form = r.URL.Query()
	} else {
		if err := r.ParseForm(); err != nil {
			return req, fmt.Errorf("parse %s form: %w", method, err)
		}
		req.form = r.Form
	}
	if t := req.form.Get("token"); t != "" && req.token == "" {
		req.token, req.inForm = t, true
	}
	req.form.Del("token")
	return req, nil
}

func writeError(w http.ResponseWriter, e *apiError, scopes string) {
	body := map[string]any{"ok": false, "error": e.code}
	if e.needed != "" {
		body["needed"] = e.needed
		body["provided"] = scopes
	}
	if len(e.messages) > 0 {
		body["response_metadata"] = map[string]any{"messages": e.messages}
	}
	writeJSON(w, http.StatusOK, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// nextSeq returns a fresh number; s.mu must be held.
func (s *Server) nextSeq() int {
	s.seq++
	return s.seq
}

// tsEpoch is the first second of the fake's message timestamps.
const tsEpoch = 1700000000

// nextTS returns a message timestamp greater than every one before it, in
// Slack's "seconds.microseconds" form; s.mu must be held.
func (s *Server) nextTS() string {
	micros := s.nextSeq() * 100
	return fmt.Sprintf("%d.%06d", tsEpoch+micros/1e6, micros%1e6)
}

// now is the Unix time the fake reports for created objects.
func now() int64 { return time.Now().Unix() }

// newID returns a fresh Slack-style id such as "D00000007"; s.mu held.
func (s *Server) newID(prefix string) string {
	return fmt.Sprintf("%s%08d", prefix, s.nextSeq())
}
