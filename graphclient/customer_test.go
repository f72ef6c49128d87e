package graphclient_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

const (
	contosoID  = "11111111-1111-1111-1111-111111111111"
	fabrikamID = "22222222-2222-2222-2222-222222222222"
	aliceUPN   = "alice@contoso.com"
	frankUPN   = "frank@fabrikam.com"
)

// msp is a fake with two customer tenants, each with one user, and a
// client per tenant built from one MSP configuration.
type msp struct {
	s                 *graphtest.Server
	contoso, fabrikam *graphtest.Tenant
	base              graphclient.Config
}

func newMSP(t *testing.T) *msp {
	t.Helper()
	s := graphtest.NewServer()
	t.Cleanup(s.Close)
	m := &msp{s: s, contoso: s.AddTenant(contosoID, "Contoso Ltd"), fabrikam: s.AddTenant(fabrikamID, "Fabrikam Inc")}
	m.contoso.AddUser(graphtest.User{UPN: aliceUPN, DisplayName: "Alice", AccountEnabled: true})
	m.fabrikam.AddUser(graphtest.User{UPN: frankUPN, DisplayName: "Frank", AccountEnabled: true})
	m.base = fakeConfig(s)
	m.base.TenantID = tenantID // the MSP's home tenant, which must not be asked
	return m
}

func (m *msp) client(t *testing.T, cu graphclient.Customer) *graphclient.Client {
	t.Helper()
	c, err := graphclient.NewForTenant(m.base, cu)
	if err != nil {
		t.Fatalf("NewForTenant(%s): %v", cu.Name, err)
	}
	return c
}

// consented returns clients of both tenants, both consented to the MSP app.
func (m *msp) consented(t *testing.T) (contoso, fabrikam *graphclient.Client) {
	t.Helper()
	m.s.Consent(contosoID, clientID)
	m.s.Consent(fabrikamID, clientID)
	return m.client(t, graphclient.Customer{Name: "contoso", ID: contosoID}),
		m.client(t, graphclient.Customer{Name: "fabrikam", ID: fabrikamID})
}

// tokenTenants lists the tenant of every token request, in order.
func tokenTenants(s *graphtest.Server) []string {
	var out []string
	for _, r := range s.TokenRequests() {
		out = append(out, r.Tenant)
	}
	return out
}

func TestEachTenantsClientGetsItsTokenFromThatTenantsAuthority(t *testing.T) {
	m := newMSP(t)
	contoso, fabrikam := m.consented(t)
	ctx := context.Background()
	if u, err := contoso.LookupUser(ctx, aliceUPN); err != nil || u.UPN != aliceUPN {
		t.Fatalf("contoso looks up alice: %+v, %v", u, err)
	}
	if got := tokenTenants(m.s); len(got) != 1 || got[0] != contosoID {
		t.Fatalf("token requests after contoso's call: %v, want one at %s", got, contosoID)
	}
	if u, err := fabrikam.LookupUser(ctx, frankUPN); err != nil || u.UPN != frankUPN {
		t.Fatalf("fabrikam looks up frank: %+v, %v", u, err)
	}
	if got := tokenTenants(m.s); len(got) != 2 || got[1] != fabrikamID {
		t.Fatalf("token requests: %v, want %s then %s", got, contosoID, fabrikamID)
	}
	for _, r := range m.s.TokenRequests() {
		if r.ClientID != clientID || !r.Granted {
			t.Errorf("token request %+v, want the MSP app's, granted", r)
		}
	}
}

