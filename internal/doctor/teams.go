package doctor

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/tapbot/tapbot/approvals"
	teamsbot "github.com/tapbot/tapbot/bot/teams"
)

// Teams are the Teams settings doctor checks.
type Teams struct {
	Bot    teamsbot.Config // as serve builds the bot; doctor adds the HTTP client
	Listen string          // TAPBOT_LISTEN, which serves POST /api/messages
}

// checkTeams gets the bot's own token, looks at the approval conversation
// and at where the messaging endpoint is served.
func (d *run) checkTeams() {
	d.checkTeamsToken()
	d.checkTeamsConversation()
	d.checkMessagingEndpoint()
}

// teamsTokenFix names the settings the bot's token depends on.
const teamsTokenFix = "check TEAMS_APP_ID and TEAMS_APP_PASSWORD (or TEAMS_APP_CERTIFICATE_PATH) against the Azure Bot's app registration, and TEAMS_APP_TENANT_ID / TEAMS_APP_TYPE against Azure Bot → Configuration (a SingleTenant bot's token comes from its tenant, a MultiTenant one's from botframework.com)"

// checkTeamsToken gets the bot's token for the Bot Connector exactly as
// the bot does (bot/teams), from its tenant or from botframework.com.
func (d *run) checkTeamsToken() {
	const name = "teams bot token"
	cfg := d.s.Teams.Bot
	cfg.HTTPClient = d.client
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	from, err := teamsbot.CheckToken(ctx, cfg)
	switch {
	case d.failNetwork(name, hostOf(cfg.Endpoints.AuthorityHost, "login.microsoftonline.com"), err):
	case err != nil:
		d.fail(name, err.Error(), teamsTokenFix)
	default:
		d.pass(name, "obtained for app "+cfg.AppID+" from "+from)
	}
}

// teamsConversationID is a channel (19:…@thread.tacv2, older
// 19:…@thread.skype) or group chat (19:…@thread.v2) id.
var teamsConversationID = regexp.MustCompile(`^19:[^\s;/]+@thread\.(tacv2|skype|v2)$`)

// checkTeamsConversation checks TEAMS_APPROVAL_CONVERSATION's form and,
// from the database the database check opened, whether Teams ever told the
// bot how to reach it. The Bot Connector has no call that would prove the
// bot is a member without posting there.
func (d *run) checkTeamsConversation() {
	conv := d.s.Teams.Bot.ApprovalConversation
	name := "teams approval conversation " + conv
	switch {
	case conv == "":
		d.fail("teams approval conversation", "TEAMS_APPROVAL_CONVERSATION is missing, so approval cards have nowhere to go",
			"add the bot to the approvers' channel, then set TEAMS_APPROVAL_CONVERSATION to the channel's id (channel → ⋯ → Get link to channel; the part after /channel/, URL-decoded)")
		return
	case !teamsConversationID.MatchString(conv):
		d.fail(name, "not a Teams channel or group chat id (19:…@thread.tacv2, 19:…@thread.skype or 19:…@thread.v2)",
			"channel → ⋯ → Get link to channel; the id is the part after /channel/, URL-decoded")
		return
	}
	kind := "a channel"
	if strings.HasSuffix(conv, "@thread.v2") {
		kind = "a group chat"
	}
	d.reportTeamsReach(name, kind)
}

// mentionFix is how Teams first tells the bot about the approval
// conversation.
const mentionFix = "add tapbot to the team of the approval channel (or to the group chat) and @mention it there once"

func (d *run) reportTeamsReach(name, kind string) {
	switch {
	case d.teamsReachErr != nil:
		d.warn(name, kind+"; whether the bot can reach it is not checked: "+plainError(d.teamsReachErr), "")
	case !d.teamsReachKnown:
		d.pass(name, kind+"; whether the bot can reach it is not checked (the database is in use by a running tapbot or not there yet)")
	case d.teamsReach == teamsbot.ReachStored:
		d.pass(name, kind+"; Teams has sent the bot a message from there, so approval cards can be posted")
	case d.teamsReach == teamsbot.ReachService:
		d.warn(name, kind+"; the bot has not heard from it yet, so cards go there by id (fails if the bot was not added there)", mentionFix)
	default:
		d.fail(name, kind+"; Teams has never talked to this bot, so it cannot post approval cards", mentionFix)
	}
}

// noteTeamsReach records, while the database is open, how the bot would
// reach its approval conversation.
func (d *run) noteTeamsReach(store approvals.RefStore) {
	if d.s.Teams == nil || d.s.Teams.Bot.ApprovalConversation == "" {
		return
	}
	d.teamsReach, d.teamsReachErr = teamsbot.ApprovalReach(store, d.s.Teams.Bot.ApprovalConversation)
	d.teamsReachKnown = true
}

// checkMessagingEndpoint says what tapbot can know locally about the Azure
// Bot's messaging endpoint: that TAPBOT_LISTEN serves POST /api/messages
// and whether anything but this host can reach it. The public URL itself
// is configured in Azure, which doctor cannot read.
func (d *run) checkMessagingEndpoint() {
	const name = "teams messaging endpoint"
	listen := d.s.Teams.Listen
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		d.fail(name, fmt.Sprintf("TAPBOT_LISTEN %q is not host:port, so POST /api/messages is not served", listen), "set TAPBOT_LISTEN to :8080 (every interface) or host:port")
		return
	}
	azure := "set the Azure Bot's messaging endpoint (Azure Bot → Configuration → Messaging endpoint) to https://<public host>/api/messages, forwarded to port " + port
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		d.warn(name, "POST /api/messages on "+listen+" is reachable from this host only, so Teams can reach it only through a reverse proxy here", azure)
		return
	}
	d.pass(name, "POST /api/messages served on "+listen+"; "+azure)
}

// Teams users are Entra users: doctor looks them up through Graph.

func (d *run) resolveEntraUser(id string) (string, string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	u, err := d.graph.LookupUser(ctx, id)
	switch {
	case err != nil:
		return id, "Teams user " + id + ": " + approvals.ErrorMessage(err), true
	case !u.AccountEnabled:
		return id, fmt.Sprintf("Teams user %s (%s) has a disabled account", id, u.UPN), true
	}
	return fmt.Sprintf("%s %s", id, u.UPN), "", true
}
