package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
	"github.com/tapbot/tapbot/internal/outbound"
	"github.com/tapbot/tapbot/internal/tenantsfile"
	"github.com/tapbot/tapbot/internal/verifiedid"
)

// Config is every setting of tapbot serve. Simple settings come from flags
// or environment variables (flags win); secrets come only from the
// environment or from a file named by <NAME>_FILE, so they never appear in a
// process listing, in --help or in a config dump.
type Config struct {
	Listen            string
	MetricsListen     string // TAPBOT_METRICS_LISTEN; "" when off (metrics.go)
	DBPath            string
	DatabaseURL       string        // TAPBOT_DATABASE_URL (secret): PostgreSQL, shared by replicas (store.go); "": the bbolt file DBPath
	LeaseTTL          time.Duration // TAPBOT_LEASE_TTL: a replica's liveness lease on PostgreSQL (leases.go)
	LogFormat         string
	LogLevel          string
	Timezone          string
	Requesters        []string
	Approvers         []string
	ApprovalsRequired int
	RequestTTL        time.Duration
	SweepInterval     time.Duration
	ShutdownTimeout   time.Duration
	Workers           int // TAPBOT_WORKERS: background tasks at once; 0: approvals.DefaultWorkers
	AllowedDomains    []string
	Graph             string // live or sandbox
	Delivery          string // TAPBOT_DELIVERY: button or immediate (approvals.Delivery)

	SlackBotToken        string
	SlackSigningSecret   string
	SlackAppToken        string // xapp-…: Socket Mode instead of HTTP (socketmode.go)
	SlackApprovalChannel string
	SlackAPIURL          string
	SlackAuditChannel    string

	AzureTenantID     string
	AzureClientID     string
	AzureClientSecret string
	AzureCertPath     string
	AzureCertPassword string
	Cloud             string
	GraphURL          string
	AuthorityHost     string

	PolicyPath string      // TAPBOT_POLICY_FILE
	PolicyFile *PolicyFile // its contents, when set (access.go)

	// MSP mode (tenants.go): one tapbot for several customer tenants.
	TenantsPath string            // TAPBOT_TENANTS_FILE
	TenantsFile *tenantsfile.File // its contents, when set

	// Teams (wired in teams.go): on when TeamsAppID is set.
	TeamsAppID                string
	TeamsAppPassword          string
	TeamsAppCertPath          string
	TeamsAppCertPassword      string // of a PFX TeamsAppCertPath
	TeamsAppType              string // Azure Bot type: SingleTenant, MultiTenant or UserAssignedMSI
	TeamsAppTenantID          string
	TeamsApprovalConversation string
	TeamsRedactAfter          time.Duration
	TeamsOpenIDMetadataURL    string
	TeamsAuthorityHost        string

	Outbound outbound.Settings // HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE

	AuditKey string // TAPBOT_AUDIT_KEY: HMAC key of the audit chain (audithead.go); "": unkeyed

	// The audit log for SIEMs (siem.go) and the admin endpoints (admin.go).
	AuditStdout        bool   // TAPBOT_AUDIT_STDOUT
	AuditWebhook       string // TAPBOT_AUDIT_WEBHOOK: URL; may hold a token, so it is never logged whole
	AuditWebhookFormat string // json or splunk-hec
	AuditWebhookHeader string // TAPBOT_AUDIT_WEBHOOK_HEADER (secret): "Name: value" lines
	AuditWebhookSecret string // TAPBOT_AUDIT_WEBHOOK_SECRET (secret): signs each delivery
	AdminToken         string // TAPBOT_ADMIN_TOKEN (secret): bearer token of the admin endpoints

	// The verifiedId step of end-user verification (verifiedid.go).
	PublicURL           string // TAPBOT_PUBLIC_URL: tapbot's public https:// base; callbacks come to <base>/verifiedid/callback
	VerifiedIDAuthority string // TAPBOT_VERIFIEDID_AUTHORITY: the tenant's verifier DID (single-tenant configuration)
	VerifiedIDEndpoint  string // TAPBOT_VERIFIEDID_ENDPOINT: the Request Service's base URL
	VerifiedIDAPIKey    string // TAPBOT_VERIFIEDID_API_KEY (secret): what the Request Service's callbacks carry
}

