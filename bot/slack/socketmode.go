package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// AppTokenPrefix starts every Slack app-level token, the kind of token
// Socket Mode connects with.
const AppTokenPrefix = "xapp-"

// RunSocketMode connects out to Slack with the app-level token (xapp-…) and
// serves the slash commands and button presses that arrive over the
// websocket through HandleCommand and HandleInteraction, exactly as Handler
// serves them over HTTP. The websocket is authenticated by the token, so no
// signing secret is involved. The library reconnects when Slack recycles
// the connection or it drops; every change of connection state is logged.
//
// RunSocketMode returns nil once ctx ends and the envelopes in hand are
// acknowledged. It returns an error at once when appToken is not an
// app-level token, and when Slack refuses the token for good (invalid_auth,
// token_revoked, account_inactive).
func (b *Bot) RunSocketMode(ctx context.Context, appToken string) error {
	if !strings.HasPrefix(appToken, AppTokenPrefix) {
		return errors.New("slack socket mode: the token does not start with " + AppTokenPrefix + "; Socket Mode needs an app-level token")
	}
	client := socketmode.New(b.socketAPI(appToken))
	runCtx, cancel := context.WithCancel(ctx)
	var inFlight sync.WaitGroup
	defer func() {
		cancel() // unblocks acks that can no longer be sent
		inFlight.Wait()
	}()
	ended := make(chan error, 1)
	go func() { ended <- client.RunContext(runCtx) }()
	b.log.Info("slack socket mode starting")
	for {
		select {
		case evt := <-client.Events:
			b.onSocketEvent(runCtx, client, evt, &inFlight)
		case err := <-ended:
			if ctx.Err() != nil {
				b.log.Info("slack socket mode stopped")
				return nil
			}
			return fmt.Errorf("slack socket mode: %w", err)
		}
	}
}

// socketAPI is a Web API client that also holds the app-level token, which
// apps.connections.open wants instead of the bot token.
func (b *Bot) socketAPI(appToken string) *slack.Client {
	opts := []slack.Option{slack.OptionHTTPClient(b.http), slack.OptionAppLevelToken(appToken)}
	if b.cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(b.cfg.APIURL))
	}
	return slack.New(b.cfg.BotToken, opts...)
}

// onSocketEvent serves an envelope in the background, as the HTTP server
// serves each request on its own goroutine, or logs a connection event.
// Serving must not hold up the event loop: the library stops reading the
// websocket, and so stops answering Slack's pings, while events queue.
func (b *Bot) onSocketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event, inFlight *sync.WaitGroup) {
	if ctx.Err() != nil {
		// Stopping: an envelope acted on now could not be acknowledged, and
		// the library's last connection events are noise.
		return
	}
	switch evt.Type {
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
		inFlight.Add(1)
		go func() {
			defer inFlight.Done()
			b.serveEnvelope(ctx, client, evt)
		}()
	default:
		b.logSocketState(evt)
	}
}

// serveEnvelope hands an envelope to the same handler its HTTP twin uses
// and acknowledges it, with the command's reply as the ack payload so the
// typist sees it. Envelopes tapbot has no use for (Events API) are
// acknowledged empty so Slack does not resend them. An envelope Slack
// sends again because its ack was lost or late is acknowledged with the
// first delivery's reply and not acted on again.
func (b *Bot) serveEnvelope(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	if evt.Request == nil {
		return
	}
	answer, first := b.envelopes.take(evt.Request.EnvelopeID, time.Now())
	if !first {
		b.log.Info("slack socket mode re-delivery answered without acting again", "type", evt.Type,
			"retry_attempt", evt.Request.RetryAttempt, "retry_reason", evt.Request.RetryReason)
		b.ack(ctx, client, evt, answer.wait(ctx))
		return
	}
	var reply any
	defer func() { answer.settle(reply) }() // after the recover below: a panic settles empty
	switch taken, err := b.envelopes.elsewhere(evt.Request.EnvelopeID); {
	case err != nil:
		b.log.Warn("slack socket mode: the replicas' shared memory of envelopes cannot be read; acting on this one", "type", evt.Type, "err", err)
	case taken:
		b.log.Info("slack socket mode re-delivery already taken by another replica; acknowledged without acting", "type", evt.Type,
			"retry_attempt", evt.Request.RetryAttempt, "retry_reason", evt.Request.RetryReason)
		b.ack(ctx, client, evt, nil)
		return
	}
	defer func() {
		// net/http keeps a panicking request from taking the bot down; so must this.
		if v := recover(); v != nil {
			b.log.Error("panic serving a slack socket mode envelope", "type", evt.Type, "panic", fmt.Sprint(v))
		}
	}()
	switch data := evt.Data.(type) {
	case slack.SlashCommand:
		if msg := b.HandleCommand(ctx, data); msg != nil { // a typed nil would ack "null"
			reply = msg
		}
	case slack.InteractionCallback:
		reply = b.HandleInteraction(ctx, data)
	case slackevents.EventsAPIEvent:
		b.HandleEvent(ctx, data) // the Home tab (home.go)
	}
	b.ack(ctx, client, evt, reply)
}

// ack acknowledges the envelope with reply, or empty when reply is nil or
// cannot be sent (Slack drops acks of 20 KB or more), so Slack does not
// resend the envelope either way.
func (b *Bot) ack(ctx context.Context, client *socketmode.Client, evt socketmode.Event, reply any) {
	id := evt.Request.EnvelopeID
	if reply != nil {
		err := client.AckCtx(ctx, id, reply)
		if err == nil {
			return
		}
		b.log.Warn("slack socket mode reply not sent; acknowledging without it", "type", evt.Type, "err", err)
	}
	if err := client.AckCtx(ctx, id, nil); err != nil {
		b.log.Warn("slack socket mode acknowledgement not sent", "type", evt.Type, "err", err)
	}
}

// logSocketState logs what the library reports about the connection. The
// websocket URL (a single-use ticket) and the tokens are never logged.
func (b *Bot) logSocketState(evt socketmode.Event) {
	switch data := evt.Data.(type) {
	case *slack.ConnectingEvent:
		b.log.Info("slack socket mode connecting", "attempt", data.Attempt, "connection", data.ConnectionCount+1)
	case *socketmode.ConnectedEvent:
		b.log.Info("slack socket mode connected", "connection", data.ConnectionCount+1)
	case *slack.ConnectionErrorEvent:
		b.log.Warn("slack socket mode cannot connect; retrying", "attempt", data.Attempt, "retry_in", data.Backoff, "err", data.ErrorObj)
	case *slack.InvalidAuthEvent:
		b.log.Error("slack socket mode: Slack refused the app-level token")
	case *slack.IncomingEventError:
		b.log.Warn("slack socket mode read failed", "err", data.ErrorObj)
	case *socketmode.ErrorWriteFailed:
		b.log.Warn("slack socket mode acknowledgement lost", "err", data.Cause)
	case *socketmode.ErrorBadMessage:
		b.log.Warn("slack socket mode message not understood", "err", data.Cause)
	default:
		if evt.Type == socketmode.EventTypeHello && evt.Request != nil {
			b.log.Debug("slack socket mode hello", "connections", evt.Request.NumConnections, "host", evt.Request.DebugInfo.Host)
		}
	}
}
