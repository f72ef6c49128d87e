package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// reminderPolicy mentions a user group of the approvers and one approver.
func reminderPolicy(t *testing.T) map[string]string {
	return map[string]string{"TAPBOT_POLICY_FILE": policyFile(t, "reminderMentions: [S0APPROVERS, "+approver2+"]\n")}
}

func TestPendingRequestIsRemindedOnceInTheCardsThreadAtHalfItsLifetime(t *testing.T) {
	e := startEnv(t, reminderPolicy(t))
	e.slack.AddUserGroup("S0APPROVERS", "tap-approvers", approver1, approver2)
	e.command(requester, "alice@contoso.com 1h new phone")
	card := e.card()
	id := requestIDOf(t, card)

	e.clock.Advance(16 * time.Minute) // the default lifetime is 30 minutes
	reminder := e.waitFor("the reminder in the card's thread", func(m slacktest.Message) bool {
		return slacktest.InThread(card)(m) && strings.Contains(m.Text, "Reminder")
	})
	text := shown(reminder)
	for _, want := range []string{"<!subteam^S0APPROVERS>", "<@" + approver2 + ">", id, "<@" + requester + ">", "alice@contoso.com", "still waits for approval"} {
		if !strings.Contains(text, want) {
			t.Errorf("reminder lacks %q:\n%s", want, text)
		}
	}

	// The sweeps after it, up to the expiry, remind no more.
	e.clock.Advance(15 * time.Minute)
	e.waitFor("card shows expiry", kind(slacktest.KindUpdate, approvalsCh, "Expired"))
	var reminders int
	for _, m := range e.slack.Replies(approvalsCh, card.TS) {
		if strings.Contains(m.Text, "Reminder") {
			reminders++
		}
	}
	if reminders != 1 {
		t.Errorf("%d reminders in the card's thread, want 1", reminders)
	}
	events, err := e.app.store.Audit(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var reminded int
	for _, ev := range events {
		if ev.Type == approvals.EventReminded && ev.RequestID == id {
			reminded++
			if ev.State != approvals.StatePending || ev.Actor != approvals.BotActor {
				t.Errorf("reminded event = %+v, want the bot's, pending", ev)
			}
		}
	}
	if reminded != 1 {
		t.Errorf("%d reminded events, want 1", reminded)
	}
}

func TestRequestDecidedBeforeHalfItsLifetimeIsNotReminded(t *testing.T) {
	e := startEnv(t, reminderPolicy(t))
	e.command(requester, "alice@contoso.com 1h new phone")
	card := e.card()
	e.submitModal(approver1, e.denyModal(approver1, card), slacktest.Entries{denyBlock: "not needed"})
	e.waitFor("card shows the denial", kind(slacktest.KindUpdate, approvalsCh, "Denied"))
	e.clock.Advance(16 * time.Minute)
	e.clock.Advance(15 * time.Minute)
	// A pending request raised now is reminded; by then the sweeper has
	// passed the denied one many times.
	e.command(requester, "carol@contoso.com 1h new phone")
	second := e.card()
	e.clock.Advance(16 * time.Minute)
	e.waitFor("the second request's reminder", slacktest.InThread(second))
	for _, m := range e.slack.Replies(approvalsCh, card.TS) {
		if strings.Contains(m.Text, "Reminder") {
			t.Errorf("a denied request was reminded: %s", m.Text)
		}
	}
}
