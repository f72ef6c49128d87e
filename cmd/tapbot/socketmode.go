package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	slackbot "github.com/tapbot/tapbot/bot/slack"
)

// validateSocketMode checks SLACK_APP_TOKEN when it is set. It never
// repeats the token: a bot token pasted here must not reach a log.
func (c *Config) validateSocketMode() []string {
	if c.SlackAppToken == "" || strings.HasPrefix(c.SlackAppToken, slackbot.AppTokenPrefix) {
		return nil
	}
	return []string{"SLACK_APP_TOKEN: does not start with xapp-; create an app-level token with the connections:write scope (your Slack app's Basic Information page → App-Level Tokens), not the bot or a user token"}
}

// socketMode is Slack Socket Mode running beside the HTTP server, which
// then serves only health and readiness (and Teams, when configured). A
// nil *socketMode is Socket Mode switched off: it never stops and stopping
// it does nothing.
type socketMode struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when RunSocketMode has returned
	err    error         // what it returned; read only once done is closed
}

// startSocketMode connects to Slack over Socket Mode until ctx ends or stop
// is called, when an app-level token is configured; otherwise it returns nil.
func (a *App) startSocketMode(ctx context.Context) *socketMode {
	if a.slack == nil || a.cfg.SlackAppToken == "" {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &socketMode{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.err = a.slack.RunSocketMode(ctx, a.cfg.SlackAppToken)
	}()
	return s
}

// stopped is closed when Socket Mode has ended by itself (Slack refused the
// token) or because it was stopped; it is nil, never ready, when it is off.
func (s *socketMode) stopped() <-chan struct{} {
	if s == nil {
		return nil
	}
	return s.done
}

// stop ends Socket Mode and waits until the envelopes in hand are
// acknowledged. It returns the error that ended Socket Mode by itself, if
// any, with what the operator can do about it. It may be called again.
func (s *socketMode) stop() error {
	if s == nil {
		return nil
	}
	s.cancel()
	<-s.done
	if s.err != nil {
		return fmt.Errorf("%w (check SLACK_APP_TOKEN: an app-level token with connections:write, and Socket Mode turned on in the Slack app's settings)", s.err)
	}
	return nil
}

// shutdownWithSocket stops Socket Mode first, so that no envelope starts
// new background work while the service drains, then shuts the rest down.
// It returns Socket Mode's error if Socket Mode had ended by itself.
func (a *App) shutdownWithSocket(srv *http.Server, sock *socketMode) error {
	err := sock.stop()
	return errors.Join(err, a.shutdown(srv))
}
