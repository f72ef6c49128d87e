package graphtest

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Tenant is one directory of the fake: its users, groups, passes, TAP
// policy and consented permissions, and the faults, latency and holds its
// Graph calls meet. Server embeds the default one; AddTenant adds others,
// for tests of a bot that serves many customer tenants. All methods are
// safe for concurrent use.
type Tenant struct {
	// ID is the directory (tenant) id, the tid of the tenant's tokens; ""
	// for the default tenant, which serves every tenant not added.
	ID   string
	Name string // the directory's display name, e.g. "Contoso Ltd"

	server *Server

	mu         sync.Mutex
	users      []*User
	policy     Policy
	passes     map[string]PassRecord // by user id: the user's current pass
	issued     []PassRecord
	deleted    []string
	roles      []string
	faults     []*fault
	latency    time.Duration
	groups     []*Group // role-holding groups, see AddGroup
	gate       *Gate    // holds the tenant's calls, see Hold
	consented  map[string]bool
	consentErr int      // the AADSTS code of an app without consent, see SetConsentError
	orgID      string   // the id of its organization object (organization.go)
	domains    []Domain // its verified domains, see SetVerifiedDomains
	// unlicensed: the tenant lacks Entra ID P2, so PIM answers 400 and ID
	// Protection 403.
	unlicensed bool
	risks      map[string]Risk     // by user id, see SetRisk
	methods    map[string][]Method // by user id, see AddMethod
	mails      []SentMail          // sent through sendMail
	mailSent   chan SentMail       // each mail as it is sent, see MailSent
	mailPolicy []string            // the mailboxes an application access policy allows; none: all
}

func newTenant(s *Server, id, name string) *Tenant {
	orgID := id
	if orgID == "" {
		orgID = newID()
	}
	return &Tenant{ID: id, Name: name, server: s, policy: DefaultPolicy(), orgID: orgID,
		passes: make(map[string]PassRecord), roles: append(DefaultRoles(), VerificationRoles()...),
		consented: make(map[string]bool), consentErr: 700016,
		risks: make(map[string]Risk), methods: make(map[string][]Method), mailSent: make(chan SentMail, mailBuffer)}
}

// AddTenant adds a tenant with its own empty directory, the default policy
// and permissions (SetPolicy, SetRoles: DefaultRoles and VerificationRoles)
// and no app consented, or returns
// the one already added with that id (matched case-insensitively). Its
// token endpoint is AuthorityHost + id + "/oauth2/v2.0/token"; its Graph is
// GraphURL, like every tenant's.
func (s *Server) AddTenant(id, name string) *Tenant {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(id)
	if t, ok := s.tenants[key]; ok {
		return t
	}
	t := newTenant(s, id, name)
	s.tenants[key] = t
	return t
}

// added returns the tenant added with that id.
func (s *Server) added(id string) (*Tenant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tenants[strings.ToLower(id)]
	return t, ok
}

// directory is the tenant that serves tokens whose tid is tid: the one
// added with that id, else the default one.
func (s *Server) directory(tid string) *Tenant {
	if t, ok := s.added(tid); ok {
		return t
	}
	return s.Tenant
}

// accepts reports whether the directory takes a token: an added tenant
// only its own tenant's, the default one only those of tenants not added.
// Graph answers any other with 401 InvalidAuthenticationToken.
func (s *Tenant) accepts(info tokenInfo) bool {
	if s.ID == "" {
		_, other := s.server.added(info.tenant)
		return !other
	}
	return strings.EqualFold(info.tenant, s.ID)
}

// Consent records that an administrator of the added tenant tenantID gave
// admin consent to the app clientID, as the admin-consent link does: the
// app gets a service principal there, and from then on the tenant's token
// endpoint issues it tokens (carrying the tenant's roles, see SetRoles).
// The default tenant needs no consent; Consent for it does nothing.
func (s *Server) Consent(tenantID, clientID string) {
	if t, ok := s.added(tenantID); ok {
		t.Consent(clientID)
	}
}

// Consent records the tenant administrator's admin consent to clientID;
// see Server.Consent.
func (s *Tenant) Consent(clientID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consented[strings.ToLower(clientID)] = true
}

// SetConsentError picks what the tenant's token endpoint answers an app
// that has no consent there, as Entra words it for the client credentials
// flow:
//
//   - 700016 (the default): unauthorized_client, "Application with
//     identifier … was not found in the directory …";
//   - 7000229: invalid_client, "The client application … is missing
//     service principal in the tenant …";
//   - 65001: invalid_grant, "The user or administrator has not consented
//     to use the application …".
//
// Any other code is ignored.
func (s *Tenant) SetConsentError(code int) {
	if code != 700016 && code != 7000229 && code != 65001 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consentErr = code
}

