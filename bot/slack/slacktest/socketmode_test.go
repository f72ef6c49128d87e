package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// startSocketClient runs a real slack-go Socket Mode client against srv
// until the test ends.
func startSocketClient(t *testing.T, srv *Server) *socketmode.Client {
	t.Helper()
	srv.EnableSocketMode(testAppToken)
	api := slack.New(testBotToken, slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(testAppToken))
	client := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = client.RunContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return client
}

// nextEvent returns the client's next event of type want, passing over
// connection events.
func nextEvent(ctx context.Context, t *testing.T, client *socketmode.Client, want socketmode.EventType) socketmode.Event {
	t.Helper()
	for {
		select {
		case evt := <-client.Events:
			if evt.Type == want {
				return evt
			}
		case <-ctx.Done():
			t.Fatalf("no %s event: %v", want, ctx.Err())
		}
	}
}

type ackResult struct {
	payload json.RawMessage
	err     error
}

// send runs a Send* call in the background, since it returns only once the
// client, driven by the test, has acknowledged.
func send(f func() (json.RawMessage, error)) <-chan ackResult {
	out := make(chan ackResult, 1)
	go func() {
		p, err := f()
		out <- ackResult{p, err}
	}()
	return out
}

func TestSocketModeDeliversASlashCommandAndReturnsTheAck(t *testing.T) {
	srv, _ := newWorkspace(t)
	client := startSocketClient(t, srv)
	ctx := testContext(t)
	form, err := srv.SlashCommand("U1", "C1", "bob@contoso.com 2h once")
	if err != nil {
		t.Fatal(err)
	}

	acked := send(func() (json.RawMessage, error) { return srv.SendSlashCommand(ctx, form) })
	evt := nextEvent(ctx, t, client, socketmode.EventTypeSlashCommand)
	cmd, ok := evt.Data.(slack.SlashCommand)
	if !ok || cmd.Command != "/tap" || cmd.UserID != "U1" || cmd.ChannelID != "C1" ||
		cmd.Text != "bob@contoso.com 2h once" || cmd.ResponseURL != form.Get("response_url") || cmd.TriggerID == "" {
		t.Fatalf("slash command = %+v", evt.Data)
	}
	if !evt.Request.AcceptsResponsePayload {
		t.Fatal("slash command envelope does not accept a response payload")
	}
	if err := client.Ack(*evt.Request, map[string]string{"text": "Asked for approval"}); err != nil {
		t.Fatal(err)
	}

	res := <-acked
	if res.err != nil || string(res.payload) != `{"text":"Asked for approval"}` {
		t.Fatalf("ack = %s, %v", res.payload, res.err)
	}
}

func TestSocketModeRedeliversAnEnvelopeWithItsIDAndTheRetryAttempt(t *testing.T) {
	srv, _ := newWorkspace(t)
	client := startSocketClient(t, srv)
	ctx := testContext(t)
	form, err := srv.SlashCommand("U1", "C1", "bob@contoso.com 2h once")
	if err != nil {
		t.Fatal(err)
	}
	acked := send(func() (json.RawMessage, error) { return srv.SendSlashCommand(ctx, form) })
	first := nextEvent(ctx, t, client, socketmode.EventTypeSlashCommand)
	if err := client.Ack(*first.Request); err != nil {
		t.Fatal(err)
	}
	if res := <-acked; res.err != nil {
		t.Fatal(res.err)
	}
	if id := srv.LastEnvelopeID(); id != first.Request.EnvelopeID {
		t.Fatalf("LastEnvelopeID = %q, want %q", id, first.Request.EnvelopeID)
	}

	for attempt := 1; attempt <= 2; attempt++ {
		acked = send(func() (json.RawMessage, error) { return srv.Redeliver(ctx, first.Request.EnvelopeID, "timeout") })
		again := nextEvent(ctx, t, client, socketmode.EventTypeSlashCommand)
		if r := again.Request; r.EnvelopeID != first.Request.EnvelopeID || r.RetryAttempt != attempt || r.RetryReason != "timeout" ||
			string(r.Payload) != string(first.Request.Payload) {
			t.Fatalf("re-delivery %d = %+v, want envelope %s again", attempt, r, first.Request.EnvelopeID)
		}
		if err := client.Ack(*again.Request, map[string]string{"text": "again"}); err != nil {
			t.Fatal(err)
		}
		if res := <-acked; res.err != nil || string(res.payload) != `{"text":"again"}` {
			t.Fatalf("ack of re-delivery %d = %s, %v", attempt, res.payload, res.err)
		}
	}
	if _, err := srv.Redeliver(ctx, "no-such-envelope", "timeout"); err == nil {
		t.Fatal("Redeliver of an envelope never sent succeeded")
	}
}