// setting is one non-secret setting: its flag, environment variable,
// default and meaning. --help is generated from this table.
type setting struct {
	flag, env, def, help string
	set                  func(c *Config, v string) error
}

func str(p func(c *Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

func list(p func(c *Config) *[]string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = splitList(v); return nil }
}

func dur(p func(c *Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q is not a positive duration like 30m or 1h", v)
		}
		*p(c) = d
		return nil
	}
}

var settings = []setting{
	{"listen", "TAPBOT_LISTEN", ":8080", "HTTP listen address (Slack and Teams endpoints, /healthz, /readyz)", str(func(c *Config) *string { return &c.Listen })},
	{"metrics-listen", "TAPBOT_METRICS_LISTEN", "127.0.0.1:9090", "listen address of GET /metrics (Prometheus), kept off the public listener; off: no metrics", metricsListen},
	{"db", "TAPBOT_DB", "./tapbot.db", "bbolt database file (created with mode 0600); one tapbot process at a time; unused with TAPBOT_DATABASE_URL", str(func(c *Config) *string { return &c.DBPath })},
	{"lease-ttl", "TAPBOT_LEASE_TTL", "10s", "with TAPBOT_DATABASE_URL: how long a replica's lease lasts unrenewed; this long after a replica dies or loses the database, another takes over its requests and its background work", leaseTTL},
	{"log-format", "TAPBOT_LOG_FORMAT", "text", "log format: text or json", str(func(c *Config) *string { return &c.LogFormat })},
	{"log-level", "TAPBOT_LOG_LEVEL", "info", "log level: debug, info, warn or error", str(func(c *Config) *string { return &c.LogLevel })},
	{"timezone", "TAPBOT_TIMEZONE", "UTC", "time zone for times in messages and for start times when the requester's own zone is unknown (IANA name); Slack shows dates in each reader's zone", str(func(c *Config) *string { return &c.Timezone })},
	{"requesters", "TAPBOT_REQUESTERS", "", "who may request passes, comma-separated: Slack user ids (U…, W…), Slack user groups (S…), Entra object ids of Teams users (a GUID, or teams:<id>), Entra groups (entra-group:<object id>); empty = nobody", list(func(c *Config) *[]string { return &c.Requesters })},
	{"approvers", "TAPBOT_APPROVERS", "", "who may approve, deny and revoke, comma-separated: Slack user ids (U…, W…), Slack user groups (S…), Entra object ids of Teams users (a GUID, or teams:<id>), Entra groups (entra-group:<object id>); empty = nobody", list(func(c *Config) *[]string { return &c.Approvers })},
	{"approvals-required", "TAPBOT_APPROVALS_REQUIRED", "1", "distinct approvals a request needs (never the requester's own)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10 {
			return fmt.Errorf("%q is not a number from 1 to 10", v)
		}
		c.ApprovalsRequired = n
		return nil
	}},
	{"request-ttl", "TAPBOT_REQUEST_TTL", "30m", "how long a request waits for approval before it expires", dur(func(c *Config) *time.Duration { return &c.RequestTTL })},
	{"tenants-file", "TAPBOT_TENANTS_FILE", "", "optional YAML file of customer tenants for MSP mode: each tenant's id, UPN domains, approval channel and rules (see README, MSP mode)", str(func(c *Config) *string { return &c.TenantsPath })},
	{"policy-file", "TAPBOT_POLICY_FILE", "", "optional YAML policy file: groups, protected accounts, reason rules, rate limits (see README)", str(func(c *Config) *string { return &c.PolicyPath })},
	{"sweep-interval", "TAPBOT_SWEEP_INTERVAL", "30s", "how often expired requests are swept and their cards updated", dur(func(c *Config) *time.Duration { return &c.SweepInterval })},
	{"shutdown-timeout", "TAPBOT_SHUTDOWN_TIMEOUT", "25s", "how long SIGTERM waits for requests in flight", dur(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{"workers", "TAPBOT_WORKERS", "0", "how many requests tapbot works on at once after acknowledging them; more wait in a queue and are told so; 0 = 4 per CPU", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10000 {
			return fmt.Errorf("%q is not a number from 0 to 10000", v)
		}
		c.Workers = n
		return nil
	}},
	{"delivery", "TAPBOT_DELIVERY", "button", "how the requester gets the pass: button (they are told of the approval and the pass is created when they press Show pass, shown to them alone) or immediate (created at approval and sent at once)", func(c *Config, v string) error {
		if v != string(approvals.DeliverOnClick) && v != string(approvals.DeliverImmediately) {
			return fmt.Errorf("%q is neither button nor immediate", v)
		}
		c.Delivery = v
		return nil
	}},
	{"allowed-domains", "TAPBOT_ALLOWED_DOMAINS", "", "UPN domains passes may be issued for, comma-separated (contoso.com,fabrikam.com); empty = any", list(func(c *Config) *[]string { return &c.AllowedDomains })},
	{"graph", "TAPBOT_GRAPH", "live", "live (your tenant) or sandbox (built-in fake tenant, fake passes)", str(func(c *Config) *string { return &c.Graph })},
	{"slack-approval-channel", "SLACK_APPROVAL_CHANNEL", "", "Slack channel id (C…) where approval cards are posted; invite the bot there", str(func(c *Config) *string { return &c.SlackApprovalChannel })},
	{"slack-audit-channel", "SLACK_AUDIT_CHANNEL", "", "optional Slack channel id that receives a copy of every audit event (never a pass)", str(func(c *Config) *string { return &c.SlackAuditChannel })},
	{"slack-api-url", "SLACK_API_URL", "", "Slack Web API base URL (default https://slack.com/api/)", str(func(c *Config) *string { return &c.SlackAPIURL })},
	{"azure-tenant-id", "AZURE_TENANT_ID", "", "Entra tenant id (directory id) of the app registration; in MSP mode (TAPBOT_TENANTS_FILE) the MSP's home tenant, optional", str(func(c *Config) *string { return &c.AzureTenantID })},
	{"azure-client-id", "AZURE_CLIENT_ID", "", "application (client) id of the app registration", str(func(c *Config) *string { return &c.AzureClientID })},
	{"azure-client-certificate-path", "AZURE_CLIENT_CERTIFICATE_PATH", "", "certificate credential: PEM (certificate + key) or PFX file", str(func(c *Config) *string { return &c.AzureCertPath })},
	{"cloud", "TAPBOT_CLOUD", "global", "Microsoft cloud: global, usgov or china", str(func(c *Config) *string { return &c.Cloud })},
	{"graph-url", "TAPBOT_GRAPH_URL", "", "explicit Microsoft Graph base URL (overrides --cloud)", str(func(c *Config) *string { return &c.GraphURL })},
	{"authority-host", "TAPBOT_AUTHORITY_HOST", "", "explicit Entra login host (overrides --cloud)", str(func(c *Config) *string { return &c.AuthorityHost })},
	// Teams settings (see teams.go).
	{"teams-app-id", "TEAMS_APP_ID", "", "Microsoft app id of the Azure Bot; set it to serve Teams on POST /api/messages", str(func(c *Config) *string { return &c.TeamsAppID })},
	{"teams-app-certificate-path", "TEAMS_APP_CERTIFICATE_PATH", "", "PEM file with a certificate of the Azure Bot's app and its RSA key, or a PFX file, instead of TEAMS_APP_PASSWORD", str(func(c *Config) *string { return &c.TeamsAppCertPath })},
	{"teams-app-type", "TEAMS_APP_TYPE", "", "Azure Bot type: SingleTenant, MultiTenant, or UserAssignedMSI (token from the host's managed identity, TEAMS_APP_ID is its client id); empty: from TEAMS_APP_TENANT_ID", str(func(c *Config) *string { return &c.TeamsAppType })},
	{"teams-app-tenant-id", "TEAMS_APP_TENANT_ID", "", "tenant of a single-tenant Azure Bot (its token comes from there); empty or botframework.com: multi-tenant", str(func(c *Config) *string { return &c.TeamsAppTenantID })},
	{"teams-approval-conversation", "TEAMS_APPROVAL_CONVERSATION", "", "Teams channel or group chat id (19:…) where approval cards are posted; add the bot there", str(func(c *Config) *string { return &c.TeamsApprovalConversation })},
	{"teams-redact-after", "TEAMS_REDACT_AFTER", "10m", "how long a delivered pass stays readable in the requester's Teams chat", dur(func(c *Config) *time.Duration { return &c.TeamsRedactAfter })},
	{"teams-openid-metadata-url", "TEAMS_OPENID_METADATA_URL", "", "Bot Framework OpenID metadata URL for incoming tokens (overrides --cloud)", str(func(c *Config) *string { return &c.TeamsOpenIDMetadataURL })},
	{"teams-authority-host", "TEAMS_AUTHORITY_HOST", "", "Entra login host for the bot's own token (overrides --cloud)", str(func(c *Config) *string { return &c.TeamsAuthorityHost })},
	// The audit log for SIEMs (see siem.go and deploy/siem).
	{"audit-stdout", "TAPBOT_AUDIT_STDOUT", "false", "true: also write every audit event to stdout as one JSON line (schema tapbot.audit/v1) for a log shipper; logs stay on stderr", auditStdout},
	{"audit-webhook", "TAPBOT_AUDIT_WEBHOOK", "", "HTTPS URL that receives every audit event as a JSON POST, at least once and in order (e.g. Splunk HEC https://splunk:8088/services/collector/event)", str(func(c *Config) *string { return &c.AuditWebhook })},
	// End-user verification with Entra Verified ID (see verifiedid.go).
	{"public-url", "TAPBOT_PUBLIC_URL", "", "tapbot's public https:// address (e.g. https://tapbot.contoso.com); Entra Verified ID posts Face Check results to <it>/verifiedid/callback, so the verifiedId step needs it, in Socket Mode too", str(func(c *Config) *string { return &c.PublicURL })},
	{"verifiedid-authority", "TAPBOT_VERIFIEDID_AUTHORITY", "", "the tenant's Verified ID verifier DID (Entra admin center → Verified ID → Overview → Decentralized identifier, did:web:…) for the verifiedId step; in MSP mode each tenant's verifiedIdAuthority instead", str(func(c *Config) *string { return &c.VerifiedIDAuthority })},
	{"verifiedid-endpoint", "TAPBOT_VERIFIEDID_ENDPOINT", verifiedid.DefaultEndpoint, "base URL of Entra Verified ID's Request Service", str(func(c *Config) *string { return &c.VerifiedIDEndpoint })},
	{"audit-webhook-format", "TAPBOT_AUDIT_WEBHOOK_FORMAT", "json", "body of each webhook POST: json (the tapbot.audit/v1 record) or splunk-hec (the record in HEC's event envelope, sourcetype tapbot:audit)", str(func(c *Config) *string { return &c.AuditWebhookFormat })},
}

