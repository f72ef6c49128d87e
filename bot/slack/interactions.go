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

// HandleInteraction acts on a button press, a global shortcut or a modal's
// submission, and returns the answer to send Slack: nil but for a
// view_submission that keeps its modal open (formsubmit.go). For a button
// Slack only needs the HTTP 200; the decision runs afterwards, and a press
// that changes nothing is explained to the presser alone through the
// response_url.
func (b *Bot) HandleInteraction(ctx context.Context, cb slack.InteractionCallback) any {
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		return b.handleViewSubmission(ctx, cb)
	case slack.InteractionTypeShortcut:
		b.handleShortcut(ctx, cb)
		return nil
	}
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return nil
	}
	act := cb.ActionCallback.BlockActions[0]
	if act.ActionID == actionOpenForm { // the Home tab's "Request a pass" (form.go)
		b.openFormFromButton(ctx, cb)
		return nil
	}
	if b.isShowPass(act.ActionID) { // showpass.go
		b.showPass(cb, act)
		return nil
	}
	if b.pressVerify(ctx, cb, act) { // verify.go: the callback modal, a manager's answer
		return nil
	}
	if b.pressHomeOrAskAgain(cb, act) { // home.go
		return nil
	}
	action, ok := pressActions[act.ActionID]
	if !ok {
		return nil
	}
	who := principal(cb.User.ID, cb.User.Name)
	if who.Name == "" {
		who.Name = cb.User.Username
	}
	if act.ActionID == actionDeny { // asks why first (deny.go)
		b.askDenyReason(ctx, cb, who, act.Value)
		return nil
	}
	press := bot.Press{Action: action, RequestID: act.Value, By: who}
	b.later(cb.ResponseURL, func(ctx context.Context) *slack.WebhookMessage {
		return b.reply(press.Do(ctx, b.svc, b.log, b.style()))
	}, "request", press.RequestID)
	return nil
}
