package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
	teamsbot "github.com/tapbot/tapbot/bot/teams"
)

// teamsEnabled reports whether the Teams front-end is configured: it is on
// when TEAMS_APP_ID is set.
func (c *Config) teamsEnabled() bool { return c.TeamsAppID != "" }

// slackEnabled reports whether the Slack front-end runs: always, unless
// Teams is configured and no Slack setting is.
func (c *Config) slackEnabled() bool {
	return !c.teamsEnabled() || c.SlackBotToken != "" || c.SlackSigningSecret != "" || c.SlackAppToken != "" || c.SlackApprovalChannel != ""
}

// validateTeams checks the Teams settings when Teams is on.
func (c *Config) validateTeams() []string {
	if !c.teamsEnabled() {
		return nil
	}
	var p []string
	if !approvals.ValidEntraID(c.TeamsAppID) {
		p = append(p, fmt.Sprintf("TEAMS_APP_ID: %q is not an app id like 00000000-0000-0000-0000-000000000000 (Azure Bot → Configuration → Microsoft App ID)", c.TeamsAppID))
	}
	switch {
	case c.teamsManagedIdentity() && (c.TeamsAppPassword != "" || c.TeamsAppCertPath != ""):
		p = append(p, "TEAMS_APP_TYPE is UserAssignedMSI, which signs in with the host's managed identity: remove TEAMS_APP_PASSWORD and TEAMS_APP_CERTIFICATE_PATH")
	case c.teamsManagedIdentity():
	case c.TeamsAppPassword == "" && c.TeamsAppCertPath == "":
		p = append(p, "TEAMS_APP_PASSWORD: missing; create a client secret for the bot's app registration (Azure Bot → Configuration → Manage Password), or set TEAMS_APP_CERTIFICATE_PATH")
	case c.TeamsAppPassword != "" && c.TeamsAppCertPath != "":
		p = append(p, "TEAMS_APP_PASSWORD and TEAMS_APP_CERTIFICATE_PATH are both set; choose one credential")
	}
	if t := c.TeamsAppTenantID; t != "" && t != teamsbot.MultiTenant && !approvals.ValidEntraID(t) {
		p = append(p, fmt.Sprintf("TEAMS_APP_TENANT_ID: %q is neither a tenant id (GUID) nor botframework.com", t))
	}
	p = append(p, c.validateTeamsAppType()...)
	if !bot.IsTeamsConversationID(c.TeamsApprovalConversation) {
		p = append(p, fmt.Sprintf("TEAMS_APPROVAL_CONVERSATION: %q is not a Teams conversation id like 19:…@thread.tacv2 (channel → ⋯ → Get link to channel; the id is the part after /channel/, URL-decoded)", c.TeamsApprovalConversation))
	}
	if _, ok := teamsbot.CloudEndpoints(c.Cloud); !ok && (c.TeamsOpenIDMetadataURL == "" || c.TeamsAuthorityHost == "") {
		p = append(p, fmt.Sprintf("TAPBOT_CLOUD: tapbot knows no Teams endpoints for %q; set TEAMS_OPENID_METADATA_URL and TEAMS_AUTHORITY_HOST", c.Cloud))
	}
	return p
}

// Azure Bot types (Azure Bot → Configuration → Type), as TEAMS_APP_TYPE
// takes them.
const (
	teamsSingleTenant = "singletenant"
	teamsMultiTenant  = "multitenant"
	teamsMSI          = "userassignedmsi"
)

// teamsManagedIdentity reports whether the bot signs in with the host's
// user-assigned managed identity.
func (c *Config) teamsManagedIdentity() bool { return strings.EqualFold(c.TeamsAppType, teamsMSI) }

