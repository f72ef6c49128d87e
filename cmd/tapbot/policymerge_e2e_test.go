package main

import (
	"strings"
	"testing"
)

func TestAllowedDomainsFromFileAndEnvironmentAreIntersected(t *testing.T) {
	e := startEnv(t, map[string]string{
		"TAPBOT_ALLOWED_DOMAINS": "contoso.com,fabrikam.com",
		"TAPBOT_POLICY_FILE":     policyFile(t, "allowedDomains: [fabrikam.com]\n"),
	})
	e.command(requester, "alice@contoso.com 1h")
	e.reply("alice@contoso.com is outside the domains tapbot may issue passes for (fabrikam.com)")
	e.noCards()
}

func TestAllowedDomainsWithNothingInCommonAreAConfigProblem(t *testing.T) {
	env := validEnv()
	env["TAPBOT_ALLOWED_DOMAINS"] = "contoso.com"
	env["TAPBOT_POLICY_FILE"] = policyFile(t, "allowedDomains: [Fabrikam.com]\n")
	_, err := LoadConfig(nil, func(k string) string { return env[k] }, nil)
	if err == nil || !strings.Contains(err.Error(), "have no domain in common") {
		t.Fatalf("disjoint domain lists not reported: %v", err)
	}
	env["TAPBOT_POLICY_FILE"] = policyFile(t, "allowedDomains: [Contoso.com, fabrikam.com]\n")
	c, err := LoadConfig(nil, func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.policy(nil).AllowedDomains; len(got) != 1 || got[0] != "contoso.com" {
		t.Fatalf("allowed domains %v, want [contoso.com]", got)
	}
}

func TestProtectListKeepsTheBuiltInAdminRefusal(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": policyFile(t, `
protect:
  - name: break-glass
    upnPatterns: ["breakglass*@contoso.com"]
    approvalsRequired: 2
`)})
	e.command(requester, "dan@contoso.com 1h")
	e.reply("holds the directory role Global Administrator, which tapbot's rule \"directory role holders\" protects")
	e.noCards()
}

func TestBuiltInAdminRefusalIsTurnedOffOnlyByName(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": policyFile(t, `protectOff: ["directory role holders"]`)})
	e.command(requester, "dan@contoso.com 1h")
	e.card()
}

func TestProtectNamesAreChecked(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{`protectOff: ["admins"]`, `protectOff: "admins" is not a built-in protect rule`},
		{"protect:\n  - name: directory role holders\n    upnPatterns: [nobody@contoso.com]\n    refuse: true\n", `add "directory role holders" to protectOff`},
	} {
		env := validEnv()
		env["TAPBOT_POLICY_FILE"] = policyFile(t, tc.yaml)
		if _, err := LoadConfig(nil, func(k string) string { return env[k] }, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: problem %q not reported: %v", tc.yaml, tc.want, err)
		}
	}
	env := validEnv()
	env["TAPBOT_POLICY_FILE"] = policyFile(t, "protect:\n  - name: directory role holders\n    anyDirectoryRole: true\n    refuse: true\n")
	c, err := LoadConfig(nil, func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatalf("a copy of the built-in rule, as older example files had it: %v", err)
	}
	if p := c.policy(nil); len(p.Protect) != 1 {
		t.Fatalf("protect rules %+v, want the built-in one once", p.Protect)
	}
}
