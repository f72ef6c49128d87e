package slack_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	slackbot "github.com/tapbot/tapbot/bot/slack"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/internal/logbuf"
)

const (
	testBotToken = "xoxb-1-socket-test-bot-token"
	testAppToken = "xapp-1-A0SOCKET-1-socket-test-app-token"
)

// newSocketBot returns a fake Slack and a bot pointed at it, logging into
// the returned buffer. The bot has no service: these tests send no envelopes.
func newSocketBot(t *testing.T) (*slacktest.Server, *slackbot.Bot, *logbuf.Buffer) {
	t.Helper()
	srv := slacktest.NewServer(testBotToken)
	t.Cleanup(srv.Close)
	logs := &logbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b := slackbot.New(slackbot.Config{BotToken: testBotToken, ApprovalChannel: "C1", APIURL: srv.APIURL()}, log)
	return srv, b, logs
}

// runSocketMode runs b.RunSocketMode in the background; the channel gets
// its result.
func runSocketMode(ctx context.Context, b *slackbot.Bot, token string) <-chan error {
	out := make(chan error, 1)
	go func() { out <- b.RunSocketMode(ctx, token) }()
	return out
}

// result waits for RunSocketMode's result, failing the test after a bound.
func result(t *testing.T, ran <-chan error, logs *logbuf.Buffer) error {
	t.Helper()
	select {
	case err := <-ran:
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("RunSocketMode did not return; logs:\n%s", logs.String())
		return nil
	}
}

func TestRunSocketModeFailsWithoutConnectingOnATokenThatIsNotAnAppToken(t *testing.T) {
	srv, b, logs := newSocketBot(t)
	srv.EnableSocketMode(testAppToken)
	err := result(t, runSocketMode(t.Context(), b, testBotToken), logs)
	if err == nil || !strings.Contains(err.Error(), "xapp-") {
		t.Fatalf("RunSocketMode = %v, want an error naming xapp-", err)
	}
	if n := srv.CallCount("apps.connections.open"); n != 0 {
		t.Fatalf("apps.connections.open called %d times with a non-app token", n)
	}
	if strings.Contains(err.Error()+logs.String(), testBotToken) {
		t.Fatal("the token reached the error or the logs")
	}
}

func TestRunSocketModeFailsWhenSlackRefusesTheAppToken(t *testing.T) {
	_, b, logs := newSocketBot(t) // Socket Mode not enabled: the fake answers invalid_auth
	err := result(t, runSocketMode(t.Context(), b, testAppToken), logs)
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("RunSocketMode = %v, want invalid_auth", err)
	}
	if strings.Contains(err.Error()+logs.String(), testAppToken) {
		t.Fatal("the app token reached the error or the logs")
	}
}

func TestRunSocketModeAcknowledgesEnvelopesAndReturnsNilWhenTheContextEnds(t *testing.T) {
	srv, b, logs := newSocketBot(t)
	srv.EnableSocketMode(testAppToken)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ran := runSocketMode(ctx, b, testAppToken)
	wait, stopWaiting := context.WithTimeout(t.Context(), 20*time.Second)
	defer stopWaiting()

	// A shortcut tapbot has no use for is acknowledged, empty, so Slack does
	// not resend it; the ack also proves the connection events before it
	// were handled.
	payload, err := srv.SendInteraction(wait, slack.InteractionCallback{Type: slack.InteractionTypeMessageAction, CallbackID: "unused"})
	if err != nil || payload != nil {
		t.Fatalf("ack = %s, %v; want an empty ack\nlogs:\n%s", payload, err, logs.String())
	}
	cancel()
	if err := result(t, ran, logs); err != nil {
		t.Fatalf("RunSocketMode = %v after its context ended, want nil", err)
	}
	got := logs.String()
	for _, want := range []string{"slack socket mode connecting", "slack socket mode connected", "slack socket mode stopped"} {
		if !strings.Contains(got, want) {
			t.Errorf("logs lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, testAppToken) || strings.Contains(got, "ticket=") {
		t.Fatalf("a token or the websocket ticket reached the logs:\n%s", got)
	}
}