// checkConsent refuses a token in an added tenant to an app that is not
// consented there and is not registered in it (its home tenant).
func (s *Server) checkConsent(tenant, clientID string) (tokenFault, bool) {
	t, ok := s.added(tenant)
	if !ok {
		return tokenFault{}, true
	}
	if a, registered := s.app(clientID); registered && strings.EqualFold(a.Tenant, t.ID) {
		return tokenFault{}, true
	}
	return t.consentFault(clientID)
}

func (s *Tenant) consentFault(clientID string) (tokenFault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.consented[strings.ToLower(clientID)] {
		return tokenFault{}, true
	}
	directory := s.Name
	if directory == "" {
		directory = s.ID
	}
	switch s.consentErr {
	case 7000229:
		return tokenFault{status: http.StatusUnauthorized, oauthError: "invalid_client", code: 7000229,
			text: "The client application " + clientID + " is missing service principal in the tenant " + s.ID +
				". See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119"}, false
	case 65001:
		return tokenFault{status: http.StatusBadRequest, oauthError: "invalid_grant", code: 65001,
			text: "The user or administrator has not consented to use the application with ID '" + clientID +
				"' named '" + clientID + "'. Send an interactive authorization request for this user and resource."}, false
	}
	return tokenFault{status: http.StatusBadRequest, oauthError: "unauthorized_client", code: 700016,
		text: "Application with identifier '" + clientID + "' was not found in the directory '" + directory +
			"'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."}, false
}

// GraphURL is the Graph base URL, the same for every tenant.
func (s *Tenant) GraphURL() string { return s.server.GraphURL() }

// now is the server's clock (SetNow), shared by every tenant.
func (s *Tenant) now() time.Time { return s.server.clock() }

func (s *Tenant) writePage(w http.ResponseWriter, r *http.Request, context string, items []map[string]any) {
	s.server.writePage(w, r, context, items)
}

// Gate holds the Graph calls of a tenant; see Tenant.Hold.
type Gate struct {
	tenant   *Tenant
	arrived  chan Recorded
	released chan struct{}
	once     sync.Once
}

// Hold makes every call of the tenant from now on wait until the gate is
// released, its caller goes away or the server closes: Graph calls with the
// tenant's tokens (after any latency) and, for an added tenant, requests to
// its token endpoint. A test can keep one tenant's calls in flight, see
// them arrive on Arrived, and watch another tenant's calls finish meanwhile.
func (s *Tenant) Hold() *Gate {
	g := &Gate{tenant: s, arrived: make(chan Recorded, 1000), released: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = g
	return g
}

// Arrived receives each call as it starts to wait at the gate (the first
// thousand; later ones are held all the same).
func (g *Gate) Arrived() <-chan Recorded { return g.arrived }

// Release lets the held calls go on and stops holding the tenant's calls.
func (g *Gate) Release() {
	g.once.Do(func() {
		g.tenant.mu.Lock()
		if g.tenant.gate == g {
			g.tenant.gate = nil
		}
		g.tenant.mu.Unlock()
		close(g.released)
	})
}

// waitGate holds the call while the tenant is held; false means the call
// was abandoned.
func (s *Tenant) waitGate(r *http.Request) bool {
	s.mu.Lock()
	g := s.gate
	s.mu.Unlock()
	if g == nil {
		return true
	}
	return g.hold(r, s.server.closed)
}

// holdToken holds a token request to an added tenant's endpoint while the
// tenant is held; false means the request was abandoned.
func (s *Server) holdToken(r *http.Request, tenant string) bool {
	t, ok := s.added(tenant)
	return !ok || t.waitGate(r)
}

// hold keeps the call at the gate; false means it was abandoned.
func (g *Gate) hold(r *http.Request, closed <-chan struct{}) bool {
	select {
	case g.arrived <- Recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Tenant: g.tenant.ID}:
	default:
	}
	select {
	case <-g.released:
		return true
	case <-r.Context().Done():
	case <-closed:
	}
	return false
}

// AllIssued returns the passes issued in every tenant, the default one's
// first, then the added ones' in no set order: what a leak scan must look
// for.
func (s *Server) AllIssued() []PassRecord { return everyTenant(s, (*Tenant).Issued) }

// everyTenant is what of returns for each tenant, the default one's first,
// then the added ones' in no set order.
func everyTenant[T any](s *Server, of func(*Tenant) []T) []T {
	out := of(s.Tenant)
	s.mu.Lock()
	added := make([]*Tenant, 0, len(s.tenants))
	for _, t := range s.tenants {
		added = append(added, t)
	}
	s.mu.Unlock()
	for _, t := range added {
		out = append(out, of(t)...)
	}
	return out
}