// secretHelp lists the secrets, which are never flags.
const secretHelp = `
Secrets (environment only; each also as <NAME>_FILE = path of a file holding it):
  SLACK_BOT_TOKEN                    Slack bot token (xoxb-…)
  SLACK_SIGNING_SECRET               Slack signing secret (verifies requests; HTTP mode only)
  SLACK_APP_TOKEN                    Slack app-level token (xapp-…): Socket Mode, no public URL needed
  AZURE_CLIENT_SECRET                Entra client secret (or use a certificate)
  AZURE_CLIENT_CERTIFICATE_PASSWORD  password of a PFX certificate, if any
  TEAMS_APP_PASSWORD                 client secret of the Azure Bot's app (Teams; or a certificate)
  TAPBOT_AUDIT_KEY                   key of the audit log's HMAC chain (32+ random characters); keep it
                                     outside the database's volume and backups
  TEAMS_APP_CERTIFICATE_PASSWORD     password of a PFX TEAMS_APP_CERTIFICATE_PATH, if any
  TAPBOT_AUDIT_WEBHOOK_HEADER        header(s) sent with every audit webhook POST, one "Name: value" a line,
                                     e.g. Authorization: Splunk <HEC token>
  TAPBOT_AUDIT_WEBHOOK_SECRET        signs every audit webhook POST: X-Tapbot-Signature: sha256=<hex HMAC>
  TAPBOT_ADMIN_TOKEN                 bearer token of GET /admin/* on TAPBOT_METRICS_LISTEN (16+ characters);
                                     required there unless that listener is a loopback address
  TAPBOT_DATABASE_URL                PostgreSQL instead of the bbolt file, for two or more replicas, e.g.
                                     postgres://tapbot@db.example.com/tapbot?sslmode=verify-full
                                     (password in the URL, in PGPASSWORD or in ~/.pgpass)
  TAPBOT_VERIFIEDID_API_KEY          key Entra Verified ID's callbacks carry (32+ random characters, the same on
                                     every replica); needed for the verifiedId step
With neither AZURE_CLIENT_SECRET nor AZURE_CLIENT_CERTIFICATE_PATH, tapbot uses
managed identity / the Azure default credential chain.
`

