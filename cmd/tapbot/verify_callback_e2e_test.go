package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

// callbackPolicy asks an approver to call the user back for every request.
const callbackPolicy = "  steps: [callback]\n"

// callbackModal presses Approve on card as user and returns the callback
// modal it opens.
func (e *env) callbackModal(user string, card slacktest.Message) slacktest.Message {
	e.t.Helper()
	return e.pressForModal(user, card, "tap_approve", "the callback modal", "I called the user back")
}

// submitUnticked submits the callback modal as user with its tick box
// left out of the view's state, signed as Slack signs: Slack itself does
// not send a required box unticked, but a submission that comes without it
// all the same must approve nothing.
func (e *env) submitUnticked(user string, modal slacktest.Message) slacktest.Answer {
	e.t.Helper()
	in, err := e.slack.ViewSubmission(user, modal.ViewID, slacktest.Entries{callbackBlock: callbackValue})
	if err != nil {
		e.t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(in.Payload, &payload); err != nil {
		e.t.Fatal(err)
	}
	values := payload["view"].(map[string]any)["state"].(map[string]any)["values"].(map[string]any)
	delete(values, callbackBlock)
	if in.Payload, err = json.Marshal(payload); err != nil {
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

func TestCallbackTickIsNeededToApproveAndTheAuditKeepsItWithTheNote(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t, callbackPolicy)})
	e.command(requester, "alice@contoso.com 1h new phone INC-4711")
	card := e.card()
	if !strings.Contains(shown(card), "callback needed") {
		t.Fatalf("the card does not say a callback is needed: %s", shown(card))
	}
	id := requestIDOf(t, card)

	modal := e.callbackModal(approver1, card)
	ans := e.submitUnticked(approver1, modal)
	if ans.ResponseAction != "errors" || !strings.Contains(ans.Errors[callbackBlock], "Nothing was approved") {
		t.Fatalf("answer to an unticked callback %+v, want the error under the tick box", ans)
	}
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued without the callback tick", n)
	}

	note := "office number, Alice confirmed the new phone"
	if ans := e.submitModal(approver1, modal, slacktest.Entries{callbackBlock: callbackValue, callbackNoteBlock: note}); ans.ResponseAction != "" {
		t.Fatalf("the ticked callback was refused: %+v", ans)
	}
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	e.waitFor("the card shows the callback", kind(slacktest.KindUpdate, approvalsCh, "called back by"))
	if n := len(e.graph.Issued()); n != 1 {
		t.Fatalf("%d passes issued, want 1", n)
	}
	ev := eventOf(t, e.auditOf(id), approvals.EventVerifyCallback)
	if ev.Actor != "slack:"+approver1 || !strings.Contains(ev.Detail, note) {
		t.Fatalf("callback event %+v, want approver1's tick with the note", ev)
	}
}

func TestRequesterCannotTickTheCallbackOfTheirOwnRequest(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t, callbackPolicy)})
	e.command(both, "alice@contoso.com 1h new phone")
	card := e.card()
	if status := e.click(both, card, "tap_approve"); status != http.StatusOK {
		t.Fatalf("Approve: HTTP %d", status)
	}
	e.reply("can't approve your own request")
	for _, m := range e.slack.Messages() {
		if m.Kind == slacktest.KindOpenView && m.User == both {
			t.Fatal("the requester got the callback modal of their own request")
		}
	}
	modal := e.callbackModal(approver1, card) // another approver still can
	e.submitModal(approver1, modal, slacktest.Entries{callbackBlock: callbackValue})
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(both), "Temporary Access Pass for"))
	if ev := eventOf(t, e.auditOf(requestIDOf(t, card)), approvals.EventVerifyCallback); ev.Actor != "slack:"+approver1 {
		t.Fatalf("the callback was ticked by %s, want approver1", ev.Actor)
	}
}

// TestCallerFactsAreOnTheCardAndInNoRequesterMessage: the numbers to call
// back on and the manager come from the directory for approvers; the
// requester, who may be talking to the caller, never sees them.
func TestCallerFactsAreOnTheCardAndInNoRequesterMessage(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t, callbackPolicy)})
	e.command(requester, "alice@contoso.com 1h new phone")
	card := e.card()
	for _, want := range []string{"Verify the caller", aliceOffice + "> (office)", aliceMobile + "> (mobile)", "Carol Chen (carol@contoso.com)", "No risk in Entra ID Protection"} {
		if !strings.Contains(shown(card), want) {
			t.Errorf("the card lacks %q: %s", want, shown(card))
		}
	}
	e.submitModal(approver1, e.callbackModal(approver1, card), slacktest.Entries{callbackBlock: callbackValue})
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	e.stopOnce()
	mine := toRequester(e, requester)
	for _, m := range e.slack.Messages() {
		if !mine(m) {
			continue
		}
		for _, fact := range []string{"555 0110", "555 0111", "Carol"} {
			if strings.Contains(shown(m)+string(m.Body), fact) {
				t.Errorf("%q reached the requester in a %s: %s", fact, m.Kind, shown(m))
			}
		}
	}
}

func TestTeamsApproveWithoutTheCallbackTickIsRefused(t *testing.T) {
	te := startTeamsEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t, callbackPolicy)})
	te.says(te.rita, "tap alice@contoso.com 1h new phone")
	card := te.teamsCard()
	// Teams does not send the required toggle off; an approval that comes
	// without the tick all the same must approve nothing.
	a, err := te.teams.Submit(te.arno, card, "approve", map[string]string{"tap_called": "true"})
	if err != nil {
		t.Fatal(err)
	}
	a.Value["tap_called"] = "false"
	if status := te.deliver(a); status != http.StatusOK {
		t.Fatalf("unticked approval: HTTP %d", status)
	}
	te.teamsWait("the refusal", teamstest.Sent(teamsApprovals, "I called the user back on a directory number"))
	if n := len(te.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued without the callback tick", n)
	}
	te.conv.Submit(te.arno, card, "approve", map[string]string{"tap_called": "true", "tap_callback_note": "mobile, she confirmed"})
	te.teamsWait("the pass", teamstest.Sent(te.chat(te.rita), "Temporary Access Pass for"))
	if ev := eventOf(t, te.auditOf(teamstest.RequestID(t, card)), approvals.EventVerifyCallback); ev.Actor != "teams:"+arnoID || !strings.Contains(ev.Detail, "mobile, she confirmed") {
		t.Fatalf("callback event %+v, want Arno's tick with the note", ev)
	}
}
