package main

import (
	"strings"
	"testing"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// A customer tenant consents to the least privileged permissions; one set
// up before they existed holds the broad ones. Every Graph call a pass
// takes (look up, policy, create, list, revoke) must work with either.
func TestSlackPassIsIssuedAndRevokedWithTheNarrowOrTheBroadGraphPermissions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		roles []string
	}{
		{"only the TAP-only permissions", graphtest.DefaultRoles()},
		{"the broad permissions of older setups", graphtest.BroadRoles()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEnv(t, nil)
			e.graph.SetRoles(tc.roles...)
			e.command(requester, "alice@contoso.com 1h")
			card := e.card()
			e.click(approver1, card, "tap_approve")
			pass := e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
			issued := e.graph.Issued()
			if len(issued) != 1 || !strings.Contains(shown(pass), issued[0].Secret) {
				t.Fatalf("issued %d passes; pass message %q", len(issued), shown(pass))
			}
			e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered privately"))

			e.command(requester, "status alice@contoso.com")
			e.reply("Alice Andersen")
			e.command(approver1, "revoke alice@contoso.com")
			e.reply("Revoked the Temporary Access Pass of alice@contoso.com")
			if n := len(e.graph.Passes("alice@contoso.com")); n != 0 {
				t.Fatalf("alice still has %d passes after revoke", n)
			}
		})
	}
}