// LoadConfig reads flags (args), then the environment, then defaults, and
// validates the result. Every problem is reported, one line each.
func LoadConfig(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("tapbot serve", flag.ContinueOnError)
	fs.SetOutput(out)
	values := make([]*string, len(settings))
	for i, s := range settings {
		values[i] = fs.String(s.flag, "", fmt.Sprintf("%s (env %s, default %q)", s.help, s.env, s.def))
	}
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: tapbot serve [flags]\n\nSettings (flag, or environment variable):")
		printSettings(fs)
		fmt.Fprint(fs.Output(), secretHelp)
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var problems []string
	for i, s := range settings {
		v := *values[i]
		if v == "" {
			v = getenv(s.env)
		}
		if v == "" {
			v = s.def
		}
		if err := s.set(&c, v); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", s.env, err))
		}
	}
	problems = append(problems, c.loadSecrets(getenv)...)
	dbGiven := *values[slices.IndexFunc(settings, isDBSetting)] != "" || getenv("TAPBOT_DB") != ""
	problems = append(problems, c.storeProblems(dbGiven)...) // store.go
	c.Outbound = outbound.FromEnv(getenv)
	problems = append(problems, c.validate()...)
	if len(problems) > 0 {
		return c, &ConfigError{Problems: problems}
	}
	return c, nil
}

