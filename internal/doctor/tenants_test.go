package doctor

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// The tenant checks against the fake Graph run through the whole binary in
// cmd/tapbot (TestDoctorInMSPModeChecksEveryTenantInABlockOfItsOwn); these
// hold the blocks to their promises with Settings alone.

func TestTenantWhoseSettingsCannotBeUsedFailsItsOwnBlockOnly(t *testing.T) {
	s := Settings{
		DBPath:      filepath.Join(t.TempDir(), "tapbot.db"),
		TenantsFile: "/etc/tapbot/tenants.yaml",
		Tenants: []Tenant{
			{Customer: graphclient.Customer{Name: "contoso", ID: "11111111-1111-1111-1111-111111111111"},
				Problem: "tenant contoso: cannot read clientSecretFile /run/secrets/contoso: permission denied"},
			{Customer: graphclient.Customer{Name: "fabrikam", ID: "22222222-2222-2222-2222-222222222222"}, Domains: []string{"fabrikam.com"}},
		},
	}
	var out bytes.Buffer
	if err := RunJSON(s, &out); err == nil {
		t.Error("RunJSON = nil, want an error: a tenant failed")
	}
	var r Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Tenants) != 2 {
		t.Fatalf("tenant blocks %+v, want two", r.Tenants)
	}
	contoso, fabrikam := r.Tenants[0], r.Tenants[1]
	if contoso.Status != Fail || contoso.Checks[0].Detail != s.Tenants[0].Problem || len(contoso.Checks) != 4 {
		t.Errorf("contoso's block %+v; want its problem, then the other three checks skipped", contoso)
	}
	if fabrikam.Status != Skip || fabrikam.Checks[0].Detail != "skipped: needs AZURE_CLIENT_ID, the application (client) id of the MSP's multi-tenant app" {
		t.Errorf("fabrikam's block %+v; want it checked despite contoso, and skipped for want of a client id", fabrikam)
	}
	if r.Skipped != 7 || r.Failed < 1 {
		t.Errorf("counts %+v; the blocks' checks count too", r)
	}
}

func TestMSPModeWithAnUnusableTenantsFileSkipsTheTenantsNotTheSingleTenant(t *testing.T) {
	s := Settings{Problems: []string{"TAPBOT_TENANTS_FILE: line 3: id is not a tenant id"}, DBPath: filepath.Join(t.TempDir(), "tapbot.db"),
		TenantsFile: "/etc/tapbot/tenants.yaml", Graph: graphclient.Config{ClientID: "tapbot-client"}}
	var out bytes.Buffer
	_ = Run(s, &out)
	if !strings.Contains(out.String(), "- tenants: skipped: TAPBOT_TENANTS_FILE is not usable (see configuration)\n") || strings.Contains(out.String(), "graph sign-in") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestSandboxInMSPModeChecksNoRealTenant(t *testing.T) {
	s := Settings{DBPath: filepath.Join(t.TempDir(), "tapbot.db"), Sandbox: true, TenantsFile: "/etc/tapbot/tenants.yaml",
		Tenants: []Tenant{{Customer: graphclient.Customer{Name: "contoso", ID: "11111111-1111-1111-1111-111111111111"}}}}
	var out bytes.Buffer
	_ = Run(s, &out)
	if !strings.Contains(out.String(), "✓ microsoft graph: sandbox mode") || strings.Contains(out.String(), "tenant contoso") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestTenantPermissionFixSaysWhereTheAppIsAndWhoConsentsAgain(t *testing.T) {
	roles := slices.DeleteFunc(graphtest.DefaultRoles(), func(r string) bool { return r == "Policy.Read.AuthenticationMethod" })
	for _, tc := range []struct {
		name     string
		customer graphclient.Customer
		clientID string
		want     string
	}{
		{"the MSP's app: changed in the MSP's tenant, consented again by the customer", graphclient.Customer{Name: "contoso"}, "msp-app",
			"in the MSP's tenant: Entra admin center → Entra ID → App registrations → msp-app → API permissions → Add a permission → Microsoft Graph → Application permissions: add Policy.Read.AuthenticationMethod; " +
				"then an administrator of contoso consents again (tapbot tenants consent-url contoso prints the link)"},
		{"the tenant's own app: changed and consented in the tenant", graphclient.Customer{Name: "contoso", ClientID: "own-app"}, "own-app",
			"in tenant contoso: Entra admin center → Entra ID → App registrations → own-app → API permissions → Add a permission → Microsoft Graph → Application permissions: add Policy.Read.AuthenticationMethod, then Grant admin consent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &run{s: Settings{EntraGroups: true}}
			d.reportRoles(roles, tenantGrants(tc.customer, tc.clientID))
			if len(d.results) != 1 || d.results[0].Status != Fail || !strings.HasPrefix(d.results[0].Fix, tc.want) {
				t.Errorf("results %+v\nwant a failure whose fix starts %q", d.results, tc.want)
			}
		})
	}
}
