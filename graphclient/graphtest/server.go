// Package graphtest is an in-process fake of the parts of Microsoft Graph and
// of the Microsoft Entra token endpoint that tapbot uses. It serves HTTPS on
// 127.0.0.1, behaves as the Graph v1.0 documentation describes (status codes,
// error bodies, defaults taken from the Temporary Access Pass policy, paging),
// and lets a test inject failures, throttling and latency.
//
// It imports only the standard library, so any package's tests (and the
// sandbox mode of the binary) can use it without linking msgraph-sdk-go.
//
// Graph is served under /v1.0/...; the token endpoint and the OpenID
// configuration are served under /{tenant}/..., so a client points both its
// Graph base URL (GraphURL) and its authority host (AuthorityHost) at the
// same server. Several tenants can be served at once (AddTenant), each with
// its own directory and its own consented apps.
package graphtest

import (
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a fake Microsoft Graph and token endpoint. All methods are safe
// for concurrent use.
//
// It serves one directory per tenant. The embedded Tenant is the default
// one: it answers every token whose tenant was not added with AddTenant,
// so the directory methods promoted from it (AddUser, SetPolicy, Fail,
// SetLatency …) set up the single tenant most tests need. A tenant added
// with AddTenant has a directory of its own, gets tokens only for the apps
// consented in it (Consent), and its Graph calls are told apart from the
// others' by the tid of their token, as in Graph, whose URL is the same for
// every tenant.
type Server struct {
	*Tenant

	// URL is the base of the server, e.g. https://127.0.0.1:40123.
	URL string

	srv    *httptest.Server
	closed chan struct{}
	once   sync.Once
	conns  atomic.Int64 // connections accepted, see ConnsAccepted

	mu       sync.Mutex
	tokens   map[string]tokenInfo
	tokFault []*tokenFault
	requests []Recorded
	pageSize int
	now      func() time.Time

	apps      map[string]App // registered apps, by client id (apps.go)
	tokenReqs []TokenRequest
	tenants   map[string]*Tenant // added with AddTenant, by lower-case id (tenant.go)
}

// NewServer starts a fake on a TLS listener at 127.0.0.1 with no users, the
// default policy (see SetPolicy) and tokens that carry every permission
// tapbot needs, the verification ones included (see SetRoles,
// VerificationRoles). Like Graph, it offers HTTP/2 and HTTP/1.1;
// Client speaks HTTP/2. Call Close when done.
func NewServer() *Server { return newServer(true) }

// NewHTTP2Server is NewServer: the fake offers HTTP/2 as Microsoft Graph
// does. The name stays for tapbot bench's --graph-http2.
func NewHTTP2Server() *Server { return newServer(true) }

// NewHTTP1Server is NewServer speaking HTTP/1.1 only, as the fake did
// before it offered HTTP/2: tapbot bench --graph-http2=false compares
// with figures taken then.
func NewHTTP1Server() *Server { return newServer(false) }

func newServer(http2 bool) *Server {
	s := &Server{
		closed:   make(chan struct{}),
		tokens:   make(map[string]tokenInfo),
		pageSize: 100,
		now:      time.Now,
		tenants:  make(map[string]*Tenant),
	}
	s.Tenant = newTenant(s, "", "")
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.EnableHTTP2 = http2
	s.srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.srv.StartTLS()
	s.URL = s.srv.URL
	return s
}

// ConnsAccepted is how many connections the server has accepted, token
// and Graph calls alike: a client that keeps its connections alive (and
// multiplexes calls over HTTP/2) opens few however many calls it makes.
func (s *Server) ConnsAccepted() int { return int(s.conns.Load()) }

// Close stops the server. Calls waiting on injected latency return at once.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closed) })
	s.srv.Close()
}

// GraphURL is the Graph base URL a client should use: URL + "/v1.0".
func (s *Server) GraphURL() string { return s.URL + "/v1.0" }

// AuthorityHost is the authority host a client should use for tokens:
// URL + "/".
func (s *Server) AuthorityHost() string { return s.URL + "/" }

