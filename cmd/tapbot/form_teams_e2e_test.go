package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

func TestTeamsFormRequestIsApprovedAndDelivered(t *testing.T) {
	te := startTeamsEnv(t, nil)
	te.says(te.rita, "tap")
	form := te.teamsWait("the request form", teamstest.Sent(te.chat(te.rita), "Request a Temporary Access Pass"))
	for _, want := range []string{"1 hour (tenant default)", "multi-use (tenant default)", "Input.Date", "Input.Time"} {
		if !strings.Contains(string(form.Card()), want) {
			t.Errorf("form lacks %q: %s", want, form.Card())
		}
	}
	te.conv.Submit(te.rita, form, "tap_request_form", map[string]string{
		"tap_user": "alice@contoso.com", "tap_lifetime": "2h", "tap_once": "once", "tap_reason": "new phone INC-4711",
	})
	te.teamsWait("acknowledgement", teamstest.Sent(te.chat(te.rita), "Checking the account of alice@contoso.com"))
	card := te.teamsCard()
	for _, want := range []string{"Rita Requester", "alice@contoso.com", "2h", "one-time", "new phone INC-4711"} {
		if !card.Shows(want) {
			t.Errorf("card lacks %q: %s", want, card.Card())
		}
	}
	te.press(te.arno, card, "approve")
	pass := te.teamsWait("the pass", teamstest.Sent(te.chat(te.rita), "Temporary Access Pass for"))
	issued := te.graph.Issued()
	if len(issued) != 1 || !issued[0].UsableOnce || issued[0].LifetimeMinutes != 120 || !pass.Shows(issued[0].Secret) {
		t.Fatalf("issued %+v, want one one-time 2h pass shown to the requester", issued)
	}
}

func TestTeamsFormFieldErrorsComeBackOnTheFormAndRaiseNothing(t *testing.T) {
	te := startTeamsEnv(t, map[string]string{"TAPBOT_POLICY_FILE": policyFile(t, `
reason:
  required: true
  ticketPattern: 'INC-\d+'
`)})
	te.says(te.rita, "tap")
	form := te.teamsWait("the request form", teamstest.Sent(te.chat(te.rita), "Request a Temporary Access Pass"))
	yesterday := te.clock.Now().UTC().Add(-24 * time.Hour).Format(time.DateOnly)
	tests := []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{"bad sign-in name", map[string]string{"tap_user": "alice.contoso.com", "tap_reason": "INC-1"}, "needs an @"},
		{"start in the past", map[string]string{"tap_user": "alice@contoso.com", "tap_start_date": yesterday, "tap_start_time": "09:00", "tap_reason": "INC-1"}, "has passed"},
		{"reason without a ticket", map[string]string{"tap_user": "alice@contoso.com", "tap_reason": "lost phone"}, "ticket matching INC-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			te.conv.Submit(te.rita, form, "tap_request_form", tc.inputs)
			again := te.teamsWait("the form again", teamstest.Sent(te.chat(te.rita), "Nothing was requested yet"))
			if !again.Shows(tc.want) {
				t.Fatalf("the form came back without %q: %s", tc.want, again.Card())
			}
			// What was entered is kept.
			if !strings.Contains(string(again.Card()), tc.inputs["tap_reason"]) {
				t.Errorf("the form lost the reason: %s", again.Card())
			}
		})
	}
	for _, a := range te.teams.Activities() {
		if a.Conversation == teamsApprovals || strings.Contains(a.Shown(), "Checking the account") {
			t.Fatalf("a form with errors raised something: %s", a.Shown())
		}
	}
	if n := len(te.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
}
