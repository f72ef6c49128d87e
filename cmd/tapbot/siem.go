package main

import (
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/internal/auditship"
)

// The cursors of the audit feeds in the store (approvals.Follower): each
// feed resumes where it stopped, whatever the other does.
const (
	stdoutCursor  = "audit-feed/stdout"
	webhookCursor = "audit-feed/webhook"
)

// feedBackoff spaces out the retries of a feed that fails: a SIEM that is
// down for an hour gets a try every 5 minutes, not a flood.
var feedBackoff = approvals.Backoff{Min: time.Second, Max: 5 * time.Minute}

// feedLook is the longest a feed waits before it looks for a due retry,
// so that the first, 1-second backoff is not stretched to a sweep interval.
const feedLook = time.Second

// auditFeeds is what the feeds borrow from NewApp's deps.
type auditFeeds struct {
	client *http.Client // the measured, proxy-aware outbound client
	stdout io.Writer    // nil: os.Stdout
}

// auditStdout sets TAPBOT_AUDIT_STDOUT.
func auditStdout(c *Config, v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("%q is neither true nor false", v)
	}
	c.AuditStdout = b
	return nil
}

// minAdminTokenLen is the shortest TAPBOT_ADMIN_TOKEN accepted.
const minAdminTokenLen = 16

// validateAuditFeeds checks the feed and admin settings. No problem
// repeats the webhook URL, a header value or a token.
func (c *Config) validateAuditFeeds() []string {
	var p []string
	if c.AuditWebhookFormat != auditship.FormatJSON && c.AuditWebhookFormat != auditship.FormatSplunkHEC {
		p = append(p, fmt.Sprintf("TAPBOT_AUDIT_WEBHOOK_FORMAT: %q is neither json nor splunk-hec", c.AuditWebhookFormat))
	}
	if c.AdminToken != "" && len(c.AdminToken) < minAdminTokenLen {
		p = append(p, fmt.Sprintf("TAPBOT_ADMIN_TOKEN: %d characters is too short; use at least %d random ones, e.g. from openssl rand -hex 32", len(c.AdminToken), minAdminTokenLen))
	}
	if c.AuditWebhook == "" {
		for _, s := range []struct{ name, value string }{{"TAPBOT_AUDIT_WEBHOOK_HEADER", c.AuditWebhookHeader}, {"TAPBOT_AUDIT_WEBHOOK_SECRET", c.AuditWebhookSecret}} {
			if s.value != "" {
				p = append(p, s.name+" is set but TAPBOT_AUDIT_WEBHOOK is not: set the webhook's URL, or remove "+s.name)
			}
		}
		return p
	}
	if problem := webhookURLProblem(c.AuditWebhook); problem != "" {
		p = append(p, "TAPBOT_AUDIT_WEBHOOK: "+problem)
	}
	header, err := auditship.ParseHeader(c.AuditWebhookHeader)
	switch {
	case err != nil:
		p = append(p, "TAPBOT_AUDIT_WEBHOOK_HEADER: "+err.Error())
	case c.AuditWebhookFormat == auditship.FormatSplunkHEC && header.Get("Authorization") == "":
		p = append(p, "TAPBOT_AUDIT_WEBHOOK_FORMAT=splunk-hec: Splunk HEC needs its token; put the line Authorization: Splunk <HEC token> in the file TAPBOT_AUDIT_WEBHOOK_HEADER_FILE names")
	}
	return p
}

// webhookURLProblem says what is wrong with the webhook URL, "" when
// nothing is. Plain http is for a receiver on this host only: the events
// name people and accounts.
func webhookURLProblem(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "":
		return "not a URL like https://siem.example.com:8088/services/collector/event"
	case u.User != nil:
		return "the URL holds a user name or password; send credentials as a header in TAPBOT_AUDIT_WEBHOOK_HEADER_FILE instead"
	case u.Scheme == "https", u.Scheme == "http" && loopbackHost(u.Hostname()):
		return ""
	}
	return "use an https:// URL (plain http only to a receiver on this host, such as http://127.0.0.1:8088/…)"
}

// loopbackHost reports whether host names this machine only.
func loopbackHost(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// auditFeeds are the followers of the audit log to stdout and to the
// webhook, as configured.
func (a *App) auditFeeds() []*approvals.Follower {
	var followers []*approvals.Follower
	if a.cfg.AuditStdout {
		followers = append(followers, a.stdoutFeed())
	}
	if a.cfg.AuditWebhook != "" {
		followers = append(followers, a.webhookFeed())
	}
	return followers
}

// stdoutFeed writes each event as a JSON line as it is appended. Its
// cursor makes it at least once like the webhook: the first start with
// TAPBOT_AUDIT_STDOUT=true writes the whole log so far, and a crash may
// repeat the line in flight (drop repeats by seq).
func (a *App) stdoutFeed() *approvals.Follower {
	out := a.feeds.stdout
	if out == nil {
		out = os.Stdout
	}
	lines := &auditship.Lines{Store: a.store, W: out}
	a.log.Info("writing every audit event to stdout as a JSON line", "schema", auditship.Schema)
	return &approvals.Follower{
		Store: a.store, Name: stdoutCursor, Handle: lines.Ship, Interval: min(a.cfg.SweepInterval, feedLook),
		Backoff: feedBackoff, Now: a.now,
		Failed: func(err error, retryIn time.Duration) {
			a.log.Error("audit events not written to stdout; retrying", "err", err, "retry_in", retryIn)
		},
	}
}

// webhookFeed POSTs each event to the webhook, and exports how far behind
// it is and how often it failed. The webhook is never in the way of a
// pass: it runs on its own and only reads the log.
func (a *App) webhookFeed() *approvals.Follower {
	header, _ := auditship.ParseHeader(a.cfg.AuditWebhookHeader) // checked with the config
	host := "the audit webhook"
	if u, err := url.Parse(a.cfg.AuditWebhook); err == nil {
		host = u.Host
	}
	hook := &auditship.Webhook{Store: a.store, Client: a.feeds.client, URL: a.cfg.AuditWebhook, Format: a.cfg.AuditWebhookFormat, Header: header}
	if a.cfg.AuditWebhookSecret != "" {
		hook.Secret = []byte(a.cfg.AuditWebhookSecret)
	}
	failures := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tapbot_audit_webhook_failures_total",
		Help: "Deliveries to TAPBOT_AUDIT_WEBHOOK that failed (no answer, or not 2xx); each is retried with backoff up to 5 minutes.",
	})
	lag := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tapbot_audit_webhook_lag_events",
		Help: "Audit events appended but not yet accepted by TAPBOT_AUDIT_WEBHOOK (the log's last seq minus the webhook's cursor).",
	}, func() float64 {
		n, err := a.store.AuditLag(webhookCursor)
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	})
	a.metrics.Register(failures, lag)
	a.log.Info("sending every audit event to the audit webhook", "host", host, "format", a.cfg.AuditWebhookFormat, "signed", hook.Secret != nil)
	return &approvals.Follower{
		Store: a.store, Name: webhookCursor, Handle: hook.Ship, Interval: min(a.cfg.SweepInterval, feedLook),
		Backoff: feedBackoff, Now: a.now,
		Failed: func(err error, retryIn time.Duration) {
			failures.Inc()
			a.log.Warn("audit webhook delivery failed; the event is kept and sent again", "host", host, "err", err, "retry_in", retryIn)
		},
	}
}
