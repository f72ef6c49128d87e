// Package slack is tapbot's Slack front-end: the /tap slash command and
// button endpoints (HTTP or Socket Mode), Block Kit approval cards, and
// private delivery of passes as ephemeral messages in the requester's DM.
package slack

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// Platform is the approvals.Principal platform name for Slack users.
const Platform = "slack"

// Config is what the Slack front-end needs.
type Config struct {
	BotToken        string // xoxb-…
	SigningSecret   string // verifies HTTP requests from Slack
	ApprovalChannel string // channel id where approval cards go
	// TenantChannels maps a tenant's name to the channel its cards go to
	// (MSP mode); a tenant not in it uses ApprovalChannel.
	TenantChannels map[string]string
	APIURL         string // Web API base, "https://slack.com/api/" when empty; tests point it at slacktest
	HTTPClient     *http.Client
	Location       *time.Location // for fallback time texts; Slack renders dates in each viewer's zone
	Sandbox        bool           // passes are fake: say so on every message
	MaxRetries     int            // Web API retries on 429/5xx; default 3
}

// Bot serves Slack and implements approvals.Notifier for Slack requests.
type Bot struct {
	cfg     Config
	api     *slack.Client
	http    *http.Client
	svc     *approvals.Service
	log     *slog.Logger
	replays *bot.ReplayGuard
	// envelopes are the Socket Mode envelopes served, to spot re-deliveries.
	envelopes *servedEnvelopes
	zones     zoneCache   // the technicians' time zones (timezone.go)
	dms       *dmChannels // each requester's DM channel id, once opened
}

// New returns a Bot. Attach the approvals service before serving.
func New(cfg Config, log *slog.Logger) *Bot {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	}
	retry := slack.DefaultRetryConfig()
	retry.MaxRetries = cfg.MaxRetries
	retry.RetryAfterDuration = 5 * time.Second
	retry.BackoffMax = 5 * time.Second
	retry.Handlers = slack.AllBuiltinRetryHandlers(retry)
	opts := []slack.Option{slack.OptionHTTPClient(cfg.HTTPClient), slack.OptionRetryConfig(retry)}
	if cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(cfg.APIURL))
	}
	return &Bot{
		cfg: cfg, api: slack.New(cfg.BotToken, opts...), http: cfg.HTTPClient,
		log: log, replays: bot.NewReplayGuard(replayWindow), envelopes: newServedEnvelopes(),
		dms: newDMChannels(maxRememberedDMs),
	}
}

// Attach gives the bot the service it drives. The service needs the bot as
// its notifier and the bot needs the service, so wiring is two steps.
// A store that replicas share offers a replay memory they share too
// (approvals.Replays): a signed request or a Socket Mode envelope one
// replica took is then refused, or not acted on, by every other.
func (b *Bot) Attach(svc *approvals.Service) {
	b.svc = svc
	if m, ok := svc.Store().(approvals.Replays); ok {
		b.replays.Share(replaySignatures, m)
		b.envelopes.share(m)
	}
}

// API is the Slack Web API client the bot uses (for doctor checks).
func (b *Bot) API() *slack.Client { return b.api }

func principal(id, name string) approvals.Principal {
	return approvals.Principal{Platform: Platform, ID: id, Name: name}
}

// approvalChannel is where r's card goes: its tenant's channel, else the
// approval channel.
func (c Config) approvalChannel(r *approvals.Request) string {
	if ch := c.TenantChannels[r.TenantName]; ch != "" {
		return ch
	}
	return c.ApprovalChannel
}
