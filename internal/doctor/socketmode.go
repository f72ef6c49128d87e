package doctor

import (
	"context"
	"strings"

	"github.com/slack-go/slack"
)

// appTokenFix is where an app-level token with the one scope Socket Mode
// needs comes from.
const appTokenFix = "Slack app → Basic Information → App-Level Tokens: generate a token with the connections:write scope, set it as SLACK_APP_TOKEN, and turn Socket Mode on (Settings → Socket Mode)"

// checkSocketMode asks apps.connections.open for a websocket URL, as
// tapbot serve does before it connects. Slack lists no scopes for app-level
// tokens, but that call succeeds only with connections:write, so a URL
// proves the scope too. The URL is used once or never; doctor does not
// connect, so a running bot keeps receiving every event.
func (d *run) checkSocketMode() {
	token := d.s.Slack.AppToken
	if token == "" {
		return // HTTP mode: Slack posts to the request URLs instead
	}
	const name = "slack socket mode"
	if !strings.HasPrefix(token, "xapp-") {
		d.skip(name, "SLACK_APP_TOKEN is not an app-level token (see configuration)")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, _, err := d.slackAPI("", slack.OptionAppLevelToken(token)).StartSocketModeContext(ctx)
	switch {
	case d.failNetwork(name, slackHost, err):
	case err == nil:
		d.pass(name, "apps.connections.open accepted SLACK_APP_TOKEN, so it has connections:write; tapbot needs no public URL")
	case err.Error() == "invalid_auth", err.Error() == "not_authed", err.Error() == "token_revoked":
		d.fail(name, "Slack refused SLACK_APP_TOKEN ("+err.Error()+")", appTokenFix)
	case err.Error() == "not_allowed_token_type":
		d.fail(name, "SLACK_APP_TOKEN is not an app-level token (Slack: not_allowed_token_type)", appTokenFix)
	case err.Error() == "missing_scope":
		d.fail(name, "SLACK_APP_TOKEN lacks the connections:write scope", appTokenFix)
	default:
		d.fail(name, "apps.connections.open failed: "+err.Error(), appTokenFix)
	}
}
