package graphtest

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	mspApp      = "a5a5a5a5-0000-4000-8000-000000000a55"
	contosoID   = "11111111-1111-1111-1111-111111111111"
	fabrikamID  = "22222222-2222-2222-2222-222222222222"
	mspTenantID = "99999999-9999-9999-9999-999999999999"
)

// customers is a fake with two added tenants, each with one user.
type customers struct {
	s                 *Server
	contoso, fabrikam *Tenant
}

func newCustomers(t *testing.T) customers {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	c := customers{s: s, contoso: s.AddTenant(contosoID, "Contoso Ltd"), fabrikam: s.AddTenant(fabrikamID, "Fabrikam Inc")}
	c.contoso.AddUser(User{UPN: "alice@contoso.com", AccountEnabled: true})
	c.fabrikam.AddUser(User{UPN: "frank@fabrikam.com", AccountEnabled: true})
	return c
}

// tokenFor asks tenant's token endpoint for a Graph token for the MSP's app.
func tokenFor(t *testing.T, s *Server, tenant string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {mspApp},
		"client_secret": {"msp-secret"}, "scope": {s.URL + "/.default"}}
	resp, err := s.Client().PostForm(s.URL+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, resp)
}

func mustToken(t *testing.T, s *Server, tenant string) string {
	t.Helper()
	status, body := tokenFor(t, s, tenant)
	if status != http.StatusOK {
		t.Fatalf("token in %s: %d %v", tenant, status, body)
	}
	return body["access_token"].(string)
}

// graphGet calls Graph with token under ctx.
func graphGet(ctx context.Context, t *testing.T, s *Server, token, path string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.GraphURL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return decode(t, resp)
}

func TestAddedTenantIssuesTokensOnlyToConsentedApps(t *testing.T) {
	tests := []struct {
		name       string
		consentErr int
		status     int
		oauthError string
		desc       string
	}{
		{"app not found (default)", 0, http.StatusBadRequest, "unauthorized_client",
			"AADSTS700016: Application with identifier '" + mspApp + "' was not found in the directory 'Contoso Ltd'."},
		{"missing service principal", 7000229, http.StatusUnauthorized, "invalid_client",
			"AADSTS7000229: The client application " + mspApp + " is missing service principal in the tenant " + contosoID + "."},
		{"not consented", 65001, http.StatusBadRequest, "invalid_grant",
			"AADSTS65001: The user or administrator has not consented to use the application with ID '" + mspApp + "'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCustomers(t)
			if tt.consentErr != 0 {
				c.contoso.SetConsentError(tt.consentErr)
			}
			status, body := tokenFor(t, c.s, contosoID)
			desc, _ := body["error_description"].(string)
			codes, _ := body["error_codes"].([]any)
			if status != tt.status || body["error"] != tt.oauthError || !strings.HasPrefix(desc, tt.desc) ||
				len(codes) != 1 || !strings.Contains(desc, "Trace ID: ") || body["trace_id"] == nil ||
				body["correlation_id"] == nil || body["timestamp"] == nil {
				t.Fatalf("got %d %v, want %d %s %q…", status, body, tt.status, tt.oauthError, tt.desc)
			}
			c.s.Consent(contosoID, mspApp)
			if claims := tokenClaims(t, mustToken(t, c.s, strings.ToUpper(contosoID))); claims["tid"] != contosoID {
				t.Errorf("after consent: tid %v, want %s", claims["tid"], contosoID)
			}
			if status, body := tokenFor(t, c.s, fabrikamID); status == http.StatusOK {
				t.Errorf("consent in contoso gave a token in fabrikam: %v", body)
			}
		})
	}
}

func TestAppGetsTokensInItsHomeTenantWithoutConsent(t *testing.T) {
	c := newCustomers(t)
	c.s.AddTenant(mspTenantID, "MSP")
	c.s.RegisterApp(App{ClientID: mspApp, Tenant: mspTenantID, Secret: "msp-secret", MultiTenant: true})
	mustToken(t, c.s, mspTenantID)
	if status, _ := tokenFor(t, c.s, contosoID); status != http.StatusBadRequest {
		t.Fatalf("a multi-tenant app got a token in a customer tenant that never consented: %d", status)
	}
	c.contoso.Consent(mspApp)
	mustToken(t, c.s, contosoID)
}