// validateTeamsAppType checks TEAMS_APP_TYPE against the tenant setting:
// a single-tenant or managed identity bot lives in one tenant, a
// multi-tenant one gets its token from botframework.com.
func (c *Config) validateTeamsAppType() []string {
	tenant := c.TeamsAppTenantID != "" && c.TeamsAppTenantID != teamsbot.MultiTenant
	switch strings.ToLower(c.TeamsAppType) {
	case "":
	case teamsSingleTenant, teamsMSI:
		if !tenant {
			return []string{fmt.Sprintf("TEAMS_APP_TENANT_ID: missing; a %s Azure Bot needs its tenant id (Azure Bot → Configuration → App Tenant ID)", c.TeamsAppType)}
		}
	case teamsMultiTenant:
		if tenant {
			return []string{"TEAMS_APP_TENANT_ID: a MultiTenant Azure Bot gets its token from botframework.com; leave TEAMS_APP_TENANT_ID empty or set TEAMS_APP_TYPE=SingleTenant"}
		}
	default:
		return []string{fmt.Sprintf("TEAMS_APP_TYPE: %q is none of SingleTenant, MultiTenant and UserAssignedMSI (Azure Bot → Configuration → Type)", c.TeamsAppType)}
	}
	return nil
}

// validPrincipalID reports whether id names a technician: a Slack user id
// (U…, W…, optionally "slack:"), or an Entra object id (a GUID, optionally
// "teams:") for Teams.
func validPrincipalID(id string) bool {
	return slackUserID.MatchString(id) || approvals.ValidEntraID(strings.TrimPrefix(id, teamsbot.Platform+":"))
}

// principalKey turns a configured id into an approvals principal key: a
// GUID is a Teams user (teams:<object id>), anything else a Slack user.
func principalKey(id string) string {
	if g := strings.TrimPrefix(id, teamsbot.Platform+":"); approvals.ValidEntraID(g) {
		return teamsbot.Platform + ":" + strings.ToLower(g)
	}
	return "slack:" + strings.TrimPrefix(id, "slack:")
}

// newTeams builds the Teams front-end when it is configured and registers
// it as the notifier of Teams requests.
func (a *App) newTeams(deps Deps, loc *time.Location, notifiers map[string]approvals.Notifier) error {
	if !a.cfg.teamsEnabled() {
		return nil
	}
	cfg := a.cfg.teamsBotConfig()
	cfg.HTTPClient, cfg.Location, cfg.Sandbox = deps.HTTPClient, loc, a.sandbox != nil
	bot, err := teamsbot.New(cfg, a.log.With("component", "teams"))
	if err != nil {
		return fmt.Errorf("teams: %w", err)
	}
	a.teams = bot
	notifiers[teamsbot.Platform] = bot
	return nil
}

// teamsBotConfig is the Teams front-end's configuration from c, without
// the HTTP client, time zone and sandbox flag the running app adds; doctor
// checks the same.
func (c *Config) teamsBotConfig() teamsbot.Config {
	endpoints, _ := teamsbot.CloudEndpoints(c.Cloud)
	if c.TeamsOpenIDMetadataURL != "" {
		endpoints.OpenIDMetadataURL = c.TeamsOpenIDMetadataURL
	}
	if c.TeamsAuthorityHost != "" {
		endpoints.AuthorityHost = c.TeamsAuthorityHost
	}
	return teamsbot.Config{
		AppID: c.TeamsAppID, AppPassword: c.TeamsAppPassword, CertificatePath: c.TeamsAppCertPath, TenantID: c.TeamsAppTenantID,
		CertificatePassword: c.TeamsAppCertPassword, ManagedIdentity: c.teamsManagedIdentity(),
		ApprovalConversation: c.TeamsApprovalConversation, TenantConversations: c.tenantConversations(), RedactAfter: c.TeamsRedactAfter, Endpoints: endpoints,
	}
}

// attachTeams gives the Teams front-end the service.
func (a *App) attachTeams() {
	if a.teams != nil {
		a.teams.Attach(a.svc)
	}
}

// mountTeams serves POST /api/messages, Teams' messaging endpoint.
func (a *App) mountTeams(mux *http.ServeMux) {
	if a.teams != nil {
		mux.Handle("POST /api/messages", a.teams.Handler())
	}
}

// startTeams arranges that the timers of pass removals stop waiting when
// ctx ends (shutdown); their removals stay stored, and the replica holding
// the lease of the overdue removals does them (startWork).
func (a *App) startTeams(ctx context.Context) {
	if a.teams != nil {
		a.teams.StartReplica(ctx)
	}
}
