package slack

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/bot"
)

// Button action ids. The button's value is the request id.
const (
	actionApprove = "tap_approve"
	actionDeny    = "tap_deny"
	actionCancel  = "tap_cancel"
	actionReissue = "tap_reissue"
)

// pressActions are what Slack's buttons ask for.
var pressActions = map[string]bot.Action{
	actionApprove: bot.ActionApprove,
	actionDeny:    bot.ActionDeny,
	actionCancel:  bot.ActionCancel,
	actionReissue: bot.ActionReissue,
}

// HandleInteraction acts on a button press. Slack only needs the HTTP 200;
// the decision runs afterwards, and a press that changes nothing is
// explained to the presser alone through the response_url.
func (b *Bot) HandleInteraction(_ context.Context, cb slack.InteractionCallback) {
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return
	}
	act := cb.ActionCallback.BlockActions[0]
	if b.isShowPass(act.ActionID) {
		b.showPass(cb, act)
		return
	}
	action, ok := pressActions[act.ActionID]
	if !ok {
		return
	}
	who := principal(cb.User.ID, cb.User.Name)
	if who.Name == "" {
		who.Name = cb.User.Username
	}
	press := bot.Press{Action: action, RequestID: act.Value, By: who}
	b.later(cb.ResponseURL, func(ctx context.Context) *slack.WebhookMessage {
		return b.reply(press.Do(ctx, b.svc, b.log, b.style()))
	}, "request", press.RequestID)
}
