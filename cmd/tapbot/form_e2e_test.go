package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// openFormBySlash types /tap alone as user and returns the request form it
// opens. Slack shows nothing else: the command's answer is empty.
func (e *env) openFormBySlash(user string) slacktest.View {
	e.t.Helper()
	form, err := e.slack.SlashCommand(user, generalCh, "")
	if err != nil {
		e.t.Fatal(err)
	}
	status, body := e.post("/slack/commands", form, time.Now())
	if status != http.StatusOK || strings.TrimSpace(body) != "" {
		e.t.Fatalf("/tap alone: HTTP %d %q, want 200 and no message", status, body)
	}
	return e.openForm(user)
}

// openFormByShortcut picks the global shortcut as user and returns the form.
func (e *env) openFormByShortcut(user string) slacktest.View {
	e.t.Helper()
	in, err := e.slack.Shortcut(user, "tap_request_shortcut")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.slack.PostInteraction(context.Background(), e.base+"/slack/interactions", signing, in); err != nil {
		e.t.Fatal(err)
	}
	return e.openForm(user)
}

// openForm is the request form user sees now.
func (e *env) openForm(user string) slacktest.View {
	e.t.Helper()
	v, ok := e.slack.OpenModal(user)
	if !ok || v.CallbackID != "tap_request_form" {
		e.t.Fatalf("no request form open for %s (got %+v)\nlogs:\n%s", user, v, e.logs.String())
	}
	return v
}

