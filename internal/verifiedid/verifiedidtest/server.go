// Package verifiedidtest is an in-process fake of the Microsoft Entra
// Verified ID Request Service, faithful to its documented wire formats
// (learn.microsoft.com/entra/verified-id: presentation-request-api,
// error-codes, using-facecheck). It serves HTTPS on 127.0.0.1, answers
// createPresentationRequest as the service does (201 with requestId, url
// and expiry; 400, 401, 403 with the documented error body), and lets a
// test act as the user's wallet: Open, Present and Fail post the
// documented callbacks to the request's callback URL over real HTTP, with
// the headers the request asked for.
//
// It checks tokens by their shape (a JWT for the Request Service's app id
// with a tid and a live exp, and the roles a presentation needs), not by a
// signature, so tokens from graphtest's token endpoint, or from Token,
// pass. It imports only the standard library.
package verifiedidtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// The Request Service's facts the fake shares with its clients.
const (
	// AppID is the Request Service's application: a token's audience.
	AppID = "3db474b9-6a0c-4840-96ac-1fceb342124f"
	// PresentRole and AllRole are the application permissions that let a
	// caller create presentation requests.
	PresentRole = "VerifiableCredential.Create.PresentRequest"
	AllRole     = "VerifiableCredential.Create.All"
	// CreatePath is where createPresentationRequest is served.
	CreatePath = "/v1.0/verifiableCredentials/createPresentationRequest"
	// RequestLifetime is how long a presentation link works here. The
	// documentation gives the expiry in each answer but not its length.
	RequestLifetime = 5 * time.Minute
)

// Server is a fake Request Service. All methods are safe for concurrent
// use.
type Server struct {
	URL string // https://127.0.0.1:port

	srv      *httptest.Server
	callback *http.Client

	mu          sync.Mutex
	now         func() time.Time
	authorities map[string][]string // tenant id → the DIDs it may present as
	requests    []Request
	live        map[string]*presentation
	faults      []*fault
}

// Request is a createPresentationRequest call as the fake saw it.
type Request struct {
	Tenant string   // the token's tid; "" when the token was refused
	Roles  []string // the token's roles
	Body   PresentationRequest
	Raw    map[string]any // the body as JSON decoded it, for shape assertions
	Status int            // the fake's answer
	ID     string         // the requestId created; "" when refused
}

// presentation is a created request, waiting for the wallet.
type presentation struct {
	id       string
	tenant   string
	body     PresentationRequest
	expires  time.Time
	last     []byte // the last callback body posted, for Replay
	finished bool   // a presentation_verified or presentation_error was posted
}

// fault is a pending injected failure of createPresentationRequest.
type fault struct {
	status int
	left   int
}

// NewServer starts a fake on a TLS listener at 127.0.0.1 with no
// authorities. Call Close when done.
func NewServer() *Server {
	s := &Server{now: time.Now, authorities: map[string][]string{}, live: map[string]*presentation{},
		callback: &http.Client{Timeout: 30 * time.Second}}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// SetCallbackClient replaces the client the wallet's callbacks are posted
// with (the default trusts only the system roots, with a 30 s timeout).
func (s *Server) SetCallbackClient(c *http.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callback = c
}

// AddAuthority lets tokens of tenant ask as the verifier did, as a tenant
// that set up Verified ID has its authority.
func (s *Server) AddAuthority(tenant, did string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authorities[strings.ToLower(tenant)] = append(s.authorities[strings.ToLower(tenant)], did)
}

// SetNow replaces the fake's clock, so a test can let a link expire. nil
// restores time.Now.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.now = now
}

// FailCreate makes the next n createPresentationRequest calls fail with
// status (429, 500, 503 …) and the documented error body; 429 and 503 carry
// Retry-After: 1.
func (s *Server) FailCreate(status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{status: status, left: n})
}

// Requests returns every createPresentationRequest call so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *Server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path != CreatePath:
		writeError(w, http.StatusNotFound, "notFound", "The requested resource was not found.", "")
	case r.Method != http.MethodPost:
		writeError(w, http.StatusMethodNotAllowed, "", "", "")
	default:
		s.serveCreate(w, r)
	}
}

// serveCreate answers createPresentationRequest in the service's order:
// the token, injected faults, then the body.
func (s *Server) serveCreate(w http.ResponseWriter, r *http.Request) {
	rec := Request{}
	defer func() { s.record(rec) }()
	tok, status, inner := checkToken(r.Header.Get("Authorization"), s.clock())
	rec.Tenant, rec.Roles = tok.Tid, tok.Roles
	if status != 0 {
		rec.Status = status
		writeError(w, status, "tokenError", inner, "")
		return
	}
	if st, ok := s.nextFault(); ok {
		rec.Status = st
		writeFault(w, st)
		return
	}
	body, raw, bad := decodeRequest(r)
	rec.Body, rec.Raw = body, raw
	if bad == nil {
		bad = s.checkRequest(tok.Tid, body)
	}
	if bad != nil {
		rec.Status = http.StatusBadRequest
		writeError(w, http.StatusBadRequest, bad.code, bad.message, bad.target)
		return
	}
	p := s.create(tok.Tid, body)
	rec.Status, rec.ID = http.StatusCreated, p.id
	writeJSON(w, http.StatusCreated, map[string]any{
		"requestId": p.id,
		"url":       "openid-vc://?request_uri=" + s.URL + "/v1.0/" + tok.Tid + "/verifiableCredentials/presentationRequests/" + p.id,
		"expiry":    p.expires.Unix(),
	})
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
}

func (s *Server) nextFault() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.left > 0 {
			f.left--
			return f.status, true
		}
	}
	return 0, false
}

func (s *Server) create(tenant string, body PresentationRequest) *presentation {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &presentation{id: newID(), tenant: tenant, body: body, expires: s.now().Add(RequestLifetime)}
	s.live[p.id] = p
	return p
}

// newID is a random id in the GUID form the service uses.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
