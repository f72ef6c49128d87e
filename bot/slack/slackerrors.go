package slack

import (
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/bot"
)

// slackFixes say, for the Web API error codes tapbot meets, what is wrong
// and what the operator (or the technician) can do about it. The code
// itself follows in square brackets (messages often sit in parentheses
// already): it is what one searches Slack's docs for.
var slackFixes = map[string]string{
	"not_in_channel":        "tapbot is not a member of that conversation; for the approval channel, type /invite @tapbot in it",
	"channel_not_found":     "the conversation does not exist or tapbot cannot see it; for the approval channel, check its id in SLACK_APPROVAL_CHANNEL (or the tenant's channel) and invite tapbot to it; for a direct message, check that the Slack app has the im:write scope",
	"is_archived":           "the channel is archived; unarchive it or configure another channel",
	"cannot_dm_bot":         "the requester is a bot or app account, and Slack lets no bot write to another; request the pass from a person's account",
	"user_not_found":        "Slack knows no such user in this workspace; they may have left it, or use another workspace tapbot is not installed in",
	"user_not_in_channel":   "the person is not a member of that channel",
	"user_disabled":         "that Slack account is deactivated; someone with an active account must request the pass",
	"account_inactive":      "tapbot's bot token belongs to a deactivated user or workspace; reinstall the Slack app and set its new token in SLACK_BOT_TOKEN",
	"invalid_auth":          "Slack does not accept tapbot's bot token; set a valid xoxb- token in SLACK_BOT_TOKEN (reinstalling the app gives a new one)",
	"not_authed":            "tapbot sent Slack no bot token; set SLACK_BOT_TOKEN",
	"token_revoked":         "tapbot's bot token was revoked; reinstall the Slack app and set its new token in SLACK_BOT_TOKEN",
	"token_expired":         "tapbot's bot token has expired; reinstall the Slack app and set its new token in SLACK_BOT_TOKEN",
	"messages_tab_disabled": "tapbot's Messages tab is turned off; turn it on in the Slack app's settings under App Home → Show Tabs",
	"ratelimited":           "Slack is limiting how often tapbot may call it; try again in a minute",
}

// slackAdvice is err as a technician or operator can act on it: what a
// Web API error code means and how to fix it, then the code; other errors
// (the network, a timeout) as they are, shortened.
func slackAdvice(err error) string {
	code := slackCode(err)
	if code == "" {
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) {
			return slackFixes["ratelimited"] + " [Slack answered HTTP 429]"
		}
		return bot.Truncate(err.Error(), bot.MaxOutsideText)
	}
	if code == "missing_scope" {
		return missingScope(err)
	}
	if fix, ok := slackFixes[code]; ok {
		return fix + " [Slack error " + code + "]"
	}
	return "Slack error " + bot.Truncate(code, bot.MaxOutsideText)
}

// missingScope names the OAuth scope Slack says the bot token lacks.
func missingScope(err error) string {
	var se slack.SlackErrorResponse
	errors.As(err, &se)
	needed := strings.TrimSpace(se.Needed)
	if needed == "" {
		needed = "it needs"
	}
	return fmt.Sprintf("tapbot's Slack app lacks the scope %s; add it under OAuth & Permissions and reinstall the app [Slack error missing_scope]", bot.Truncate(needed, 80))
}

// slackCode is the error code of a Web API refusal ("user_not_found"), or
// "" when err is not one.
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}
