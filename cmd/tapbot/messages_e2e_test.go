package main

import (
	"strings"
	"testing"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

func TestSlackRevokedAfterAFailedDeliveryTellsWhatToFixAndOffersReissue(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	e.slack.FailMethod("chat.postEphemeral", "not_in_channel", 1)
	e.click(approver1, card, "tap_approve")
	updated := e.waitFor("card shows revocation", kind(slacktest.KindUpdate, approvalsCh, "Pass revoked"))
	if !strings.Contains(shown(updated), "not a member of that conversation") {
		t.Errorf("card does not say what to fix: %s", shown(updated))
	}
	notice := e.waitFor("requester told", kind(slacktest.KindPostMessage, e.dmOf(requester), "was revoked"))
	text := shown(notice)
	for _, want := range []string{"not a member of that conversation", "/invite @tapbot", "[Slack error not_in_channel]", "Once that is fixed, press *Re-issue the pass*"} {
		if !strings.Contains(text, want) {
			t.Errorf("notice lacks %q: %s", want, text)
		}
	}
	if strings.Contains(strings.ToLower(text), "raise a new request") {
		t.Errorf("notice says to raise a new request next to its Re-issue button: %s", text)
	}
	e.click(requester, notice, "tap_reissue")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
}

func TestSlackRevokeByAnApproverOffersNoReissueButton(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	e.click(approver1, e.card(), "tap_approve")
	e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
	e.command(approver2, "revoke alice@contoso.com")
	notice := e.waitFor("requester told", kind(slacktest.KindPostMessage, e.dmOf(requester), "it cannot be re-issued"))
	if _, err := e.slack.Click(requester, notice, "tap_reissue"); err == nil {
		t.Fatalf("the notice that the pass cannot be re-issued has a Re-issue button: %s", shown(notice))
	}
}

func TestSlackPolicyRefusalsComeWithoutTheUsageLineAndNoRequestIDIsAnnouncedEarly(t *testing.T) {
	e := startEnv(t, nil)
	for _, tt := range []struct{ text, reply string }{
		{"bob@contoso.com 1h", "disabled"},              // the account
		{"alice@contoso.com 12h", "it allows 1h to 8h"}, // the tenant's lifetime bounds
	} {
		ack := e.command(requester, tt.text)
		reply := shown(e.reply(tt.reply))
		if strings.Contains(ack, "TAP-") || strings.Contains(reply, "TAP-") {
			t.Errorf("%q: a request id was announced for a request that was never raised: ack %q, reply %q", tt.text, ack, reply)
		}
		if !strings.Contains(reply, "was not raised") || strings.Contains(reply, "Usage:") {
			t.Errorf("%q: reply %q, want a refusal without the usage line", tt.text, reply)
		}
	}
	if ack := e.command(requester, "alice@contoso.com 2h onse"); !strings.Contains(ack, "Usage:") {
		t.Errorf("a mistyped command gets no usage line: %q", ack)
	}
}