func TestTenantNotAddedKeepsIssuingTokensToEveryApp(t *testing.T) {
	c := newCustomers(t)
	mustToken(t, c.s, "tenant-1")
	if reqs := c.s.TokenRequests(); len(reqs) != 1 || reqs[0].Tenant != "tenant-1" || !reqs[0].Granted {
		t.Fatalf("token requests %+v", reqs)
	}
}

func TestTenantDirectoryServesOnlyItsOwnTenantsTokens(t *testing.T) {
	c := newCustomers(t)
	c.s.Consent(contosoID, mspApp)
	c.s.Consent(fabrikamID, mspApp)
	c.s.AddUser(User{UPN: "dave@default.example", AccountEnabled: true})
	tokens := map[string]string{contosoID: mustToken(t, c.s, contosoID), fabrikamID: mustToken(t, c.s, fabrikamID), "": mustToken(t, c.s, "tenant-1")}
	users := map[string]string{contosoID: "alice@contoso.com", fabrikamID: "frank@fabrikam.com", "": "dave@default.example"}
	for tokenTenant, token := range tokens {
		for userTenant, upn := range users {
			status, body := graphGet(context.Background(), t, c.s, token, "/users/"+upn)
			want := http.StatusNotFound
			if tokenTenant == userTenant {
				want = http.StatusOK
			}
			if status != want {
				t.Errorf("token of %q looking up %s: %d %v, want %d", tokenTenant, upn, status, body, want)
			}
		}
	}
}

func TestTenantRefusesTokensOfAnotherTenant(t *testing.T) {
	c := newCustomers(t)
	c.s.Consent(contosoID, mspApp)
	token := mustToken(t, c.s, contosoID)
	info, ok := c.s.bearer(&http.Request{Header: http.Header{"Authorization": {"Bearer " + token}}})
	if !ok {
		t.Fatal("the fake does not know its own token")
	}
	if !c.contoso.accepts(info) || c.fabrikam.accepts(info) || c.s.Tenant.accepts(info) {
		t.Fatalf("a contoso token is accepted by contoso %v, fabrikam %v, the default tenant %v; want only contoso",
			c.contoso.accepts(info), c.fabrikam.accepts(info), c.s.Tenant.accepts(info))
	}
}

func TestGraphCallsAreRecordedWithTheirTenant(t *testing.T) {
	c := newCustomers(t)
	c.s.Consent(fabrikamID, mspApp)
	graphGet(context.Background(), t, c.s, mustToken(t, c.s, fabrikamID), "/users/frank@fabrikam.com")
	graphGet(context.Background(), t, c.s, mustToken(t, c.s, "tenant-1"), "/users/frank@fabrikam.com")
	got := c.s.Requests()
	if len(got) != 2 || got[0].Tenant != fabrikamID || got[1].Tenant != "" {
		t.Fatalf("recorded %+v, want fabrikam's call then the default tenant's", got)
	}
}

func TestTenantsHaveTheirOwnRolesPolicyAndFaults(t *testing.T) {
	c := newCustomers(t)
	c.s.Consent(contosoID, mspApp)
	c.s.Consent(fabrikamID, mspApp)
	c.contoso.SetRoles("User.Read.All")
	c.contoso.SetPolicy(Policy{State: "disabled"})
	c.contoso.Fail("/users", "", http.StatusServiceUnavailable, "serviceNotAvailable", 5)
	contoso, fabrikam := mustToken(t, c.s, contosoID), mustToken(t, c.s, fabrikamID)
	if roles := tokenClaims(t, fabrikam)["roles"].([]any); len(roles) != len(DefaultRoles())+len(VerificationRoles()) {
		t.Errorf("fabrikam's token has roles %v, want the default and verification ones", roles)
	}
	if roles := tokenClaims(t, contoso)["roles"].([]any); len(roles) != 1 {
		t.Errorf("contoso's token has roles %v, want User.Read.All only", roles)
	}
	if _, body := graphGet(context.Background(), t, c.s, fabrikam, policyPath); body["state"] != "enabled" {
		t.Errorf("fabrikam's policy: %v", body)
	}
	if status, _ := graphGet(context.Background(), t, c.s, fabrikam, "/users/frank@fabrikam.com"); status != http.StatusOK {
		t.Errorf("contoso's fault reached fabrikam: %d", status)
	}
	if status, _ := graphGet(context.Background(), t, c.s, contoso, "/users/alice@contoso.com"); status != http.StatusServiceUnavailable {
		t.Errorf("contoso's fault: %d", status)
	}
}

