package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// denyBlock is the block_id of the deny modal's reason input.
const denyBlock = "tap_deny_reason"

// denyModal presses Deny on card as user and returns the modal it opens.
func (e *env) denyModal(user string, card slacktest.Message) slacktest.Message {
	e.t.Helper()
	return e.pressForModal(user, card, "tap_deny", "the deny modal", "")
}

// pressForModal presses the button action on card as user and returns the
// modal the press opens for them, the one showing text ("": any).
func (e *env) pressForModal(user string, card slacktest.Message, action, what, text string) slacktest.Message {
	e.t.Helper()
	if status := e.click(user, card, action); status != http.StatusOK {
		e.t.Fatalf("%s: HTTP %d", action, status)
	}
	return e.waitFor(what, func(m slacktest.Message) bool {
		return m.Kind == slacktest.KindOpenView && m.User == user && strings.Contains(shown(m), text)
	})
}

// submitModal fills the modal in with entries as user, submits it and
// returns how tapbot answered.
func (e *env) submitModal(user string, modal slacktest.Message, entries slacktest.Entries) slacktest.Answer {
	e.t.Helper()
	in, err := e.slack.ViewSubmission(user, modal.ViewID, entries)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ans, err := e.slack.PostInteraction(ctx, e.base+"/slack/interactions", signing, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return ans
}

func TestSlackDenyAsksWhyAndShowsTheReasonOnCardThreadAndToRequester(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h new phone")
	card := e.card()
	modal := e.denyModal(approver1, card)
	if !strings.Contains(shown(modal), "alice@contoso.com") {
		t.Errorf("the deny modal does not say what is denied: %s", shown(modal))
	}
	if ans := e.submitModal(approver1, modal, slacktest.Entries{denyBlock: "no ticket, call the service desk"}); ans.ResponseAction != "" {
		t.Fatalf("the reason was refused: %+v", ans)
	}
	if v, _ := e.slack.View(modal.ViewID); v.Open {
		t.Error("the deny modal stayed open after a reason was given")
	}
	e.waitFor("card shows the reason", kind(slacktest.KindUpdate, approvalsCh, "Denied by <@"+approver1+">"))
	if cur, _ := e.slack.Current(card.Channel, card.TS); !strings.Contains(shown(cur), "Reason: no ticket, call the service desk") {
		t.Errorf("card lacks the reason: %s", shown(cur))
	}
	e.waitFor("requester told the reason", kind(slacktest.KindPostMessage, e.dmOf(requester), "Reason: no ticket, call the service desk"))
	reply := e.waitFor("the denial in the card's thread", slacktest.InThread(card))
	for _, want := range []string{"<@" + approver1 + "> denied it", "<!date^", "Reason: no ticket, call the service desk"} {
		if !strings.Contains(shown(reply), want) {
			t.Errorf("thread reply lacks %q: %s", want, shown(reply))
		}
	}
}

func TestSlackRequiredDenyReasonLeftBlankIsRefusedOnTheField(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": policyFile(t, "denyReason: required\n")})
	e.command(requester, "alice@contoso.com 1h new phone")
	card := e.card()
	modal := e.denyModal(approver1, card)
	if v, _ := e.slack.View(modal.ViewID); len(v.Inputs) != 1 || v.Inputs[0].Optional {
		t.Errorf("the reason input is not required: %+v", v.Inputs)
	}
	if _, err := e.slack.ViewSubmission(approver1, modal.ViewID, slacktest.Entries{denyBlock: ""}); err == nil {
		t.Error("Slack would let an empty required reason through")
	}
	ans := e.submitModal(approver1, modal, slacktest.Entries{denyBlock: "   "})
	if ans.ResponseAction != "errors" || !strings.Contains(ans.Errors[denyBlock], "Say why") {
		t.Fatalf("a blank reason was answered with %+v", ans)
	}
	e.waitFor("the error under the field", kind(slacktest.KindViewErrors, "", "Say why"))
	if cur, _ := e.slack.Current(card.Channel, card.TS); !strings.Contains(shown(cur), "Waiting for approval") {
		t.Fatalf("card changed on a refused denial: %s", shown(cur))
	}
	e.command(approver1, "deny "+requestIDOf(t, card))
	e.reply("Say why you deny")
	e.submitModal(approver1, modal, slacktest.Entries{denyBlock: "wrong user"})
	e.waitFor("card shows the reason", kind(slacktest.KindUpdate, approvalsCh, "Reason: wrong user"))
}

func TestSlackApprovalAndDeliveryAreRepliesInTheCardsThread(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_APPROVALS_REQUIRED": "2"})
	e.command(requester, "alice@contoso.com 1h new phone")
	card := e.card()
	e.reply("is waiting for approval") // the card's place is recorded
	e.click(approver1, card, "tap_approve")
	first := e.waitFor("the first approval in the thread", slacktest.InThread(card))
	if !strings.Contains(shown(first), "<@"+approver1+"> approved") || !strings.Contains(shown(first), "approval 1 of 2") {
		t.Errorf("first thread reply: %s", shown(first))
	}
	e.click(approver2, card, "tap_approve")
	second := e.waitFor("the second approval in the thread", slacktest.InThread(card))
	delivered := e.waitFor("the delivery in the thread", slacktest.InThread(card))
	if !strings.Contains(shown(second), "<@"+approver2+"> approved") || !strings.Contains(shown(second), "approval 2 of 2") {
		t.Errorf("second thread reply: %s", shown(second))
	}
	if !strings.Contains(shown(delivered), "delivered privately to <@"+requester+">") {
		t.Errorf("delivery thread reply: %s", shown(delivered))
	}
	if n := len(e.slack.Replies(card.Channel, card.TS)); n != 3 {
		t.Errorf("%d replies in the card's thread, want 3", n)
	}
}
