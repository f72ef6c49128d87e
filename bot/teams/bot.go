// Package teams is tapbot's Microsoft Teams front-end: the Bot Framework
// messaging endpoint POST /api/messages with its JWT check, the same /tap
// grammar as Slack typed to the bot (tap alice@contoso.com 2h once …) in a
// 1:1 chat or with an @mention in a channel, Adaptive Card approval cards
// updated in place, and delivery of passes in the requester's 1:1 chat,
// removed from the message again after a short window.
//
// It uses github.com/infracloudio/msbotbuilder-go (pinned at v0.2.5) for the
// activity schema, request parsing, and sending and updating activities,
// and plugs into its exported TokenValidator and Client fields what that
// version lacks: a validator with a configurable metadata URL that checks
// expiry and endorsements (Validator), and a connector client that gets
// the bot's token from its own tenant, is safe for concurrent use and
// returns the ids of the messages it sends.
package teams

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/connector/auth"
	"github.com/infracloudio/msbotbuilder-go/core"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// Platform is the approvals.Principal platform name for Teams users, whose
// ids are Entra object ids.
const Platform = "teams"

// MultiTenant is the token authority of multi-tenant bots.
const MultiTenant = "botframework.com"

// DefaultRedactAfter is how long a pass stays readable in the requester's
// chat when Config.RedactAfter is zero.
const DefaultRedactAfter = 10 * time.Minute

// Endpoints are the Microsoft endpoints a Teams bot uses in one cloud.
type Endpoints struct {
	OpenIDMetadataURL string // Bot Framework OpenID configuration (incoming tokens)
	AuthorityHost     string // Entra login base URL (the bot's own token)
	Scope             string // scope of the bot's token for the Bot Connector
}

// clouds are the Bot Framework endpoints of the clouds Teams bots run in.
var clouds = map[string]Endpoints{
	"global": {
		OpenIDMetadataURL: "https://login.botframework.com/v1/.well-known/openidconfiguration",
		AuthorityHost:     "https://login.microsoftonline.com/",
		Scope:             "https://api.botframework.com/.default",
	},
	"usgov": {
		OpenIDMetadataURL: "https://login.botframework.azure.us/v1/.well-known/openidconfiguration",
		AuthorityHost:     "https://login.microsoftonline.us/",
		Scope:             "https://api.botframework.us/.default",
	},
}

// CloudEndpoints returns the endpoints of cloud ("global" or "usgov"), and
// false for a cloud tapbot knows no Teams endpoints for.
func CloudEndpoints(cloud string) (Endpoints, bool) {
	e, ok := clouds[cloud]
	return e, ok
}

// Config is what the Teams front-end needs.
type Config struct {
	AppID       string // Microsoft app id of the Azure Bot registration
	AppPassword string // its client secret; or:
	// CertificatePath names a PEM file with a certificate of the app
	// registration and its RSA private key, or a PFX file, used instead of
	// AppPassword.
	CertificatePath     string
	CertificatePassword string // of a PFX file
	// ManagedIdentity says AppID is a user-assigned managed identity (Azure
	// Bot type UserAssignedMSI): the bot's token comes from the host's
	// managed identity endpoint, with no password or certificate.
	ManagedIdentity bool
	// TenantID is the Entra tenant of a single-tenant bot: its token comes
	// from that tenant, and activities from other tenants are ignored.
	// Empty or MultiTenant: a multi-tenant bot.
	TenantID string
	// ApprovalConversation is the conversation id of the channel
	// ("19:…@thread.tacv2") or group chat ("19:…@thread.v2") where approval
	// cards go.
	ApprovalConversation string
	// TenantConversations maps a tenant's name to the conversation its
	// cards go to (MSP mode); a tenant not in it uses ApprovalConversation.
	TenantConversations map[string]string
	RedactAfter         time.Duration // how long a delivered pass stays readable; default DefaultRedactAfter
	Endpoints           Endpoints     // zero fields: the global cloud's
	HTTPClient          *http.Client
	Location            *time.Location // for times in messages; default UTC
	Sandbox             bool           // passes are fake: say so on every message
}

// Bot serves Teams and implements approvals.Notifier for Teams requests.
type Bot struct {
	cfg     Config
	adapter *core.BotFrameworkAdapter
	conn    *connector
	svc     *approvals.Service
	store   approvals.RefStore // conversation references (refs.go) and pending removals (redaction.go)
	log     *slog.Logger
	replays *bot.ReplayGuard
	red     *redactor
}

