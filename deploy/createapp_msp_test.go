package deploy

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/graphclient"
)

// MSP mode (issue 11): create-app.sh --multi-tenant registers one app that
// every customer tenant consents to, with the redirect URI tapbot's consent
// links return to, and tells the operator how each customer consents. The
// links it prints must be the ones tapbot itself builds
// (graphclient.ConsentURL), or a technician following one or the other would
// see different results.
func TestCreateAppMultiTenantRegistersConsentRedirectAndExplainsCustomerConsent(t *testing.T) {
	const public = "https://login.microsoftonline.com/"
	redirect := graphclient.ConsentRedirect(public)
	base := []string{"role-Policy.Read.AuthenticationMethod=Role", "role-PrivilegedEligibilitySchedule.Read.AzureADGroup=Role", "role-RoleManagement.Read.Directory=Role", "role-User.Read.All=Role", "role-UserAuthMethod-TAP.ReadWrite.All=Role"}
	tests := []struct {
		name       string
		env        []string
		authority  string // what the guidance's links must start with
		app        string
		wantCalls  []string
		notCalled  []string
		wantStdout string
	}{{
		name:      "a new app is created multi-tenant with the consent redirect",
		authority: public,
		app:       "new-app",
		wantCalls: []string{"ad app create --display-name tapbot --sign-in-audience AzureADMultipleOrgs --public-client-redirect-uris " + redirect + " --query appId"},
		notCalled: []string{"ad app update"},
	}, {
		name:      "an existing single-tenant app is made multi-tenant and gets the redirect",
		env:       []string{"FAKE_EXISTING_APPS=old-app"},
		authority: public,
		app:       "old-app",
		wantCalls: []string{
			"ad app show --id old-app --query publicClient.redirectUris",
			"ad app update --id old-app --sign-in-audience AzureADMultipleOrgs --public-client-redirect-uris " + redirect + " --only-show-errors",
		},
		notCalled: []string{"ad app create"},
	}, {
		name:      "an existing app keeps its other redirect URIs and gets ours once",
		env:       []string{"FAKE_EXISTING_APPS=old-app", "FAKE_REDIRECT_URIS=http://localhost\t" + redirect},
		authority: public,
		app:       "old-app",
		wantCalls: []string{"ad app update --id old-app --sign-in-audience AzureADMultipleOrgs --public-client-redirect-uris " + redirect + " http://localhost --only-show-errors"},
	}, {
		name:      "a sovereign cloud's authority gives the redirect and links of that cloud",
		env:       []string{"FAKE_AUTHORITY=https://login.microsoftonline.us"},
		authority: "https://login.microsoftonline.us",
		app:       "new-app",
		wantCalls: []string{"ad app create --display-name tapbot --sign-in-audience AzureADMultipleOrgs --public-client-redirect-uris https://login.microsoftonline.us/common/oauth2/nativeclient --query appId"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCreateApp(t, tc.env, "--multi-tenant")
			if !r.ok {
				t.Fatalf("create-app.sh --multi-tenant failed\nstderr:\n%s", r.stderr)
			}
			checkCalls(t, r, tc.wantCalls, tc.notCalled)
			if got := r.grants(); !slices.Equal(got, base) {
				t.Errorf("Graph permissions requested = %v, want the same least-privilege ones as single tenant %v", got, base)
			}
			want := "AZURE_TENANT_ID=tenant-1\nAZURE_CLIENT_ID=" + tc.app + "\nAZURE_CLIENT_SECRET=s3cr3t-value\n"
			if r.stdout != want {
				t.Errorf("stdout = %q, want only the env lines %q", r.stdout, want)
			}
			if strings.Contains(r.stderr, "s3cr3t-value") {
				t.Error("the client secret leaked to stderr")
			}
			checkMSPGuidance(t, r.stderr, tc.authority, tc.app)
		})
	}
}

// checkMSPGuidance checks what --multi-tenant tells the operator: the
// per-customer consent link, the tapbot command that prints it, and the
// environment of MSP mode.
func checkMSPGuidance(t *testing.T, stderr, authority, app string) {
	t.Helper()
	redirect := graphclient.ConsentRedirect(authority)
	customer := strings.TrimRight(authority, "/") + "/<customer-tenant-id>/adminconsent?client_id=" + app +
		"&redirect_uri=" + url.QueryEscape(redirect)
	home := graphclient.ConsentURL(authority, "tenant-1", app, "")
	for _, want := range []string{
		"Global Administrator or Privileged Role Administrator of the customer's tenant",
		"  " + customer + "\n",
		"'tapbot tenants consent-url NAME'",
		"  " + home + "\n",
		"AZURE_CLIENT_ID and the credential",
		"AZURE_TENANT_ID is your home tenant (optional in MSP mode)",
		"TAPBOT_TENANTS_FILE names the tenants file",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// A bare link without redirect_uri ends in AADSTS900971.
	if strings.Contains(stderr, "client_id="+app+"\n") {
		t.Errorf("stderr prints a consent link without redirect_uri:\n%s", stderr)
	}
}

func TestCreateAppMultiTenantStopsWhenTheAppCannotBeChanged(t *testing.T) {
	r := runCreateApp(t, []string{"FAKE_EXISTING_APPS=old-app", "FAKE_UPDATE_FAILS=1"}, "--multi-tenant")
	if r.ok {
		t.Fatalf("create-app.sh succeeded although az ad app update failed\nstderr:\n%s", r.stderr)
	}
	checkCalls(t, r, []string{"ad app update --id old-app"}, []string{"ad app permission add", "ad sp create", "ad app credential reset"})
	if !strings.Contains(r.stderr, `could not make "tapbot" multi-tenant`) {
		t.Errorf("stderr does not say what failed:\n%s", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing: no credential was made", r.stdout)
	}
}

func checkCalls(t *testing.T, r scriptRun, want, not []string) {
	t.Helper()
	for _, c := range want {
		if !r.called(c) {
			t.Errorf("az was not called with %q; calls:\n%s", c, strings.Join(r.calls, "\n"))
		}
	}
	for _, c := range not {
		if r.called(c) {
			t.Errorf("az was called with %q, want no such call", c)
		}
	}
}