// loadSecrets fills the fields tagged secret from NAME or NAME_FILE.
func (c *Config) loadSecrets(getenv func(string) string) []string {
	var problems []string
	for _, s := range []struct {
		name string
		dst  *string
	}{
		{"SLACK_BOT_TOKEN", &c.SlackBotToken},
		{"SLACK_SIGNING_SECRET", &c.SlackSigningSecret},
		{"SLACK_APP_TOKEN", &c.SlackAppToken},
		{"AZURE_CLIENT_SECRET", &c.AzureClientSecret},
		{"AZURE_CLIENT_CERTIFICATE_PASSWORD", &c.AzureCertPassword},
		{"TEAMS_APP_PASSWORD", &c.TeamsAppPassword},
		{"TAPBOT_AUDIT_KEY", &c.AuditKey},
		{"TEAMS_APP_CERTIFICATE_PASSWORD", &c.TeamsAppCertPassword},
		{"TAPBOT_AUDIT_WEBHOOK_HEADER", &c.AuditWebhookHeader},
		{"TAPBOT_AUDIT_WEBHOOK_SECRET", &c.AuditWebhookSecret},
		{"TAPBOT_ADMIN_TOKEN", &c.AdminToken},
		{"TAPBOT_DATABASE_URL", &c.DatabaseURL},
		{"TAPBOT_VERIFIEDID_API_KEY", &c.VerifiedIDAPIKey},
	} {
		v, err := secretFromEnv(s.name, getenv)
		if err != nil {
			problems = append(problems, err.Error())
		}
		*s.dst = v
	}
	return problems
}