// New returns a Bot. Attach the approvals service before serving. It
// returns an error when the configuration cannot work: a required field is
// missing, not exactly one of AppPassword, CertificatePath and
// ManagedIdentity is set, or the certificate cannot be read.
func New(cfg Config, log *slog.Logger) (*Bot, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tokens, err := newTokenSource(cfg)
	if err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	conn := &connector{http: cfg.HTTPClient, tokens: tokens}
	adapter := &core.BotFrameworkAdapter{
		AdapterSetting: core.AdapterSetting{
			AppID:              cfg.AppID,
			CredentialProvider: auth.SimpleCredentialProvider{AppID: cfg.AppID},
			ChannelService:     auth.ChannelService,
		},
		TokenValidator: NewValidator(cfg.Endpoints.OpenIDMetadataURL, cfg.HTTPClient),
		Client:         conn,
	}
	return &Bot{cfg: cfg, adapter: adapter, conn: conn, log: log, replays: bot.NewReplayGuard(replayWindow), red: newRedactor()}, nil
}

// withDefaults fills unset fields and checks the required ones.
func (c Config) withDefaults() (Config, error) {
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"app id", c.AppID}, {"app password or certificate", strings.Join(c.credentials(), "")}, {"approval conversation", c.ApprovalConversation},
	} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("teams: missing %s", strings.Join(missing, ", "))
	}
	if creds := c.credentials(); len(creds) > 1 {
		return c, fmt.Errorf("teams: %s are set; choose one", strings.Join(creds, " and "))
	}
	def := clouds["global"]
	c.Endpoints.OpenIDMetadataURL = or(c.Endpoints.OpenIDMetadataURL, def.OpenIDMetadataURL)
	c.Endpoints.AuthorityHost = or(c.Endpoints.AuthorityHost, def.AuthorityHost)
	c.Endpoints.Scope = or(c.Endpoints.Scope, def.Scope)
	if c.RedactAfter <= 0 {
		c.RedactAfter = DefaultRedactAfter
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.TenantID == MultiTenant {
		c.TenantID = ""
	}
	return c, nil
}

// tokenURL is the token endpoint of the bot's tenant, or of botframework.com
// for a multi-tenant bot.
func tokenURL(authorityHost, tenant string) string {
	if tenant == "" {
		tenant = MultiTenant
	}
	return strings.TrimSuffix(authorityHost, "/") + "/" + tenant + "/oauth2/v2.0/token"
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Attach gives the bot the service it drives and the store its conversation
// references live in. The service needs the bot as its notifier and the bot
// needs the service, so wiring is two steps.
func (b *Bot) Attach(svc *approvals.Service) {
	b.svc = svc
	b.store = svc.Store()
	b.red.store = b.store
	if m, ok := svc.Store().(approvals.Replays); ok { // replicas behind a load balancer refuse each other's activities again
		b.replays.Share("teams-activity", m)
	}
}

// principal is the tapbot identity of a Teams user: their Entra object id.
func principal(aadObjectID, name string) approvals.Principal {
	return approvals.Principal{Platform: Platform, ID: strings.ToLower(aadObjectID), Name: name}
}

// teamsError wraps a Bot Connector failure as EUNAVAILABLE with what Teams
// answered, which is what an operator searches for.
func teamsError(what string, err error) error {
	var ae *approvals.Error
	if errors.As(err, &ae) {
		return err
	}
	return &approvals.Error{Code: approvals.EUNAVAILABLE, Message: fmt.Sprintf("Teams refused to %s: %v", what, err), Err: err}
}

// approvalConversation is where r's card goes: its tenant's conversation,
// else the approval conversation.
func (c Config) approvalConversation(r *approvals.Request) string {
	if conv := c.TenantConversations[r.TenantName]; conv != "" {
		return conv
	}
	return c.ApprovalConversation
}

// approvalConversations are every conversation cards go to.
func (c Config) approvalConversations() []string {
	out := []string{c.ApprovalConversation}
	for _, conv := range c.TenantConversations {
		if conv != "" && !slices.Contains(out, conv) {
			out = append(out, conv)
		}
	}
	return out
}
