package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// socketVars configure Socket Mode and, as its users do, no signing secret
// (an empty value removes the variable).
var socketVars = map[string]string{"SLACK_APP_TOKEN": appToken, "SLACK_SIGNING_SECRET": "", "SLACK_SIGNING_SECRET_FILE": ""}

// startSocketEnv starts tapbot in Socket Mode and waits until it is
// connected to the fake Slack.
func startSocketEnv(t *testing.T) *env {
	t.Helper()
	e := startEnv(t, socketVars)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.slack.WaitForSocket(ctx); err != nil {
		t.Fatalf("tapbot never connected over Socket Mode: %v\nlogs:\n%s", err, e.logs.String())
	}
	return e
}

// socketCommand types "/tap text" as user in #helpdesk, delivered over
// Socket Mode, and returns the acknowledgement Slack shows the typist.
func (e *env) socketCommand(user, text string) slack.Msg {
	e.t.Helper()
	form, err := e.slack.SlashCommand(user, generalCh, text)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	payload, err := e.slack.SendSlashCommand(ctx, form)
	if err != nil {
		e.t.Fatalf("/tap %s over Socket Mode: %v\nlogs:\n%s", text, err, e.logs.String())
	}
	var msg slack.Msg
	if err := json.Unmarshal(payload, &msg); err != nil {
		e.t.Fatalf("ack payload is not a message: %s", payload)
	}
	if msg.ResponseType != slack.ResponseTypeEphemeral {
		e.t.Fatalf("ack payload is not ephemeral: %s", payload)
	}
	return msg
}

// socketClick presses a button on m as user over Socket Mode and checks
// that the acknowledgement is empty, as Slack wants for block actions.
func (e *env) socketClick(user string, m slacktest.Message, action string) {
	e.t.Helper()
	cb, err := e.slack.Click(user, m, action)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	payload, err := e.slack.SendInteraction(ctx, cb)
	if err != nil {
		e.t.Fatalf("%s click over Socket Mode: %v\nlogs:\n%s", action, err, e.logs.String())
	}
	if payload != nil {
		e.t.Fatalf("click ack carries a payload: %s", payload)
	}
}

// logLine reports whether one line of the logs contains every part.
func (e *env) logLine(parts ...string) bool {
	for _, line := range strings.Split(e.logs.String(), "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

func TestSlackSocketModeRequestApprovedIsDeliveredPrivately(t *testing.T) {
	e := startSocketEnv(t)
	ack := e.socketCommand(requester, "alice@contoso.com 2h once new phone INC-4711")
	if !strings.Contains(ack.Text, "Checking the account of alice@contoso.com") {
		t.Fatalf("ack = %q", ack.Text)
	}
	card := e.card()
	if !strings.Contains(shown(card), "<@"+requester+">") || !strings.Contains(shown(card), "new phone INC-4711") {
		t.Fatalf("card: %s", shown(card))
	}
	e.reply("is waiting for approval")

	e.socketClick(approver1, card, "tap_approve")
	pass := e.waitFor("the pass", kind(slacktest.KindPostEphemeral, "", "Temporary Access Pass for"))
	issued := e.graph.Issued()
	if len(issued) != 1 {
		t.Fatalf("Graph issued %d passes, want 1", len(issued))
	}
	if dm := e.dmOf(requester); pass.Channel != dm || pass.User != requester || !strings.Contains(shown(pass), "```"+issued[0].Secret+"```") {
		t.Fatalf("pass message in %s for %s, want the requester's DM %s: %q", pass.Channel, pass.User, dm, shown(pass))
	}
	final := e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered privately"))
	if !strings.Contains(shown(final), "<@"+approver1+">") {
		t.Fatalf("card does not say who approved: %s", final.Blocks)
	}
}

func TestSlackSocketModeSelfApprovalIsRefused(t *testing.T) {
	e := startSocketEnv(t)
	e.socketCommand(both, "alice@contoso.com 1h reset")
	card := e.card()
	e.socketClick(both, card, "tap_approve")
	e.reply("can't approve your own request")
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued on a self-approval", n)
	}
}

func TestSlackSocketModeHTTPEndpointsAcceptNothing(t *testing.T) {
	e := startSocketEnv(t)
	form, err := e.slack.SlashCommand(requester, generalCh, "alice@contoso.com 1h")
	if err != nil {
		t.Fatal(err)
	}
	// No signing secret is configured, and Slack's requests come over the
	// websocket: the HTTP endpoints are not there at all, for a request
	// signed with the empty secret or any other.
	for _, path := range []string{"/slack/commands", "/slack/interactions"} {
		for _, secret := range []string{"", signing} {
			req, err := slacktest.NewSignedRequest(context.Background(), e.base+path, form, secret, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s signed with %q: HTTP %d, want 404", path, secret, resp.StatusCode)
			}
		}
	}
	// The health endpoint still answers, and Socket Mode still serves.
	resp, err := http.Get(e.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: HTTP %d", resp.StatusCode)
	}
	if help := e.socketCommand(requester, "help"); !strings.Contains(help.Text, "/tap") {
		t.Fatalf("help over Socket Mode = %q", help.Text)
	}
	if n := e.slack.CallCount("chat.postMessage"); n != 0 {
		t.Fatalf("%d messages posted; the HTTP requests must change nothing", n)
	}
}

func TestSlackSocketModeServesAgainAfterSlackRecyclesTheConnection(t *testing.T) {
	e := startSocketEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.slack.DisconnectSocket(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.slack.WaitForSocket(ctx); err != nil {
		t.Fatalf("no reconnect: %v\nlogs:\n%s", err, e.logs.String())
	}
	ack := e.socketCommand(requester, "alice@contoso.com 1h")
	if !strings.Contains(ack.Text, "Checking the account of") {
		t.Fatalf("ack on the new connection = %q", ack.Text)
	}
	e.card()
	if n := e.slack.SocketConnections(); n != 2 {
		t.Fatalf("the fake accepted %d connections, want 2", n)
	}
	// The event loop logs the new connection before it serves anything on it.
	if !e.logLine("slack socket mode connected", "connection=2") {
		t.Fatalf("the reconnection is not logged:\n%s", e.logs.String())
	}
}

func TestSlackSocketModeStopsOnShutdown(t *testing.T) {
	e := startSocketEnv(t)
	e.socketCommand(requester, "alice@contoso.com 1h")
	e.card()
	e.stopOnce() // fails the test unless Serve returns nil
	if !e.logLine("slack socket mode stopped") {
		t.Fatalf("Serve returned before Socket Mode stopped:\n%s", e.logs.String())
	}
}
