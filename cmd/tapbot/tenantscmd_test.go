package main

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	tenantsContosoID  = "11111111-1111-1111-1111-111111111111"
	tenantsFabrikamID = "22222222-2222-2222-2222-222222222222"
	tenantsOwnApp     = "33333333-3333-3333-3333-333333333333"
	tenantsMSPApp     = "99999999-0000-4000-8000-000000000a55"
)

// writeTenantsFile writes a tenants file with contoso (the MSP's app, its
// own channel and conversation) and fabrikam (its own app, the default
// channel), and returns its path.
func writeTenantsFile(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	secret := filepath.Join(dir, "fabrikam-secret")
	if err := os.WriteFile(secret, []byte("fabrikam-own-app-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := `tenants:
  - name: contoso
    id: ` + tenantsContosoID + `
    domains: [contoso.com, contoso.onmicrosoft.com]
    approvalChannel: C0CONTOSO
    teamsApprovalConversation: "19:contoso@thread.tacv2"
  - name: fabrikam
    id: ` + tenantsFabrikamID + `
    domains: [fabrikam.com]
    clientId: ` + tenantsOwnApp + `
    clientSecretFile: ` + secret + `
`
	parseTenants(t, data) // the file is valid: the tests below are about the command, not the parser
	path := filepath.Join(dir, "tenants.yaml")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runTenants runs "tapbot tenants args…" in-process with only vars set:
// no Slack, Teams or Azure secret.
func runTenants(vars map[string]string, args ...string) (code int, stdout, stderr string) {
	var out, errs bytes.Buffer
	code = run(append([]string{"tenants"}, args...), func(k string) string { return vars[k] }, &out, &errs)
	return code, out.String(), errs.String()
}

func TestTenantsListsEveryTenantWithoutAnySecret(t *testing.T) {
	vars := map[string]string{"TAPBOT_TENANTS_FILE": writeTenantsFile(t), "SLACK_APPROVAL_CHANNEL": "CAPPROVAL", "AZURE_CLIENT_ID": tenantsMSPApp}
	code, out, errs := runTenants(vars)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := [][]string{
		{"NAME", "TENANT ID", "DOMAINS", "SLACK CHANNEL", "TEAMS CONVERSATION", "APP"},
		{"contoso", tenantsContosoID, "contoso.com, contoso.onmicrosoft.com", "C0CONTOSO", "19:contoso@thread.tacv2", "MSP app " + tenantsMSPApp},
		{"fabrikam", tenantsFabrikamID, "fabrikam.com", "(default CAPPROVAL)", "-", "own app " + tenantsOwnApp},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want a header and one per tenant:\n%s", len(lines), out)
	}
	for i, cols := range want {
		rest := lines[i]
		for _, col := range cols { // in order, each once
			j := strings.Index(rest, col)
			if j < 0 {
				t.Errorf("line %d lacks %q (in order):\n%s", i, col, lines[i])
				break
			}
			rest = rest[j+len(col):]
		}
	}
	if strings.Contains(out, "fabrikam-own-app-secret") {
		t.Error("the list shows a tenant's secret")
	}
}

func TestTenantsWithoutTenantsFileSaysSingleTenantModeAndHowToLeaveIt(t *testing.T) {
	code, out, _ := runTenants(map[string]string{"AZURE_TENANT_ID": "contoso-tenant"})
	if code != 0 || !strings.Contains(out, "single-tenant mode: it serves the one tenant of AZURE_TENANT_ID contoso-tenant") ||
		!strings.Contains(out, "set TAPBOT_TENANTS_FILE to its path") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if code, _, errs := runTenants(map[string]string{}, "consent-url", "contoso"); code != 2 || !strings.Contains(errs, "single-tenant mode") {
		t.Errorf("consent-url in single-tenant mode: exit %d, %s", code, errs)
	}
}

func TestTenantsConsentURLIsTheAdminConsentLinkOfTheTenantsApp(t *testing.T) {
	path := writeTenantsFile(t)
	for _, tc := range []struct {
		name, tenant string
		vars         map[string]string
		wantTenant   string
		wantClient   string
		wantBase     string // the authority host the link and its redirect are on
		wantApp      string
	}{
		{"the MSP's app in the public cloud", "contoso", nil, tenantsContosoID, tenantsMSPApp, "https://login.microsoftonline.com/", "the MSP's app " + tenantsMSPApp},
		{"a tenant's own app", "fabrikam", nil, tenantsFabrikamID, tenantsOwnApp, "https://login.microsoftonline.com/", "fabrikam's own app " + tenantsOwnApp},
		{"a tenant named by its id", strings.ToUpper(tenantsFabrikamID), nil, tenantsFabrikamID, tenantsOwnApp, "https://login.microsoftonline.com/", "fabrikam's own app"},
		{"US Government cloud", "contoso", map[string]string{"TAPBOT_CLOUD": "usgov"}, tenantsContosoID, tenantsMSPApp, "https://login.microsoftonline.us/", "the MSP's app"},
		{"an explicit authority host", "contoso", map[string]string{"TAPBOT_AUTHORITY_HOST": "https://login.example.test"}, tenantsContosoID, tenantsMSPApp, "https://login.example.test/", "the MSP's app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"TAPBOT_TENANTS_FILE": path, "AZURE_CLIENT_ID": tenantsMSPApp}
			for k, v := range tc.vars {
				vars[k] = v
			}
			code, out, errs := runTenants(vars, "consent-url", tc.tenant)
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, errs)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 {
				t.Fatalf("want the link and one line of explanation:\n%s", out)
			}
			u, err := url.Parse(lines[0])
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if base := strings.TrimSuffix(lines[0], u.Path+"?"+u.RawQuery) + "/"; base != tc.wantBase || u.Path != "/"+tc.wantTenant+"/adminconsent" ||
				q.Get("client_id") != tc.wantClient || q.Get("redirect_uri") != tc.wantBase+"common/oauth2/nativeclient" {
				t.Errorf("link %s\nwant %s%s/adminconsent?client_id=%s&redirect_uri=%scommon/oauth2/nativeclient", lines[0], tc.wantBase, tc.wantTenant, tc.wantClient, tc.wantBase)
			}
			for _, want := range []string{"A Global Administrator or Privileged Role Administrator of ", tc.wantApp,
				"the app must list the redirect URI " + tc.wantBase + "common/oauth2/nativeclient", "create-app.sh --multi-tenant registers it"} {
				if !strings.Contains(lines[1], want) {
					t.Errorf("explanation lacks %q:\n%s", want, lines[1])
				}
			}
		})
	}
}

func TestTenantsConsentURLOfAnUnknownTenantExits2ListingTheTenants(t *testing.T) {
	code, out, errs := runTenants(map[string]string{"TAPBOT_TENANTS_FILE": writeTenantsFile(t), "AZURE_CLIENT_ID": tenantsMSPApp}, "consent-url", "northwind")
	if code != 2 || out != "" || !strings.Contains(errs, `no tenant "northwind"`) || !strings.Contains(errs, "its tenants are contoso, fabrikam") {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errs)
	}
	if code, _, errs := runTenants(map[string]string{"TAPBOT_TENANTS_FILE": writeTenantsFile(t)}, "consent-url"); code != 2 || !strings.Contains(errs, "name the tenant") {
		t.Errorf("consent-url without a name: exit %d, %s", code, errs)
	}
	if code, _, _ := runTenants(map[string]string{}, "remove", "contoso"); code != 2 {
		t.Errorf("an unknown tenants command exits %d, want 2", code)
	}
}

func TestTenantsConsentURLOfTheMSPAppNeedsAzureClientID(t *testing.T) {
	vars := map[string]string{"TAPBOT_TENANTS_FILE": writeTenantsFile(t)}
	if code, _, errs := runTenants(vars, "consent-url", "contoso"); code != 1 || !strings.Contains(errs, "AZURE_CLIENT_ID is not set") {
		t.Errorf("MSP app without AZURE_CLIENT_ID: exit %d, %s", code, errs)
	}
	if code, out, errs := runTenants(vars, "consent-url", "fabrikam"); code != 0 || !strings.Contains(out, "client_id="+tenantsOwnApp) {
		t.Errorf("a tenant's own app needs no AZURE_CLIENT_ID: exit %d, %s%s", code, out, errs)
	}
}

func TestTenantsReportsEveryProblemOfTheTenantsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tenants.yaml")
	data := "tenants:\n  - name: contoso\n    id: not-a-guid\n    domains: [contoso.com]\n    colour: blue\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runTenants(map[string]string{"TAPBOT_TENANTS_FILE": path})
	if code != 1 || out != "" || strings.Count(errs, "TAPBOT_TENANTS_FILE: ") < 2 || strings.Contains(errs, "SLACK") {
		t.Fatalf("exit %d, stdout %q; want exit 1 and the file's problems (only those):\n%s", code, out, errs)
	}
}