// submitForm fills in the form as user and submits it; it returns how
// tapbot answered.
func (e *env) submitForm(user string, v slacktest.View, entries slacktest.Entries) slacktest.Answer {
	e.t.Helper()
	in, err := e.slack.ViewSubmission(user, v.ID, entries)
	if err != nil {
		e.t.Fatal(err)
	}
	ans, err := e.slack.PostInteraction(context.Background(), e.base+"/slack/interactions", signing, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return ans
}

func TestSlackFormFromSlashIsApprovedAndDelivered(t *testing.T) {
	e := startEnv(t, nil)
	v := e.openFormBySlash(requester)
	lifetime, _ := v.Input("tap_lifetime")
	// The demo tenant allows 1h to 8h with 1h as its default.
	if lifetime.Value != "default" || strings.Join(lifetime.Options, ",") != "default,2h,4h,8h" {
		t.Fatalf("lifetime input = %+v, want the tenant's range with its default picked", lifetime)
	}
	if !strings.Contains(string(v.Blocks), "1 hour (tenant default)") || !strings.Contains(string(v.Blocks), "multi-use (tenant default)") {
		t.Errorf("the form does not mark the tenant's defaults: %s", v.Blocks)
	}
	if start, _ := v.Input("tap_start"); start.Type != "datetimepicker" || !start.Optional {
		t.Errorf("start input = %+v, want an optional datetimepicker", start)
	}
	ans := e.submitForm(requester, v, slacktest.Entries{
		"tap_user": "Alice@Contoso.com", "tap_lifetime": "2h", "tap_once": "once", "tap_reason": "new phone INC-4711",
	})
	if ans.ResponseAction != "" {
		t.Fatalf("answer = %+v, want the form closed", ans)
	}
	if _, open := e.slack.OpenModal(requester); open {
		t.Fatal("the form is still open")
	}
	card := e.card()
	for _, want := range []string{"alice@contoso.com", "2h", "one-time", "new phone INC-4711", "<@" + requester + ">"} {
		if !strings.Contains(shown(card), want) {
			t.Errorf("card lacks %q: %s", want, shown(card))
		}
	}
	// The receipt answers the /tap that opened the form, where it was typed.
	receipt := e.reply("is waiting for approval")
	if receipt.Channel != generalCh {
		t.Errorf("receipt in %s, want %s", receipt.Channel, generalCh)
	}
	e.click(approver1, card, "tap_approve")
	pass := e.waitFor("the pass", kind(slacktest.KindPostEphemeral, "", "Temporary Access Pass for"))
	issued := e.graph.Issued()
	if len(issued) != 1 || !issued[0].UsableOnce || issued[0].LifetimeMinutes != 120 {
		t.Fatalf("issued %+v, want one one-time pass of 2h", issued)
	}
	if pass.User != requester || !strings.Contains(shown(pass), issued[0].Secret) {
		t.Fatalf("pass message for %s: %q", pass.User, shown(pass))
	}
}

func TestSlackFormFromShortcutKeepsTenantDefaultsAndStartsLater(t *testing.T) {
	e := startEnv(t, nil)
	v := e.openFormByShortcut(requester)
	start := e.clock.Now().Add(3 * time.Hour).Truncate(time.Minute)
	ans := e.submitForm(requester, v, slacktest.Entries{
		"tap_user": "alice@contoso.com", "tap_start": strconv.FormatInt(start.Unix(), 10), "tap_reason": "device swap",
	})
	if ans.ResponseAction != "" {
		t.Fatalf("answer = %+v, want the form closed", ans)
	}
	card := e.card()
	// No /tap to answer: the receipt, with its Cancel button, is in the DM.
	receipt := e.waitFor("the receipt in the DM", kind(slacktest.KindPostMessage, e.dmOf(requester), "is waiting for approval"))
	if _, ok := receipt.Button("tap_cancel"); !ok {
		t.Errorf("the receipt has no Cancel button: %s", receipt.Blocks)
	}
	e.click(approver1, card, "tap_approve")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	issued := e.graph.Issued()
	if len(issued) != 1 || issued[0].LifetimeMinutes != 60 || issued[0].UsableOnce || !issued[0].Start.Equal(start) {
		t.Fatalf("issued %+v, want the tenant's 1h multi-use pass starting %s", issued, start)
	}
}

func TestSlackFormFieldErrorsShowInlineAndRaiseNothing(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": policyFile(t, `
reason:
  required: true
  ticketPattern: 'INC-\d+'
`)})
	v := e.openFormBySlash(requester)
	reason, _ := v.Input("tap_reason")
	if reason.Optional || !strings.Contains(string(v.Blocks), `INC-\\d+`) {
		t.Errorf("reason input = %+v, want it required with the ticket pattern as a hint: %s", reason, v.Blocks)
	}
	past := e.clock.Now().Add(-time.Hour)
	tests := []struct {
		name    string
		entries slacktest.Entries
		block   string
		want    string
	}{
		{"bad sign-in name", slacktest.Entries{"tap_user": "alice.contoso.com", "tap_reason": "INC-1"}, "tap_user", "needs an @"},
		{"start in the past", slacktest.Entries{"tap_user": "alice@contoso.com", "tap_start": strconv.FormatInt(past.Unix(), 10), "tap_reason": "INC-1"}, "tap_start", "has passed"},
		{"reason without a ticket", slacktest.Entries{"tap_user": "alice@contoso.com", "tap_start": "", "tap_reason": "lost phone"}, "tap_reason", "ticket matching INC-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ans := e.submitForm(requester, v, tc.entries)
			if ans.ResponseAction != "errors" || !strings.Contains(ans.Errors[tc.block], tc.want) || len(ans.Errors) != 1 {
				t.Fatalf("answer = %+v, want one error under %s saying %q", ans, tc.block, tc.want)
			}
			if now := e.openForm(requester); now.Errors[tc.block] == "" {
				t.Errorf("the form does not show the error under %s", tc.block)
			}
		})
	}
	for _, m := range e.slack.Messages() {
		if m.Channel == approvalsCh || m.Kind == slacktest.KindResponseURL {
			t.Fatalf("a form with errors raised something: %s %q", m.Kind, m.Text)
		}
	}
	// Put right, the same form goes through.
	if ans := e.submitForm(requester, v, slacktest.Entries{"tap_reason": "lost phone INC-9"}); ans.ResponseAction != "" {
		t.Fatalf("answer = %+v, want the form closed", ans)
	}
	e.card()
}

func TestSlackFormRefusalNeedingGraphComesAfterTheFormCloses(t *testing.T) {
	e := startEnv(t, nil)
	v := e.openFormBySlash(requester)
	ans := e.submitForm(requester, v, slacktest.Entries{"tap_user": "nobody@contoso.com"})
	if ans.ResponseAction != "" {
		t.Fatalf("answer = %+v, want the form closed: Graph cannot be asked within Slack's 3 seconds", ans)
	}
	e.reply("nobody@contoso.com")
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
}
