package slack

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// Button action ids. The button's value is the request id.
const (
	actionApprove = "tap_approve"
	actionDeny    = "tap_deny"
	actionCancel  = "tap_cancel"
	actionReissue = "tap_reissue"
)

// HandleInteraction acts on a button press. Slack only needs the HTTP 200;
// the decision runs afterwards, and a press that changes nothing is
// explained to the presser alone through the response_url.
func (b *Bot) HandleInteraction(_ context.Context, cb slack.InteractionCallback) {
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return
	}
	act := cb.ActionCallback.BlockActions[0]
	who := principal(cb.User.ID, cb.User.Name)
	if who.Name == "" {
		who.Name = cb.User.Username
	}
	id := act.Value
	var do func(ctx context.Context) (*approvals.Request, error)
	switch act.ActionID {
	case actionApprove:
		do = func(ctx context.Context) (*approvals.Request, error) { return b.svc.Approve(ctx, id, who) }
	case actionDeny:
		do = func(ctx context.Context) (*approvals.Request, error) { return b.svc.Deny(ctx, id, who, "") }
	case actionCancel:
		do = func(ctx context.Context) (*approvals.Request, error) { return b.svc.Cancel(ctx, id, who) }
	case actionReissue:
		do = func(ctx context.Context) (*approvals.Request, error) { return b.svc.Reissue(ctx, id, who) }
	default:
		return
	}
	b.later(cb.ResponseURL, func(ctx context.Context) *slack.WebhookMessage {
		r, err := do(ctx)
		switch {
		case err == nil:
			return nil // the card shows the outcome
		case act.ActionID == actionApprove && r != nil && r.ApprovedBy(who):
			// Approved, but issuing went wrong: the card says so, and so do we.
			return &slack.WebhookMessage{Text: b.banner() + ":warning: You approved " + id + ", but: " + bot.EscapeMrkdwn(approvals.ErrorMessage(err))}
		}
		b.log.Info("button press refused", "action", act.ActionID, "request", id, "user", who.Key(), "reason", approvals.ErrorCode(err))
		return &slack.WebhookMessage{Text: b.banner() + ":no_entry: " + bot.EscapeMrkdwn(approvals.ErrorMessage(err))}
	}, "request", id)
}