// Client returns an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// CertPEM is the server's TLS certificate in PEM form, for a client that
// trusts it through a CA file (SSL_CERT_FILE) rather than through Client.
// The certificate is valid for 127.0.0.1, ::1, example.com and
// *.example.com.
func (s *Server) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// SetNow replaces the clock the fake uses to stamp and age passes, so a test
// can make a pass expire. nil restores time.Now.
func (s *Server) SetNow(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetPageSize sets how many items a collection returns per page before it
// adds an @odata.nextLink (Graph's default is 100). n < 1 is ignored.
func (s *Server) SetPageSize(n int) {
	if n < 1 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

func (s *Server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now().UTC()
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/v1.0/") {
		s.serveGraph(w, r)
		return
	}
	s.serveLogin(w, r)
}

// serveGraph runs the steps every Graph call goes through, in Graph's order:
// authentication, throttling and injected faults, then the resource. The
// token's tenant picks the directory, and with it the latency and faults;
// a call without a token this server issued goes to the default one.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	info, known := s.bearer(r)
	t := s.directory(info.tenant)
	defer s.record(r, t.ID)()
	if !t.wait(r) {
		// The caller has gone: abort rather than answer, so that nothing
		// can mistake an empty reply for a result.
		panic(http.ErrAbortHandler)
	}
	// Graph's answers are dated by Graph's clock, which SetNow sets.
	w.Header().Set("Date", s.clock().Format(http.TimeFormat))
	if !known || !t.accepts(info) {
		writeUnauthorized(w)
		return
	}
	if t.injectFault(w, r) {
		return
	}
	t.route(w, r)
}

// route dispatches a Graph call by its path segments after /v1.0.
func (s *Tenant) route(w http.ResponseWriter, r *http.Request) {
	seg := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v1.0"), "/"), "/")
	switch {
	case isPolicyPath(seg):
		s.servePolicy(w, r)
	case strings.EqualFold(seg[0], "users"):
		s.routeUsers(w, r, seg[1:])
	case strings.EqualFold(seg[0], "roleManagement"):
		s.routeRoleManagement(w, r, seg)
	case isPIMForGroupsPath(seg):
		s.servePIMForGroups(w, r)
	case strings.EqualFold(seg[0], "organization"):
		s.serveOrganization(w, r, seg[1:])
	case strings.EqualFold(seg[0], "identityProtection"):
		s.routeIdentityProtection(w, r, seg)
	default:
		writeError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+seg[0]+"'.")
	}
}

func (s *Tenant) routeUsers(w http.ResponseWriter, r *http.Request, seg []string) {
	switch {
	case len(seg) == 0:
		s.serveUserList(w, r)
	case len(seg) == 1:
		s.serveUser(w, r, seg[0])
	case len(seg) >= 3 && strings.EqualFold(seg[1], "authentication") &&
		strings.EqualFold(seg[2], "temporaryAccessPassMethods"):
		s.routePasses(w, r, seg[0], seg[3:])
	case len(seg) == 3 && strings.EqualFold(seg[1], "authentication") && strings.EqualFold(seg[2], "methods"):
		s.serveMethods(w, r, seg[0])
	case len(seg) == 2 && strings.EqualFold(seg[1], "manager"):
		s.serveManager(w, r, seg[0])
	case len(seg) == 2 && strings.EqualFold(seg[1], "sendMail"):
		s.serveSendMail(w, r, seg[0])
	case strings.EqualFold(seg[1], "transitiveMemberOf"):
		s.serveMemberOf(w, r, seg[0], seg[2:])
	default:
		writeError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+seg[1]+"'.")
	}
}

func (s *Tenant) routePasses(w http.ResponseWriter, r *http.Request, user string, seg []string) {
	switch {
	case len(seg) == 0 && r.Method == http.MethodGet:
		s.serveListPasses(w, r, user)
	case len(seg) == 0 && r.Method == http.MethodPost:
		s.serveCreatePass(w, r, user)
	case len(seg) == 1 && r.Method == http.MethodDelete:
		s.serveDeletePass(w, r, user, seg[0])
	default:
		writeError(w, http.StatusMethodNotAllowed, "BadRequest", "The HTTP method '"+r.Method+"' is not allowed here.")
	}
}
