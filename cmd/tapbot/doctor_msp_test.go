package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/graphclient/graphtest"
	tapdoctor "github.com/tapbot/tapbot/internal/doctor"
)

// Customer tenants of the MSP doctor tests, each fine or broken in one way.
const (
	mspContosoID   = "11111111-1111-1111-1111-111111111111" // consented, every domain verified
	mspFabrikamID  = "22222222-2222-2222-2222-222222222222" // its administrator never consented
	mspNorthwindID = "33333333-3333-3333-3333-333333333333" // its own app; one listed domain is not verified there
	mspTailspinID  = "44444444-4444-4444-4444-444444444444" // consented without Organization.Read.All
	northwindApp   = "55555555-5555-4555-8555-555555555555"
	northwindKey   = "northwind-own-app-secret"
)

// mspDoctorEnv sets up the fake Graph with four customer tenants, writes
// a tenants file listing them, and returns the environment of a tapbot in
// MSP mode that uses them (not started: doctor needs no running bot).
func mspDoctorEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	secret := filepath.Join(dir, "northwind")
	if err := os.WriteFile(secret, []byte(northwindKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tenants.yaml")
	data := `tenants:
  - name: contoso
    id: ` + mspContosoID + `
    domains: [contoso.com, contoso.onmicrosoft.com]
  - name: fabrikam
    id: ` + mspFabrikamID + `
    domains: [fabrikam.com]
  - name: northwind
    id: ` + mspNorthwindID + `
    domains: [northwind.com, northwind.net]
    clientId: ` + northwindApp + `
    clientSecretFile: ` + secret + `
  - name: tailspin
    id: ` + mspTailspinID + `
    domains: [tailspin.com]
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	e, _ := newFakes(t, map[string]string{"TAPBOT_TENANTS_FILE": path}, nil)
	msp := "tapbot-client" // AZURE_CLIENT_ID of the fakes' environment
	withOrg := append(graphtest.DefaultRoles(), "Organization.Read.All")

	contoso := e.graph.AddTenant(mspContosoID, "Contoso Ltd")
	contoso.Consent(msp)
	contoso.SetRoles(withOrg...)
	contoso.SetVerifiedDomains(graphtest.Domain{Name: "contoso.com", IsDefault: true}, graphtest.Domain{Name: "contoso.onmicrosoft.com", IsInitial: true})

	e.graph.AddTenant(mspFabrikamID, "Fabrikam Inc").SetVerifiedDomains(graphtest.Domain{Name: "fabrikam.com"})

	northwind := e.graph.AddTenant(mspNorthwindID, "Northwind Traders")
	northwind.Consent(northwindApp)
	northwind.SetRoles(append(graphtest.DefaultRoles(), "Directory.Read.All")...)
	northwind.SetVerifiedDomains(graphtest.Domain{Name: "northwind.com", IsDefault: true}, graphtest.Domain{Name: "northwind.onmicrosoft.com", IsInitial: true})

	tailspin := e.graph.AddTenant(mspTailspinID, "Tailspin Toys")
	tailspin.Consent(msp)
	tailspin.SetVerifiedDomains(graphtest.Domain{Name: "tailspin.com"})
	return e
}

// blocks splits doctor's text output into the lines before the first
// tenant block and each block's lines by its header.
func blocks(out string) (top []string, byHeader map[string][]string, order []string) {
	byHeader = map[string][]string{}
	current := ""
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "tenant "):
			current = l
			order = append(order, l)
		case current != "" && strings.HasPrefix(l, "  "):
			byHeader[current] = append(byHeader[current], strings.TrimPrefix(l, "  "))
		default:
			current = ""
			top = append(top, l)
		}
	}
	return top, byHeader, order
}

func TestDoctorInMSPModeChecksEveryTenantInABlockOfItsOwn(t *testing.T) {
	e := mspDoctorEnv(t)
	code, out, errs := runDoctorArgs(t, e, nil)
	if code != 1 {
		t.Errorf("exit code %d, want 1: a tenant failed", code)
	}
	top, got, order := blocks(out + errs)
	headers := []string{
		"tenant contoso (" + mspContosoID + "):", "tenant fabrikam (" + mspFabrikamID + "):",
		"tenant northwind (" + mspNorthwindID + "):", "tenant tailspin (" + mspTailspinID + "):",
	}
	if !slices.Equal(order, headers) {
		t.Errorf("blocks %q\nwant, in the order of the tenants file, %q", order, headers)
	}
	consentURL := graphclient.ConsentURL(e.graph.AuthorityHost(), mspFabrikamID, "tapbot-client", "")
	want := map[string][]string{
		headers[0]: {
			"✓ graph sign-in: token obtained for the MSP's app tapbot-client from " + e.graph.AuthorityHost() + mspContosoID + "/oauth2/v2.0/token",
			"✓ graph permissions: UserAuthMethod-TAP.ReadWrite.All, User.Read.All, Policy.Read.AuthenticationMethod,",
			"✓ tap policy: enabled; lifetime 1h to 8h",
			"✓ domains: contoso.com, contoso.onmicrosoft.com verified in this tenant",
		},
		headers[1]: {
			"✗ graph sign-in: tapbot cannot sign in to tenant fabrikam (" + mspFabrikamID + "): its administrator has not consented to tapbot's app (AADSTS700016). " +
				"A Global Administrator or Privileged Role Administrator of fabrikam must open this link, sign in and accept: " + consentURL,
			"- graph permissions: skipped: needs a Graph sign-in", "- tap policy: skipped: needs a Graph sign-in", "- domains: skipped: needs a Graph sign-in",
		},
		headers[2]: {
			"✓ graph sign-in: token obtained for its own app " + northwindApp + " from ",
			"✓ graph permissions: ", "✓ tap policy: enabled",
			"✗ domains: northwind.net listed but not verified in this tenant, so no user of it signs in with it; its verified domains are northwind.com, northwind.onmicrosoft.com",
			"    fix: correct the tenant's domains in TAPBOT_TENANTS_FILE, or add and verify the domain in the tenant",
		},
		headers[3]: {
			"✓ graph sign-in: token obtained for the MSP's app tapbot-client", "✓ graph permissions: ", "✓ tap policy: enabled",
			"! domains: not checked: needs Organization.Read.All to read the tenant's verified domains; listed: tailspin.com",
			"    fix: optional, tapbot serve does not need it: in the MSP's tenant: Entra admin center → Entra ID → App registrations → tapbot-client → API permissions → Add a permission → Microsoft Graph → Application permissions: add Organization.Read.All; then an administrator of tailspin consents again (tapbot tenants consent-url tailspin prints the link)",
		},
	}
	for header, lines := range want {
		for _, w := range lines {
			if !slices.ContainsFunc(got[header], func(l string) bool { return strings.HasPrefix(l, w) }) {
				t.Errorf("%s has no line starting %q", header, w)
			}
		}
		for _, l := range got[header] {
			if strings.HasPrefix(l, "✗") && !slices.ContainsFunc(lines, func(w string) bool { return strings.HasPrefix(l, w) }) {
				t.Errorf("%s: unexpected failure: %s", header, l)
			}
		}
	}
	for _, l := range top {
		if strings.HasPrefix(l, "✗") || strings.Contains(l, "graph sign-in") {
			t.Errorf("outside the blocks: %s (MSP mode checks Graph per tenant only)", l)
		}
	}
	if !slices.Contains(top, "20 passed, 2 failed, 1 warning, 3 skipped.") {
		t.Errorf("the summary does not count the blocks' checks: %q", top)
	}
	if strings.Contains(out, northwindKey) || strings.Contains(out, azureSecret) {
		t.Error("doctor printed a secret")
	}
	if t.Failed() {
		t.Logf("doctor output:\n%s%s", out, errs)
	}
}

func TestDoctorJSONInMSPModeAddsTheTenantBlocks(t *testing.T) {
	e := mspDoctorEnv(t)
	code, out, _ := runDoctorArgs(t, e, nil, "--json")
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, key := range []string{"checks", "tenants", "passed", "failed", "warned", "skipped"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("the report lacks %q", key)
		}
	}
	var r tapdoctor.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range r.Tenants {
		got = append(got, b.Name+" "+b.ID+" "+string(b.Status)+" "+string(b.Checks[0].Status))
	}
	want := []string{
		"contoso " + mspContosoID + " pass pass", "fabrikam " + mspFabrikamID + " fail fail",
		"northwind " + mspNorthwindID + " fail pass", "tailspin " + mspTailspinID + " warn pass",
	}
	if !slices.Equal(got, want) {
		t.Errorf("tenant blocks (name id status, first check's status):\n%q\nwant\n%q", got, want)
	}
	if r.Failed != 2 || r.Warned != 1 || r.Passed != 20 {
		t.Errorf("counts passed %d failed %d warned %d; want the blocks' checks counted too", r.Passed, r.Failed, r.Warned)
	}
	if slices.ContainsFunc(r.Checks, func(c tapdoctor.Check) bool { return strings.HasPrefix(c.Name, "graph") }) {
		t.Errorf("Graph checks outside the tenant blocks: %+v", r.Checks)
	}
}