func TestSocketModeDeliversAClickAndReturnsAnEmptyAck(t *testing.T) {
	srv, api := newWorkspace(t)
	client := startSocketClient(t, srv)
	ctx := testContext(t)
	card := postCard(t, srv, api)
	cb, err := srv.Click("U2", card, "deny")
	if err != nil {
		t.Fatal(err)
	}

	acked := send(func() (json.RawMessage, error) { return srv.SendInteraction(ctx, cb) })
	evt := nextEvent(ctx, t, client, socketmode.EventTypeInteractive)
	got, ok := evt.Data.(slack.InteractionCallback)
	if !ok || got.Type != slack.InteractionTypeBlockActions || got.User.ID != "U2" ||
		len(got.ActionCallback.BlockActions) != 1 || got.ActionCallback.BlockActions[0].ActionID != "deny" {
		t.Fatalf("interaction = %+v", evt.Data)
	}
	if err := client.Ack(*evt.Request); err != nil {
		t.Fatal(err)
	}
	if res := <-acked; res.err != nil || res.payload != nil {
		t.Fatalf("ack = %s, %v; want an ack without payload", res.payload, res.err)
	}
}

func TestSocketModeClientReconnectsWhenAskedTo(t *testing.T) {
	srv, _ := newWorkspace(t)
	client := startSocketClient(t, srv)
	ctx := testContext(t)
	if err := srv.WaitForSocket(ctx); err != nil {
		t.Fatal(err)
	}

	if err := srv.DisconnectSocket(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitForSocket(ctx); err != nil {
		t.Fatal(err)
	}
	if n := srv.SocketConnections(); n != 2 {
		t.Fatalf("accepted %d connections, want 2", n)
	}
	form, err := srv.SlashCommand("U2", "C1", "help")
	if err != nil {
		t.Fatal(err)
	}
	acked := send(func() (json.RawMessage, error) { return srv.SendSlashCommand(ctx, form) })
	evt := nextEvent(ctx, t, client, socketmode.EventTypeSlashCommand)
	if err := client.Ack(*evt.Request); err != nil {
		t.Fatal(err)
	}
	if res := <-acked; res.err != nil {
		t.Fatalf("ack on the new connection: %v", res.err)
	}
}

func TestAppsConnectionsOpenWantsTheAppLevelToken(t *testing.T) {
	tests := []struct {
		name, enabled, token, want string
	}{
		{"app token", testAppToken, testAppToken, ""},
		{"bot token", testAppToken, testBotToken, "not_allowed_token_type"},
		{"socket mode not enabled", "", testAppToken, "invalid_auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newWorkspace(t)
			if tt.enabled != "" {
				srv.EnableSocketMode(tt.enabled)
			}
			api := slack.New(testBotToken, slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(tt.token))
			_, wsURL, err := api.StartSocketModeContext(testContext(t))
			if got := slackError(err); got != tt.want || (tt.want == "" && wsURL == "") {
				t.Fatalf("url %q, error %v; want %q", wsURL, err, tt.want)
			}
		})
	}
}

func TestSendWithoutAClientFailsWhenTheContextEnds(t *testing.T) {
	srv, _ := newWorkspace(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := srv.SendSlashCommand(ctx, SlashCommandForm("U1", "alice", "C1", "", "", ""))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}