const policyPath = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"

func TestHeldTenantDoesNotHoldAnother(t *testing.T) {
	c := newCustomers(t)
	c.s.Consent(contosoID, mspApp)
	c.s.Consent(fabrikamID, mspApp)
	contoso, fabrikam := mustToken(t, c.s, contosoID), mustToken(t, c.s, fabrikamID)
	gate := c.contoso.Hold()
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, c.s.GraphURL()+"/users/alice@contoso.com", nil)
		req.Header.Set("Authorization", "Bearer "+contoso)
		done <- statusOf(c.s.Client().Do(req))
	}()
	if r := <-gate.Arrived(); r.Tenant != contosoID || !strings.HasSuffix(r.Path, "alice@contoso.com") {
		t.Fatalf("held %+v", r)
	}
	if status, _ := graphGet(context.Background(), t, c.s, fabrikam, "/users/frank@fabrikam.com"); status != http.StatusOK {
		t.Fatalf("fabrikam's call while contoso is held: %d", status)
	}
	select {
	case status := <-done:
		t.Fatalf("contoso's held call finished (%d) before its release", status)
	default:
	}
	gate.Release()
	if status := <-done; status != http.StatusOK {
		t.Fatalf("contoso's call after release: %d", status)
	}
}

func TestSlowTenantDoesNotSlowAnother(t *testing.T) {
	c := newCustomers(t)
	c.s.Consent(contosoID, mspApp)
	c.s.Consent(fabrikamID, mspApp)
	contoso, fabrikam := mustToken(t, c.s, contosoID), mustToken(t, c.s, fabrikamID)
	c.contoso.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.s.GraphURL()+"/users/alice@contoso.com", nil)
		req.Header.Set("Authorization", "Bearer "+contoso)
		if resp, err := c.s.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	if status, _ := graphGet(context.Background(), t, c.s, fabrikam, "/users/frank@fabrikam.com"); status != http.StatusOK {
		t.Fatalf("fabrikam's call: %d", status)
	}
	select {
	case <-done:
		t.Fatal("contoso's call finished inside its hour of latency")
	default:
	}
	cancel()
	<-done
}

func TestReleasedGateLetsLaterCallsThrough(t *testing.T) {
	c := newCustomers(t)
	c.s.Consent(contosoID, mspApp)
	token := mustToken(t, c.s, contosoID)
	c.contoso.Hold().Release()
	if status, _ := graphGet(context.Background(), t, c.s, token, "/users/alice@contoso.com"); status != http.StatusOK {
		t.Fatalf("call after release: %d", status)
	}
	if !slices.ContainsFunc(c.s.Requests(), func(r Recorded) bool { return r.Tenant == contosoID }) {
		t.Fatal("the call is not recorded")
	}
}

// tokenClaims decodes the payload of a JWT the fake issued.
func tokenClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	var claims map[string]any
	if len(parts) != 3 || decodePart(parts[1], &claims) != nil {
		t.Fatalf("token %q is not a JWT", token)
	}
	return claims
}

func TestHeldTenantHoldsItsTokenEndpointOnly(t *testing.T) {
	c := newCustomers(t)
	c.s.Consent(contosoID, mspApp)
	c.s.Consent(fabrikamID, mspApp)
	gate := c.contoso.Hold()
	done := make(chan int, 1)
	go func() {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {mspApp},
			"client_secret": {"msp-secret"}, "scope": {c.s.URL + "/.default"}}
		done <- statusOf(c.s.Client().PostForm(c.s.URL+"/"+contosoID+"/oauth2/v2.0/token", form))
	}()
	if r := <-gate.Arrived(); !strings.HasSuffix(r.Path, "/"+contosoID+"/oauth2/v2.0/token") {
		t.Fatalf("held %+v", r)
	}
	mustToken(t, c.s, fabrikamID)
	select {
	case status := <-done:
		t.Fatalf("contoso's held token request finished (%d) before its release", status)
	default:
	}
	gate.Release()
	if status := <-done; status != http.StatusOK {
		t.Fatalf("contoso's token request after release: %d", status)
	}
}

// statusOf is the status of an answer, or -1 when there is none; unlike
// decode it may be called from any goroutine.
func statusOf(resp *http.Response, err error) int {
	if err != nil {
		return -1
	}
	resp.Body.Close()
	return resp.StatusCode
}
