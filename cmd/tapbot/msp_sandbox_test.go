package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// The tenants of deploy/tenants.sandbox.yaml.
const (
	sandboxContosoID  = "11111111-1111-1111-1111-111111111111"
	sandboxFabrikamID = "22222222-2222-2222-2222-222222222222"
)

// TestSandboxServesTheTenantsOfTheSandboxTenantsFile runs what the README's
// one-liner runs, TAPBOT_GRAPH=sandbox with deploy/tenants.sandbox.yaml:
// each customer tenant is a directory of its own with a member, a disabled
// account, a Global Administrator and a user who already has a pass, and
// each request goes to its tenant.
func TestSandboxServesTheTenantsOfTheSandboxTenantsFile(t *testing.T) {
	e := startSandboxWith(t, map[string]string{"TAPBOT_TENANTS_FILE": filepath.Join("..", "..", "deploy", "tenants.sandbox.yaml")})
	contoso, fabrikam := e.graph.AddTenant(sandboxContosoID, ""), e.graph.AddTenant(sandboxFabrikamID, "") // the ones the app added

	for _, tc := range []struct{ upn, tenant, person string }{
		{"alice@fabrikam.com", "fabrikam", "Alice Andersen (Fabrikam)"},
		{"alice@contoso.com", "contoso", "Alice Andersen (Contoso)"},
	} {
		e.command(requester, tc.upn+" 1h new phone")
		card := e.waitFor("the card for "+tc.upn, kind(slacktest.KindPostMessage, approvalsCh, tc.upn))
		if !strings.Contains(shown(card), tc.person) || !strings.Contains(shown(card), tc.tenant) {
			t.Errorf("the card for %s does not show %s of %s: %s", tc.upn, tc.person, tc.tenant, shown(card))
		}
		e.click(approver1, card, "tap_approve")
		e.waitFor("the pass for "+tc.upn, kind(slacktest.KindPostEphemeral, "", tc.upn))
	}
	if c, f, home := len(contoso.Issued()), len(fabrikam.Issued()), len(e.graph.Issued()); c != 1 || f != 1 || home != 0 {
		t.Fatalf("passes: contoso %d, fabrikam %d, the sandbox's home tenant %d; want 1, 1, 0", c, f, home)
	}

	e.command(requester, "bob@contoso.com 1h")
	e.reply("disabled in Entra")
	e.command(requester, "dan@fabrikam.com 1h")
	e.reply("holds the directory role Global Administrator")
	e.command(requester, "carol@fabrikam.com 1h")
	if card := e.card(); !strings.Contains(shown(card), "it will be replaced") {
		t.Errorf("carol's card does not say she has a pass: %s", shown(card))
	}
	e.command(requester, "eve@tailspin.example 1h")
	e.reply("tailspin.example")
}
