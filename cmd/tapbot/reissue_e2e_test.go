package main

import (
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

func TestSlackReissueAfterRevokeIsRefused(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	e.click(approver1, e.card(), "tap_approve")
	pass := e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
	e.command(approver2, "revoke alice@contoso.com")
	e.reply("Revoked the Temporary Access Pass of alice@contoso.com")
	e.waitFor("card shows the revoke", kind(slacktest.KindUpdate, approvalsCh, "revoked it with /tap revoke"))
	e.waitFor("requester told", kind(slacktest.KindPostMessage, e.dmOf(requester), "it cannot be re-issued"))
	for range 2 {
		e.click(requester, pass, "tap_reissue")
		e.reply("revoked the pass of alice@contoso.com")
	}
	e.stopOnce()
	if n, live := len(e.graph.Issued()), len(e.graph.Passes("alice@contoso.com")); n != 1 || live != 0 {
		t.Fatalf("issued %d, live %d: a revoked request gave out another pass", n, live)
	}
}

func TestSlackRemovedRequesterCannotReissue(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_REQUESTERS": "S0HELPDESK"})
	e.slack.AddUserGroup("S0HELPDESK", "helpdesk", requester)
	e.command(requester, "alice@contoso.com 1h")
	e.click(approver1, e.card(), "tap_approve")
	pass := e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
	e.slack.AddUserGroup("S0HELPDESK", "helpdesk") // removed from the helpdesk
	e.clock.Advance(6 * time.Minute)               // past the group cache, within the re-issue window
	e.click(requester, pass, "tap_reissue")
	e.reply("not allowed to request")
	e.stopOnce()
	if n := len(e.graph.Issued()); n != 1 {
		t.Fatalf("%d passes issued; a removed requester re-issued", n)
	}
}
