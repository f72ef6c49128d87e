package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"
)

// requiredSlackScopes are the bot token scopes tapbot cannot work without:
// the slash command, posting cards, opening the requester's DM, looking up
// who clicked, and their verified e-mail, which matches them to Entra (a
// requester tapbot cannot match is refused: it could be their own account).
var requiredSlackScopes = []string{"commands", "chat:write", "im:write", "users:read", "users:read.email"}

// checkSlackToken calls auth.test, which proves the token and names the
// bot, and reads the scopes Slack lists in its X-OAuth-Scopes header.
func (d *run) checkSlackToken() {
	switch {
	case d.s.Slack.BotToken == "":
		d.skip("slack token", "SLACK_BOT_TOKEN is missing (see configuration)")
		return
	case !strings.HasPrefix(d.s.Slack.BotToken, "xoxb-"):
		d.skip("slack token", "SLACK_BOT_TOKEN is not a bot token (see configuration)")
		return
	}
	api := d.slackAPI(d.s.Slack.BotToken)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	who, err := api.AuthTestContext(ctx)
	if d.failNetwork("slack token", slackHost, err) {
		return
	}
	if err != nil {
		d.fail("slack token", "auth.test failed: "+err.Error(), "copy the Bot User OAuth Token (xoxb-…) again from your Slack app's OAuth & Permissions page; reinstall the app if it was revoked")
		return
	}
	d.slack, d.botName = api, who.User
	d.pass("slack token", fmt.Sprintf("valid: bot @%s in workspace %q", who.User, who.Team))
	d.checkSlackScopes(who.Header.Get("X-OAuth-Scopes"))
}

// slackHost names Slack in a network failure without a URL.
const slackHost = "slack.com"

// slackAPI is a Slack client with token, through doctor's outbound client.
func (d *run) slackAPI(token string, opts ...slack.Option) *slack.Client {
	opts = append(opts, slack.OptionHTTPClient(d.client))
	if d.s.Slack.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(d.s.Slack.APIURL))
	}
	return slack.New(token, opts...)
}

func (d *run) checkSlackScopes(header string) {
	if header == "" {
		d.warn("slack scopes", "Slack did not list the token's scopes, so doctor cannot check them", "make sure the bot has "+strings.Join(requiredSlackScopes, ", "))
		return
	}
	granted := strings.FieldsFunc(header, func(r rune) bool { return r == ',' || r == ' ' })
	var missing []string
	for _, s := range requiredSlackScopes {
		if !slices.Contains(granted, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		d.fail("slack scopes", "missing "+strings.Join(missing, ", "),
			"Slack app → OAuth & Permissions → Bot Token Scopes: add "+strings.Join(missing, ", ")+", then reinstall the app to the workspace (deploy/slack/manifest.yaml lists them all)")
		return
	}
	d.pass("slack scopes", strings.Join(requiredSlackScopes, ", ")+" granted")
}

// checkApprovalChannel asks conversations.info whether the channel exists
// and the bot is in it. That call needs channels:read (groups:read for a
// private channel), which tapbot itself does not: without it, doctor warns.
func (d *run) checkApprovalChannel() {
	name := "slack approval channel " + d.s.Slack.ApprovalChannel
	switch {
	case d.slack == nil:
		d.skip(name, "needs a valid Slack token")
		return
	case d.s.Slack.ApprovalChannel == "":
		d.skip(name, "SLACK_APPROVAL_CHANNEL is not set")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ch, err := d.slack.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: d.s.Slack.ApprovalChannel})
	invite := "open the channel in Slack and type /invite @" + d.botName
	switch {
	case d.failNetwork(name, slackHost, err):
	case err != nil && err.Error() == "missing_scope":
		d.warn(name, "cannot check: conversations.info needs channels:read (groups:read for a private channel), which the manifests in deploy/slack grant", "add that scope and reinstall the app, or make sure the bot is in the channel: "+invite)
	case err != nil && err.Error() == "channel_not_found":
		d.fail(name, "not found (or private, and the bot is not in it)", "set SLACK_APPROVAL_CHANNEL to the channel's id (channel name → About → Channel ID) and "+invite)
	case err != nil:
		d.fail(name, "conversations.info failed: "+err.Error(), "check the channel id and the bot token")
	case ch.IsArchived:
		d.fail(name, "#"+ch.Name+" is archived", "unarchive it or choose another channel")
	case !ch.IsMember:
		d.fail(name, "#"+ch.Name+" exists but the bot is not a member, so approval cards cannot be posted", invite)
	default:
		d.pass(name, "#"+ch.Name+", the bot is a member")
	}
}

func (d *run) resolveSlackUser(id string) (string, string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	u, err := d.slack.GetUserInfoContext(ctx, id)
	switch {
	case err != nil && err.Error() == "user_not_found":
		return id, id + " is not a user of this Slack workspace", true
	case err != nil:
		return id, id + ": users.info failed: " + err.Error(), true
	case u.Deleted:
		return id, fmt.Sprintf("%s (@%s) is deactivated in Slack", id, u.Name), true
	case u.IsBot:
		return id, fmt.Sprintf("%s (@%s) is a bot, not a person", id, u.Name), true
	}
	return fmt.Sprintf("%s @%s", id, u.Name), "", true
}

func (d *run) resolveSlackGroup(id string) (string, string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	members, err := d.slack.GetUserGroupMembersContext(ctx, id)
	if err != nil {
		return id, "Slack user group " + id + ": usergroups.users.list failed: " + err.Error(), true
	}
	return fmt.Sprintf("group %s (%d members)", id, len(members)), "", true
}
