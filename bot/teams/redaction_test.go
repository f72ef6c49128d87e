package teams

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

// deliverPass runs a request of rita's through arno's approval and returns
// the message with the pass.
func (h *harness) deliverPass() teamstest.Activity {
	h.t.Helper()
	h.says(h.rita, "tap alice@contoso.com 1h")
	h.click(h.arno, h.card(), actionApprove)
	return h.waitFor("the pass", teamstest.Sent(h.chat(h.rita), "Temporary Access Pass for"))
}

// removedPass waits for the update that removes the pass of m and checks
// that the pass is gone from the message.
func (h *harness) removedPass(m teamstest.Activity) teamstest.Activity {
	h.t.Helper()
	removed := h.waitFor("pass removed", func(a teamstest.Activity) bool {
		return a.Kind == teamstest.KindUpdate && a.Conversation == m.Conversation && a.ID == m.ID
	})
	for _, secret := range h.tenant.issued() {
		if removed.Shows(secret) {
			h.t.Fatal("the update still shows the pass")
		}
	}
	if !removed.Shows("was removed from this message") {
		h.t.Fatalf("the update does not say the pass was removed: %s", removed.Card())
	}
	cur, _ := h.fake.Current(m.Conversation, m.ID)
	if strings.Contains(string(cur.Body), h.tenant.issued()[0]) {
		h.t.Fatal("the current message still holds the pass")
	}
	return removed
}

func (h *harness) pendingRemovals() int {
	h.t.Helper()
	list, err := h.bot.red.pending()
	if err != nil {
		h.t.Fatal(err)
	}
	return len(list)
}

func TestPassIsRemovedFromTheChatAfterTheWindow(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RedactAfter = 200 * time.Millisecond })
	pass := h.deliverPass()
	if !pass.Shows("Done") {
		t.Fatal("the pass message has no Done button")
	}
	h.removedPass(pass)
	h.stop()
	if n := h.pendingRemovals(); n != 0 {
		t.Fatalf("%d removals still pending", n)
	}
}

func TestDoneButtonRemovesThePassAtOnce(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RedactAfter = time.Hour })
	pass := h.deliverPass()
	h.click(h.rita, pass, actionDone)
	h.removedPass(pass)
	h.click(h.rita, pass, actionDone) // pressed again on the old message: nothing left to do
	h.stop()
	if n := h.pendingRemovals(); n != 0 {
		t.Fatalf("%d removals still pending", n)
	}
	updates := 0
	for _, a := range h.fake.Activities() {
		if a.Kind == teamstest.KindUpdate && a.ID == pass.ID {
			updates++
		}
	}
	if updates != 1 {
		t.Fatalf("the pass message was updated %d times, want 1", updates)
	}
}

func TestDoneForSomeoneElsesPassIsRefused(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RedactAfter = time.Hour })
	pass := h.deliverPass()
	if _, err := h.fake.Click(h.bea, pass, actionDone); err == nil {
		t.Fatal("the fake let Bea press a button in Rita's chat")
	}
	// Action.Submit data comes from the client: Bea can forge it in her own chat.
	forged := h.fake.Message(h.bea, "")
	forged.Value = map[string]any{"action": actionDone, "requestId": requestID(t, pass)}
	h.deliver(forged)
	h.waitFor("refusal", teamstest.Sent(h.chat(h.bea), "Only the requester"))
	h.stop()
	if n := h.pendingRemovals(); n != 1 {
		t.Fatalf("%d removals pending, want 1", n)
	}
}

func TestPassRemovalSurvivesARestart(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RedactAfter = time.Hour })
	pass := h.deliverPass()
	h.stop()
	for _, a := range h.fake.Activities() {
		if a.Kind == teamstest.KindUpdate && a.ID == pass.ID {
			t.Fatal("the pass was removed before its time")
		}
	}
	if n := h.pendingRemovals(); n != 1 {
		t.Fatalf("%d removals stored, want 1", n)
	}
	h.clock.Advance(2 * time.Hour)
	h.restart()
	h.removedPass(pass)
}

func TestFailedRemovalIsRetried(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RedactAfter = 100 * time.Millisecond })
	h.bot.red.retry = 100 * time.Millisecond
	h.fake.Fail(teamstest.KindUpdate, h.chat(h.rita), 503, 2)
	pass := h.deliverPass()
	h.removedPass(pass)
	if !strings.Contains(h.logs.String(), "PASS STILL VISIBLE") {
		t.Fatal("the failed removal was not logged")
	}
}
