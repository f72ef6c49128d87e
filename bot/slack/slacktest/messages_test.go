package slacktest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestWaitForPassesOverOthersButKeepsThemInMessages(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	for _, text := range []string{"one", "two"} {
		if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText(text, false)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("three", false)); err != nil {
		t.Fatal(err)
	}

	got, err := srv.WaitFor(ctx, IsKind(KindPostEphemeral))
	if err != nil || got.Text != "three" {
		t.Fatalf("WaitFor ephemeral = %+v, %v", got, err)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Fatalf("Messages has %d, want all 3", n)
	}
	// Next continues after the match: the two passed over are not returned.
	done, cancel := context.WithCancel(ctx)
	cancel()
	if m, err := srv.Next(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after WaitFor = %+v, %v; want nothing left", m, err)
	}
}

func TestNextWakesWhenAMessageArrives(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	got := make(chan Message, 1)
	errc := make(chan error, 1)
	go func() {
		m, err := srv.Next(ctx)
		got <- m
		errc <- err
	}()

	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("late", false)); err != nil {
		t.Fatal(err)
	}
	if m, err := <-got, <-errc; err != nil || m.Text != "late" {
		t.Fatalf("Next = %+v, %v", m, err)
	}
}

func TestNextReturnsMessagesInOrderOnce(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	for _, text := range []string{"a", "b", "c"} {
		if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText(text, false)); err != nil {
			t.Fatal(err)
		}
	}
	var texts []string
	for range 3 {
		m, err := srv.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, m.Text)
	}
	if strings.Join(texts, "") != "abc" {
		t.Fatalf("Next returned %q, want a, b, c", texts)
	}
}

func TestAllTextHoldsRefusedCallsAndUnescapedJSONButNoToken(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	const secret = "Tap&<Pass>9"

	// Refused: the pass still reached Slack, and a leak scan must see it.
	_, _, err := api.PostMessageContext(ctx, "C404", slack.MsgOptionText("pass "+secret, false))
	if slackError(err) != "channel_not_found" {
		t.Fatalf("post to unknown channel: %v", err)
	}
	// In blocks, encoding/json escapes & < > as \u0026 \u003c \u003e.
	blocks := slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject(slack.PlainTextType, "in block "+secret, false, false), nil, nil))
	if _, _, err := api.PostMessageContext(ctx, "C1", blocks); err != nil {
		t.Fatal(err)
	}

	all := srv.AllText()
	if !strings.Contains(all, "pass "+secret) || !strings.Contains(all, "in block "+secret) {
		t.Fatalf("AllText misses the secret:\n%s", all)
	}
	if strings.Contains(all, testBotToken) {
		t.Fatal("AllText contains the bot token")
	}
}
