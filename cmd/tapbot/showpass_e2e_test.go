package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// approveForPickup raises a request as requester in button mode, has
// approver1 approve it and returns the requester's Show pass offer.
func approveForPickup(t *testing.T, e *env) slacktest.Message {
	t.Helper()
	e.command(requester, "alice@contoso.com 1h new phone")
	e.click(approver1, e.card(), "tap_approve")
	offer := e.waitFor("the Show pass offer", kind(slacktest.KindPostMessage, "", "press *Show pass*"))
	if !strings.HasPrefix(offer.Channel, "D") || !strings.Contains(shown(offer), "<@"+approver1+">") {
		t.Fatalf("offer in %s, want the requester's DM naming the approver: %s", offer.Channel, shown(offer))
	}
	return offer
}

func TestShowPassCreatesThePassOnTheClickAndShowsItOnlyToTheClicker(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_DELIVERY": "button"})
	offer := approveForPickup(t, e)
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes created before Show pass was pressed", n)
	}
	btn, ok := offer.Button("tap_showpass")
	if !ok {
		t.Fatal("the offer has no Show pass button")
	}
	e.lateClick(approver1, "tap_showpass", btn.Value)
	e.reply("Only the requester")
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("another user's click created %d passes", n)
	}

	e.click(requester, offer, "tap_showpass")
	answer := e.waitFor("the pass in answer to the click", kind(slacktest.KindResponseURL, "", "Temporary Access Pass for"))
	issued := e.graph.Issued()
	if len(issued) != 1 {
		t.Fatalf("%d passes created by one click", len(issued))
	}
	secret := issued[0].Secret
	switch {
	case answer.ResponseType != "ephemeral" || answer.ReplaceOriginal || !strings.HasPrefix(answer.Channel, "D"):
		t.Fatalf("pass answer %+v is not an ephemeral answer in the DM", answer)
	case strings.Contains(answer.Text, secret):
		t.Fatal("the notification text holds the pass")
	case !strings.Contains(string(answer.Blocks), "```"+secret+"```"):
		t.Fatalf("the pass is not alone in its code block: %s", answer.Blocks)
	case !strings.Contains(shown(answer), "*Sign-in options* → *Temporary Access Pass*"):
		t.Fatalf("no sign-in steps: %s", shown(answer))
	}
	for _, m := range e.slack.Messages() {
		if m.Kind == slacktest.KindPostEphemeral && strings.Contains(shown(m), secret) {
			t.Fatal("the pass also went out with chat.postEphemeral")
		}
	}
	e.waitFor("the card to say delivered", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))

	e.click(requester, offer, "tap_showpass")
	e.waitFor("a fresh pass for the second click", kind(slacktest.KindResponseURL, "", "Temporary Access Pass for"))
	if n := len(e.graph.Issued()); n != 2 {
		t.Fatalf("%d passes after the second click, want 2", n)
	}
	e.waitFor("the card to say delivered again", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))

	e.clock.Advance(11 * time.Minute)
	e.click(requester, offer, "tap_showpass")
	expired := e.reply("expired")
	if !expired.ReplaceOriginal {
		t.Error("the offer was not turned into a notice that it expired")
	}
	if n := len(e.graph.Issued()); n != 2 {
		t.Fatalf("a click after the window created a pass (%d)", n)
	}
}

func TestShowPassNeverPressedExpiresWithoutAPass(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_DELIVERY": "button"})
	offer := approveForPickup(t, e)
	e.clock.Advance(11 * time.Minute)
	e.click(requester, offer, "tap_showpass")
	e.reply("expired")
	e.waitFor("the card to say expired", kind(slacktest.KindUpdate, approvalsCh, "xpired"))
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes created for an approval nobody collected", n)
	}
}
