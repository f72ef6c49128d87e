package slack

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/internal/logbuf"
)

const dmTestToken = "xoxb-1-dm-test-bot-token"

// newDMBot returns a fake Slack with one requester and a bot pointed at it.
func newDMBot(t *testing.T) (*slacktest.Server, *Bot, *approvals.Request) {
	t.Helper()
	srv := slacktest.NewServer(dmTestToken)
	t.Cleanup(srv.Close)
	srv.AddUser(slacktest.User{ID: "UREQ1", Name: "rita"})
	log := slog.New(slog.NewTextHandler(&logbuf.Buffer{}, nil))
	b := New(Config{BotToken: dmTestToken, ApprovalChannel: "C1", APIURL: srv.APIURL(), MaxRetries: 1}, log)
	r := &approvals.Request{ID: "TAP-DM0001", Requester: approvals.Principal{Platform: Platform, ID: "UREQ1", Name: "rita"},
		Target:    approvals.Target{UPN: "alice@contoso.com", DisplayName: "Alice"},
		Approvals: []approvals.Approval{{By: approvals.Principal{Platform: Platform, ID: "UAPP1"}}}}
	return srv, b, r
}

func testPass() approvals.Pass {
	return approvals.Pass{MethodID: "m1", Secret: approvals.NewSecret("SeCrEt0001"), Start: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), LifetimeMinutes: 60}
}

func TestRequesterDMIsOpenedOnceAndRemembered(t *testing.T) {
	srv, b, r := newDMBot(t)
	ctx := context.Background()
	for range 2 {
		if err := b.TellRequester(ctx, approvals.Notice{Request: r, Text: "approved"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.DeliverPass(ctx, r, testPass()); err != nil {
		t.Fatal(err)
	}
	want := []string{"conversations.open", "chat.postMessage", "chat.postMessage", "chat.postEphemeral"}
	if got := srv.CallNames(); !slices.Equal(got, want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
}

func TestPassMessageNamesTheApprovers(t *testing.T) {
	srv, b, r := newDMBot(t)
	if err := b.DeliverPass(context.Background(), r, testPass()); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !containsText(msgs[0], "Approved by <@UAPP1>.") {
		t.Fatalf("the pass message does not say who approved: %+v", msgs)
	}
}

func TestGoneDMChannelIsForgottenAndThePostTriedOnceMore(t *testing.T) {
	srv, b, r := newDMBot(t)
	b.dms.put("UREQ1", "DGONE0001") // remembered from before the DM went away
	if err := b.TellRequester(context.Background(), approvals.Notice{Request: r, Text: "denied"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"chat.postMessage", "conversations.open", "chat.postMessage"}
	if got := srv.CallNames(); !slices.Equal(got, want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
	dm, _ := srv.IMChannel("UREQ1")
	if ch, _ := b.dms.get("UREQ1"); ch != dm {
		t.Fatalf("remembered %q, want the reopened DM %q", ch, dm)
	}
}

func TestDMChannelNotFoundTwiceFailsDeliveryAfterOneRetry(t *testing.T) {
	srv, b, r := newDMBot(t)
	srv.FailMethod("chat.postEphemeral", "channel_not_found", 2)
	err := b.DeliverPass(context.Background(), r, testPass())
	if approvals.ErrorCode(err) != approvals.EUNAVAILABLE {
		t.Fatalf("DeliverPass = %v, want EUNAVAILABLE", err)
	}
	if n := srv.CallCount("chat.postEphemeral"); n != 2 {
		t.Fatalf("%d delivery attempts, want 2", n)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("a refused delivery was shown")
	}
}

func TestRememberedDMsAreBoundedLeastRecentlyUsedFirst(t *testing.T) {
	d := newDMChannels(2)
	d.put("U1", "D1")
	d.put("U2", "D2")
	d.get("U1") // U2 is now the least recently used
	d.put("U3", "D3")
	if _, ok := d.get("U2"); ok || d.len() != 2 {
		t.Fatalf("U2 kept (or %d entries); want it evicted and 2 left", d.len())
	}
	for user, want := range map[string]string{"U1": "D1", "U3": "D3"} {
		if ch, _ := d.get(user); ch != want {
			t.Errorf("%s → %q, want %q", user, ch, want)
		}
	}
	d.forget("U1", "DOTHER") // not the channel remembered: kept
	if _, ok := d.get("U1"); !ok {
		t.Fatal("forgetting another channel dropped U1's")
	}
}

func TestRememberedDMsAreSafeForConcurrentUse(t *testing.T) {
	d := newDMChannels(50)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				user := fmt.Sprintf("U%d", (g*7+i)%100)
				d.put(user, "D"+user)
				if ch, ok := d.get(user); ok && ch != "D"+user {
					t.Errorf("%s → %s", user, ch)
				}
				if i%3 == 0 {
					d.forget(user, "D"+user)
				}
			}
		})
	}
	wg.Wait()
	if d.len() > 50 {
		t.Fatalf("%d entries, bound 50", d.len())
	}
}

// containsText reports whether m shows s, in its text or its blocks (whose
// JSON escapes <, > and &).
func containsText(m slacktest.Message, s string) bool {
	shown := m.Text + strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(m.Blocks))
	return strings.Contains(shown, s)
}
