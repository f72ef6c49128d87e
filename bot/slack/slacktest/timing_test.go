package slacktest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestCallsRecordsEachCallWithItsLatency(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	srv.SetLatency(20 * time.Millisecond)
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("card", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C404", slack.MsgOptionText("lost", false)); err == nil {
		t.Fatal("a post to an unknown channel was accepted")
	}
	if err := slack.PostWebhookContext(ctx, srv.ResponseURL("r1"), &slack.WebhookMessage{Text: "reply"}); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls()
	want := []string{"chat.postMessage", "chat.postMessage", KindResponseURL}
	if len(calls) != len(want) {
		t.Fatalf("recorded %d calls (%+v), want %v", len(calls), calls, want)
	}
	for i, c := range calls {
		if c.Method != want[i] {
			t.Errorf("call %d is %s, want %s", i, c.Method, want[i])
		}
		if took := c.End.Sub(c.Start); took < 20*time.Millisecond {
			t.Errorf("call %d took %v with 20ms of latency", i, took)
		}
		if i > 0 && c.Start.Before(calls[i-1].End) {
			t.Errorf("call %d started before call %d ended, though made after it", i, i-1)
		}
	}
}

func TestLatencyEndsWhenTheClientGivesUp(t *testing.T) {
	srv, api := newWorkspace(t)
	srv.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("card", false))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	srv.Close() // returns only once every handler has: a stuck one would hang here
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("an abandoned call recorded %d messages", n)
	}
}

func TestWatchSeesEveryMessageAsItIsRecorded(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	seen := make(chan Message, 10)
	srv.Watch(func(m Message) { seen <- m })
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("card", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("decided", false)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{KindPostMessage, KindUpdate} {
		if m := <-seen; m.Kind != want || m.TS != ts {
			t.Errorf("watcher saw %s %s, want %s %s", m.Kind, m.TS, want, ts)
		}
	}
}
