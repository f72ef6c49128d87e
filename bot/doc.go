// Package bot is what tapbot's two chat front-ends, bot/slack and
// bot/teams, share, so that both read the same commands and say the same
// things: the /tap grammar (Parse turns the text of a command into a
// Command, with ParseUPN, ParseRequestID and ParseLifetime usable alone),
// the help and reply texts, the facts of an approval card, pass lifetimes
// written the way technicians type them, escaping of user text for Slack
// mrkdwn and Teams markdown, and a guard against replayed requests.
//
// Every parse error is an *approvals.Error with code EINVALID whose message
// names the word at fault. The package depends on approvals only; it knows
// neither chat platform's API.
package bot