// secretFromEnv returns NAME, or the contents of the file NAME_FILE names
// (trailing newline dropped). The error names the file, never its contents.
func secretFromEnv(name string, getenv func(string) string) (string, error) {
	direct, path := getenv(name), getenv(name+"_FILE")
	switch {
	case path == "":
		return direct, nil
	case direct != "":
		return "", fmt.Errorf("%s and %s_FILE are both set; keep one", name, name)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: cannot read %s: %v", name, path, errors.Unwrap(err))
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

var slackUserID = regexp.MustCompile(`^(slack:)?[UW][A-Z0-9]{2,}$`)

func (c *Config) validate() []string {
	var p []string
	switch {
	case c.Graph != "live" && c.Graph != "sandbox":
		p = append(p, fmt.Sprintf("TAPBOT_GRAPH: %q is neither live nor sandbox", c.Graph))
	case c.Graph == "live" && c.TenantsPath != "" && c.AzureClientID == "":
		p = append(p, "AZURE_CLIENT_ID: missing; in MSP mode (TAPBOT_TENANTS_FILE) it is the application (client) id of your multi-tenant app registration")
	case c.Graph == "live" && c.TenantsPath == "" && (c.AzureTenantID == "" || c.AzureClientID == ""):
		p = append(p, "AZURE_TENANT_ID and AZURE_CLIENT_ID: both are needed to reach your tenant (or set TAPBOT_GRAPH=sandbox to try tapbot with a fake tenant)")
	}
	if c.AzureClientSecret != "" && c.AzureCertPath != "" {
		p = append(p, "AZURE_CLIENT_SECRET and AZURE_CLIENT_CERTIFICATE_PATH are both set; choose one credential")
	}
	if c.PolicyPath != "" {
		var problems []string
		c.PolicyFile, problems = loadPolicyFile(c.PolicyPath)
		p = append(p, problems...)
	}
	p = append(p, c.policyProblems()...)
	p = append(p, c.loadTenants()...) // tenants.go
	if c.slackEnabled() {             // Slack is optional when only Teams is configured (teams.go)
		p = append(p, c.validateSlack()...)
	}
	p = append(p, c.validateTeams()...)
	p = append(p, c.verifiedIDProblems()...) // verifiedid.go; after the tenants file
	for _, l := range []struct {
		name string
		ids  []string
	}{{"TAPBOT_REQUESTERS", c.Requesters}, {"TAPBOT_APPROVERS", c.Approvers}} {
		for _, id := range l.ids {
			if !validAccessEntry(id) {
				p = append(p, fmt.Sprintf("%s: %q is neither a Slack user id like U0123ABCD (profile → ⋮ → Copy member ID), a Slack user group id (S…), an Entra object id for Teams, nor entra-group:<object id>", l.name, id))
			}
		}
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		p = append(p, fmt.Sprintf("TAPBOT_TIMEZONE: %q is not a time zone name like Europe/Berlin", c.Timezone))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		p = append(p, fmt.Sprintf("TAPBOT_LOG_FORMAT: %q is neither text nor json", c.LogFormat))
	}
	if _, ok := logLevels[c.LogLevel]; !ok {
		p = append(p, fmt.Sprintf("TAPBOT_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel))
	}
	if c.Cloud != "global" && c.Cloud != "usgov" && c.Cloud != "china" {
		p = append(p, fmt.Sprintf("TAPBOT_CLOUD: %q is not global, usgov or china", c.Cloud))
	}
	if problem := auditKeyProblem(c.AuditKey); problem != "" {
		p = append(p, problem)
	}
	p = append(p, c.validateAuditFeeds()...) // siem.go
	return p
}

// validateSlack checks the Slack settings.
func (c *Config) validateSlack() []string {
	var p []string
	if c.SlackBotToken == "" {
		p = append(p, "SLACK_BOT_TOKEN: missing; copy the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page")
	} else if !strings.HasPrefix(c.SlackBotToken, "xoxb-") {
		p = append(p, "SLACK_BOT_TOKEN: does not start with xoxb-; use the Bot User OAuth Token, not a user or app-level token")
	}
	if c.SlackSigningSecret == "" && c.SlackAppToken == "" { // Socket Mode needs none (socketmode.go)
		p = append(p, "SLACK_SIGNING_SECRET: missing; copy it from your Slack app's Basic Information page (or set SLACK_APP_TOKEN to use Socket Mode)")
	}
	p = append(p, c.validateSocketMode()...)
	if !bot.IsSlackChannelID(c.SlackApprovalChannel) {
		p = append(p, fmt.Sprintf("SLACK_APPROVAL_CHANNEL: %q is not a channel id like C0123ABCD (right-click the channel → Copy link; the id is the last part)", c.SlackApprovalChannel))
	}
	return p
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}

// ConfigError lists every configuration problem found.
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string {
	return "configuration problems:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// policyProblems are the problems of the policy file together with the
// environment, checked at start and at every reload.
func (c Config) policyProblems() []string {
	pf := c.PolicyFile
	if pf == nil || len(c.AllowedDomains) == 0 || len(pf.AllowedDomains) == 0 || len(stricterDomains(c.AllowedDomains, pf.AllowedDomains)) > 0 {
		return nil
	}
	return []string{fmt.Sprintf("TAPBOT_ALLOWED_DOMAINS (%s) and the policy file's allowedDomains (%s) have no domain in common, so no pass could be issued; tapbot allows only domains in both lists",
		strings.Join(c.AllowedDomains, ", "), strings.Join(pf.AllowedDomains, ", "))}
}
