package main

import (
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// vidPolicy is a policy file that asks every user for a Face Check.
func vidPolicy(t *testing.T) string {
	return policyFile(t, "verify:\n  steps: [verifiedId]\n")
}

// vidSettings are complete Verified ID settings.
func vidSettings() map[string]string {
	return map[string]string{
		"TAPBOT_PUBLIC_URL": "https://tapbot.contoso.com", "TAPBOT_VERIFIEDID_AUTHORITY": "did:web:verifiedid.contoso.com",
		"TAPBOT_VERIFIEDID_API_KEY": strings.Repeat("k", 40),
	}
}

// configProblems loads the configuration of env over validEnv and returns
// its problems, none when it loads.
func configProblems(t *testing.T, env map[string]string) []string {
	t.Helper()
	all := validEnv()
	for k, v := range env {
		if v == "" {
			delete(all, k)
			continue
		}
		all[k] = v
	}
	_, err := LoadConfig(nil, func(k string) string { return all[k] }, io.Discard)
	var ce *ConfigError
	if errors.As(err, &ce) {
		return ce.Problems
	}
	if err != nil {
		t.Fatal(err)
	}
	return nil
}

// tenantsWithVerify is a tenants file of two tenants whose policies both
// ask for verifiedId; contoso names its authority with extra.
func tenantsWithVerify(t *testing.T, extra string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tenants.yaml")
	data := `tenants:
  - name: contoso
    id: 11111111-1111-1111-1111-111111111111
    domains: [contoso.com]
` + extra + `    verify: {steps: [verifiedId]}
  - name: fabrikam
    id: 22222222-2222-2222-2222-222222222222
    domains: [fabrikam.com]
    verify: {steps: [callback, verifiedId]}
  - name: northwind
    id: 33333333-3333-3333-3333-333333333333
    domains: [northwind.com]
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVerifiedIDPolicyWithoutItsSettingsIsRefusedSayingWhatToSet(t *testing.T) {
	msp := map[string]string{"AZURE_TENANT_ID": "", "AZURE_CLIENT_SECRET": ""}
	for _, tc := range []struct {
		name string
		env  func(t *testing.T) map[string]string
		want []string // every problem, each a part of it
	}{
		{"nothing set", func(t *testing.T) map[string]string { return map[string]string{"TAPBOT_POLICY_FILE": vidPolicy(t)} },
			[]string{"TAPBOT_PUBLIC_URL: missing; the policy asks for verifiedId", "TAPBOT_VERIFIEDID_API_KEY: missing", "TAPBOT_VERIFIEDID_AUTHORITY: missing"}},
		{"Socket Mode only", func(t *testing.T) map[string]string {
			env := vidSettings()
			env["TAPBOT_POLICY_FILE"], env["TAPBOT_PUBLIC_URL"], env["SLACK_APP_TOKEN"], env["SLACK_SIGNING_SECRET"] = vidPolicy(t), "", "xapp-1-A0TEST-1-token", ""
			return env
		}, []string{"Slack in Socket Mode needs no public URL, but Verified ID does"}},
		{"a short key, a plain http URL, an authority that is no DID", func(t *testing.T) map[string]string {
			env := map[string]string{"TAPBOT_POLICY_FILE": vidPolicy(t), "TAPBOT_PUBLIC_URL": "http://tapbot.contoso.com",
				"TAPBOT_VERIFIEDID_API_KEY": "short", "TAPBOT_VERIFIEDID_AUTHORITY": "verifiedid.contoso.com"}
			return env
		}, []string{`TAPBOT_PUBLIC_URL: "http://tapbot.contoso.com" is not an https:// URL`, "TAPBOT_VERIFIEDID_API_KEY: 5 characters is too short", `TAPBOT_VERIFIEDID_AUTHORITY: "verifiedid.contoso.com" is not a DID`}},
		{"settings without the policy", func(*testing.T) map[string]string {
			return map[string]string{"TAPBOT_VERIFIEDID_AUTHORITY": "did:web:verifiedid.contoso.com"}
		}, []string{"TAPBOT_PUBLIC_URL: missing; Verified ID is configured", "TAPBOT_VERIFIEDID_API_KEY: missing; Verified ID is configured"}},
		{"MSP mode: a tenant without its authority", func(t *testing.T) map[string]string {
			env := vidSettings()
			env["TAPBOT_VERIFIEDID_AUTHORITY"], env["TAPBOT_TENANTS_FILE"] = "", tenantsWithVerify(t, "    verifiedIdAuthority: did:web:verifiedid.contoso.com\n")
			maps.Copy(env, msp)
			return env
		}, []string{"tenant fabrikam: the policy asks for verifiedId, but the tenant has no verifiedIdAuthority"}},
		{"MSP mode: one authority for every tenant", func(t *testing.T) map[string]string {
			env := vidSettings()
			env["TAPBOT_TENANTS_FILE"] = tenantsWithVerify(t, "    verifiedIdAuthority: did:web:verifiedid.contoso.com\n")
			maps.Copy(env, msp)
			return env
		}, []string{"TAPBOT_VERIFIEDID_AUTHORITY: in MSP mode each tenant has a Verified ID authority of its own", "tenant fabrikam: the policy asks for verifiedId"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problems := configProblems(t, tc.env(t))
			if len(problems) != len(tc.want) {
				t.Fatalf("problems %q, want %d", problems, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(problems[i], w) {
					t.Errorf("problem %d is %q, want it to say %q", i, problems[i], w)
				}
			}
		})
	}
}

func TestCompleteVerifiedIDSettingsLoad(t *testing.T) {
	single := vidSettings()
	single["TAPBOT_POLICY_FILE"] = vidPolicy(t)
	if p := configProblems(t, single); len(p) != 0 {
		t.Fatalf("single tenant: %q", p)
	}
	msp := vidSettings()
	msp["TAPBOT_VERIFIEDID_AUTHORITY"], msp["AZURE_TENANT_ID"], msp["AZURE_CLIENT_SECRET"] = "", "", ""
	file := tenantsWithVerify(t, "    verifiedIdAuthority: did:web:verifiedid.contoso.com\n")
	data, _ := os.ReadFile(file)
	fixed := strings.Replace(string(data), "    verify: {steps: [callback, verifiedId]}\n", "    verifiedIdAuthority: did:web:verifiedid.fabrikam.com\n    verify: {steps: [callback, verifiedId]}\n", 1)
	if err := os.WriteFile(file, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	msp["TAPBOT_TENANTS_FILE"] = file
	if p := configProblems(t, msp); len(p) != 0 {
		t.Fatalf("MSP mode, northwind without verifiedId: %q", p)
	}
}

func TestReloadedPolicyAskingForVerifiedIDWithoutItsSettingsIsRefused(t *testing.T) {
	path := policyFile(t, "approvalsRequired: 1\n")
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": path})
	writePolicy(t, path, "verify:\n  steps: [verifiedId]\n")
	e.hup <- syscall.SIGHUP
	e.waitLog("the refusal", `msg="policy file not reloaded; the running policy stays"`, "TAPBOT_VERIFIEDID_API_KEY: missing")
	e.command(requester, "alice@contoso.com 1h")
	e.card() // the running policy asks for no Face Check
}

func TestDoctorChecksTheVerificationPermissionsAndTheVerifiedIDToken(t *testing.T) {
	e, _ := startVerifiedIDEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t,
		"  steps: [verifiedId]\n  risk: {refuse: [high]}\n  notifyTarget: {mailFrom: it-security@contoso.com, contact: the service desk}\n")})
	code, out := runDoctor(t, e, nil)
	for _, want := range []string{
		"✓ verification permissions: IdentityRiskyUser.Read.All, Mail.Send, UserAuthenticationMethod.Read.All consented",
		"✓ verified id: presentations asked as " + vidAuthority + " with VerifiableCredential.Create.PresentRequest; results come to https://127.0.0.1:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor does not say %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}

	e.graph.SetRoles(append(graphtest.DefaultRoles(), "IdentityRiskyUser.Read.All", "UserAuthenticationMethod.Read.All")...)
	code, out = runDoctor(t, e, nil)
	for _, want := range []string{
		"✗ verification permissions: the token lacks Mail.Send, needed when the policy tells the user by e-mail that a pass was made",
		"✗ verified id: the token for Entra Verified ID's Request Service lacks VerifiableCredential.Create.PresentRequest",
		"Verifiable Credentials Service Request → Application permissions: add VerifiableCredential.Create.PresentRequest",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor does not say %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Fatalf("exit %d with permissions missing, want 1", code)
	}
	if strings.Contains(out, vidAPIKey) {
		t.Error("doctor printed the Verified ID api key")
	}
}