func TestTenantsClientSeesOnlyItsOwnDirectory(t *testing.T) {
	m := newMSP(t)
	contoso, fabrikam := m.consented(t)
	ctx := context.Background()
	_, err := contoso.LookupUser(ctx, frankUPN)
	wantError(t, err, approvals.ENOTFOUND, frankUPN)
	frank, err := fabrikam.LookupUser(ctx, frankUPN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := contoso.CreatePass(ctx, frank.ID, approvals.PassParams{LifetimeMinutes: 60}); approvals.ErrorCode(err) != approvals.ENOTFOUND {
		t.Fatalf("contoso's client creating a pass for fabrikam's user: %v, want ENOTFOUND", err)
	}
	if _, err := fabrikam.CreatePass(ctx, frank.ID, approvals.PassParams{LifetimeMinutes: 60}); err != nil {
		t.Fatal(err)
	}
	if len(m.fabrikam.Issued()) != 1 || len(m.contoso.Issued()) != 0 || len(m.s.Issued()) != 0 {
		t.Fatalf("passes issued: fabrikam %d, contoso %d, default tenant %d; want 1, 0, 0",
			len(m.fabrikam.Issued()), len(m.contoso.Issued()), len(m.s.Issued()))
	}
}

func TestUnconsentedTenantNamesItselfAndItsConsentLink(t *testing.T) {
	for _, code := range []int{700016, 7000229, 65001} {
		t.Run(strings.TrimPrefix(graphtestCode(code), "AADSTS"), func(t *testing.T) {
			m := newMSP(t)
			m.s.Consent(contosoID, clientID)
			m.fabrikam.SetConsentError(code)
			contoso := m.client(t, graphclient.Customer{Name: "contoso", ID: contosoID})
			fabrikam := m.client(t, graphclient.Customer{Name: "fabrikam", ID: fabrikamID})
			_, err := fabrikam.LookupUser(context.Background(), frankUPN)
			link := graphclient.ConsentURL(m.s.AuthorityHost(), fabrikamID, clientID, "")
			wantError(t, err, approvals.EPERMISSION, "tenant fabrikam", fabrikamID, graphtestCode(code), "consented", link)
			if _, err := contoso.LookupUser(context.Background(), aliceUPN); err != nil {
				t.Fatalf("contoso, which consented, fails too: %v", err)
			}
			if fabrikam.ConsentURL() != link {
				t.Errorf("client's consent link %q, want %q", fabrikam.ConsentURL(), link)
			}
		})
	}
}

func graphtestCode(code int) string {
	return map[int]string{700016: "AADSTS700016", 7000229: "AADSTS7000229", 65001: "AADSTS65001"}[code]
}

func TestSingleTenantClientKeepsItsAdviceForAnUnknownApp(t *testing.T) {
	m := newMSP(t)
	cfg := m.base
	cfg.TenantID = fabrikamID
	c, err := graphclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.LookupUser(context.Background(), frankUPN)
	wantError(t, err, approvals.EPERMISSION, "AADSTS700016", "have a tenant administrator consent")
	if strings.Contains(approvals.ErrorMessage(err), "adminconsent") {
		t.Errorf("a single-tenant client's message changed: %s", approvals.ErrorMessage(err))
	}
}

// runHeld starts call while tenant is held, waits until the fake holds it,
// runs other (which must finish meanwhile), checks that call is still
// held, then releases it and returns its error.
func runHeld(t *testing.T, tenant *graphtest.Tenant, call, other func() error) error {
	t.Helper()
	gate := tenant.Hold()
	defer gate.Release()
	done := make(chan error, 1)
	go func() { done <- call() }()
	<-gate.Arrived()
	if err := other(); err != nil {
		t.Fatalf("the other tenant's call while one is held: %v", err)
	}
	select {
	case err := <-done:
		t.Fatalf("the held call finished before its release: %v", err)
	default:
	}
	gate.Release()
	return <-done
}

func TestHeldTenantDoesNotDelayAnotherTenant(t *testing.T) {
	for _, tc := range []struct {
		name       string
		haveTokens bool
	}{
		// With tokens, contoso's call waits in Graph; without, in its token
		// request, while fabrikam's needs a token of its own meanwhile.
		{"held in Graph", true},
		{"held in sign-in", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMSP(t)
			contoso, fabrikam := m.consented(t)
			ctx := context.Background()
			for _, c := range []*graphclient.Client{contoso, fabrikam} {
				if !tc.haveTokens {
					break
				}
				if _, err := c.TAPPolicy(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if got := len(m.s.TokenRequests()); got != map[bool]int{true: 2, false: 0}[tc.haveTokens] {
				t.Fatalf("%d token requests before the hold", got)
			}
			err := runHeld(t, m.contoso,
				func() error { _, err := contoso.LookupUser(ctx, aliceUPN); return err },
				func() error { _, err := fabrikam.LookupUser(ctx, frankUPN); return err })
			if err != nil {
				t.Fatalf("contoso's call after release: %v", err)
			}
		})
	}
}

func TestTokensAreCachedPerTenant(t *testing.T) {
	m := newMSP(t)
	m.contoso.SetRoles("User.Read.All", "UserAuthenticationMethod.ReadWrite.All")
	contoso, fabrikam := m.consented(t)
	ctx := context.Background()
	for range 3 {
		if _, err := contoso.LookupUser(ctx, aliceUPN); err != nil {
			t.Fatal(err)
		}
		if _, err := fabrikam.LookupUser(ctx, frankUPN); err != nil {
			t.Fatal(err)
		}
	}
	if got := tokenTenants(m.s); len(got) != 2 {
		t.Fatalf("token requests %v, want one per tenant", got)
	}
	contosoRoles, err := contoso.Roles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fabrikamRoles, err := fabrikam.Roles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(contosoRoles) != 2 || len(fabrikamRoles) != len(graphtest.DefaultRoles())+len(graphtest.VerificationRoles()) {
		t.Fatalf("roles: contoso %v, fabrikam %v; each tenant's token must carry its own consent", contosoRoles, fabrikamRoles)
	}
}

func TestTenantWithItsOwnAppSignsInWithIt(t *testing.T) {
	m := newMSP(t)
	const ownApp, ownSecret = "c0c0c0c0-0000-4000-8000-00000000c0c0", "contoso-own-secret"
	m.s.RegisterApp(graphtest.App{ClientID: ownApp, Tenant: contosoID, Secret: ownSecret})
	c := m.client(t, graphclient.Customer{Name: "contoso", ID: contosoID, ClientID: ownApp, ClientSecret: ownSecret})
	if _, err := c.LookupUser(context.Background(), aliceUPN); err != nil {
		t.Fatal(err)
	}
	reqs := m.s.TokenRequests()
	if len(reqs) != 1 || reqs[0].ClientID != ownApp || reqs[0].Tenant != contosoID {
		t.Fatalf("token requests %+v, want one by %s at %s", reqs, ownApp, contosoID)
	}
	if !strings.Contains(c.ConsentURL(), "client_id="+ownApp) {
		t.Errorf("consent link %s is not for the tenant's own app", c.ConsentURL())
	}
}

func TestNewForTenantRefusesAnIncompleteTenant(t *testing.T) {
	m := newMSP(t)
	for _, tc := range []struct {
		name string
		cu   graphclient.Customer
		want string
	}{
		{"no id", graphclient.Customer{Name: "contoso"}, "Tenant contoso has no tenant id"},
		{"secret without its app", graphclient.Customer{Name: "contoso", ID: contosoID, ClientSecret: "x"}, "no clientId"},
		{"app without a credential", graphclient.Customer{Name: "contoso", ID: contosoID, ClientID: clientID}, "neither a client secret file nor a certificate"},
		{"unreadable certificate", graphclient.Customer{Name: "contoso", ID: contosoID, ClientID: clientID, CertificatePath: "/nonexistent.pem"}, "Tenant contoso: Cannot read the Graph certificate file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := graphclient.NewForTenant(m.base, tc.cu)
			wantError(t, err, approvals.EINVALID, tc.want)
		})
	}
}

func TestPoolReportsEveryUnusableTenantAtOnce(t *testing.T) {
	m := newMSP(t)
	_, err := graphclient.NewPool(m.base, []graphclient.Customer{
		{Name: "contoso", ID: contosoID},
		{Name: "nameless"},
		{Name: "again", ID: strings.ToUpper(contosoID)},
	})
	wantError(t, err, approvals.EINVALID, "Tenant nameless has no tenant id", "configured twice")
	pool, err := graphclient.NewPool(m.base, []graphclient.Customer{{Name: "contoso", ID: contosoID}, {Name: "fabrikam", ID: fabrikamID}})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := pool.Client(strings.ToUpper(fabrikamID))
	if !ok || c.TenantName() != "fabrikam" || c.TenantID() != fabrikamID {
		t.Fatalf("pool.Client(fabrikam) = %v, %v", c, ok)
	}
	if _, ok := pool.Client("33333333-3333-3333-3333-333333333333"); ok {
		t.Fatal("pool has a client for a tenant nobody configured")
	}
}

func TestConsentURLCarriesTheRedirectEntraRequires(t *testing.T) {
	for _, tc := range []struct{ host, redirect, want string }{
		{"", "", "https://login.microsoftonline.com/" + contosoID + "/adminconsent?client_id=" + clientID +
			"&redirect_uri=https%3A%2F%2Flogin.microsoftonline.com%2Fcommon%2Foauth2%2Fnativeclient"},
		{"https://login.microsoftonline.us", "", "https://login.microsoftonline.us/" + contosoID + "/adminconsent?client_id=" + clientID +
			"&redirect_uri=https%3A%2F%2Flogin.microsoftonline.us%2Fcommon%2Foauth2%2Fnativeclient"},
		{"https://login.microsoftonline.com/", "https://tapbot.example/consented", "https://login.microsoftonline.com/" + contosoID +
			"/adminconsent?client_id=" + clientID + "&redirect_uri=https%3A%2F%2Ftapbot.example%2Fconsented"},
	} {
		if got := graphclient.ConsentURL(tc.host, contosoID, clientID, tc.redirect); got != tc.want {
			t.Errorf("ConsentURL(%q, …, %q) =\n%s, want\n%s", tc.host, tc.redirect, got, tc.want)
		}
	}
}
