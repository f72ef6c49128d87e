package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

func TestExpiryNoticeAsksAgainWithOneTap(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 2h once new phone")
	first := requestIDOf(t, e.card())
	e.reply("is waiting for approval")
	e.clock.Advance(31 * time.Minute)
	notice := e.waitFor("the expiry notice", kind(slacktest.KindPostMessage, "", "expired"))
	if notice.Channel != e.dmOf(requester) {
		t.Fatalf("expiry notice went to %s, want the requester's DM", notice.Channel)
	}
	if _, ok := notice.Button("tap_ask_again"); !ok {
		t.Fatalf("expiry notice has no Ask again button:\n%s", shown(notice))
	}

	if status := e.click(requester, notice, "tap_ask_again"); status != http.StatusOK {
		t.Fatalf("Ask again: HTTP %d", status)
	}
	again := requestIDOf(t, e.card())
	e.reply("is waiting for approval")
	if again == first {
		t.Fatalf("Ask again showed the expired request %s again", first)
	}
	old, err := e.app.store.Get(first)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.app.store.Get(again)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != approvals.StatePending || r.Target.ID != old.Target.ID || r.LifetimeMinutes != 120 || !r.UsableOnce ||
		r.Reason != old.Reason || r.Requester.ID != requester || r.LifetimeDefaulted || r.OnceDefaulted {
		t.Errorf("asked again = %+v\nwant the same ask as %+v", r, old)
	}

	// The new request goes through every check: one open request per user.
	e.click(requester, notice, "tap_ask_again")
	e.reply("not raised")
}
