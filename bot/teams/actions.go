package teams

import (
	"context"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// handleSubmit acts on an Action.Submit button press, which Teams sends as
// a message whose value is the button's data {action, requestId}. The
// decision runs in the background; the cards show its outcome, and a press
// that changes nothing is explained to the presser, privately when the bot
// has a 1:1 chat with them.
func (b *Bot) handleSubmit(act schema.Activity) {
	action, _ := act.Value["action"].(string)
	raw, _ := act.Value["requestId"].(string)
	id, err := bot.ParseRequestID(raw)
	if act.From.AadObjectID == "" || err != nil {
		b.log.Info("teams button press ignored", "action", action, "from", act.From.ID)
		return
	}
	who := principal(act.From.AadObjectID, act.From.Name)
	var do func(ctx context.Context) (*approvals.Request, error)
	switch action {
	case actionApprove:
		do = func(ctx context.Context) (*approvals.Request, error) { return b.svc.Approve(ctx, id, who) }
	case actionDeny:
		do = func(ctx context.Context) (*approvals.Request, error) { return b.svc.Deny(ctx, id, who, "") }
	case actionCancel:
		do = func(ctx context.Context) (*approvals.Request, error) { return b.svc.Cancel(ctx, id, who) }
	case actionDone:
		b.svc.Go(func(ctx context.Context) { b.done(ctx, act, who, id) })
		return
	default:
		b.log.Info("teams button press ignored", "action", action, "request", id)
		return
	}
	b.svc.Go(func(ctx context.Context) {
		r, err := do(ctx)
		switch {
		case err == nil:
			return // the card shows the outcome
		case action == actionApprove && r != nil && r.ApprovedBy(who):
			// Approved, but issuing went wrong: the card says so, and so do we.
			b.tellUser(ctx, act, b.banner()+"⚠️ You approved "+id+", but: "+md(approvals.ErrorMessage(err)))
			return
		}
		b.log.Info("button press refused", "action", action, "request", id, "user", who.Key(), "reason", approvals.ErrorCode(err))
		b.tellUser(ctx, act, b.errorText(err))
	})
}

// done removes the pass from the requester's message at their word. Only
// the requester can press the button (it is in their 1:1 chat); a press on
// a message already cleared does nothing.
func (b *Bot) done(ctx context.Context, act schema.Activity, who approvals.Principal, id string) {
	b.red.await(ctx, id)
	p, ok, err := b.red.get(id)
	if err != nil {
		b.log.Error("pending pass removals unreadable", "err", err)
		return
	}
	if !ok {
		return
	}
	if p.Requester != who.ID {
		b.tellUser(ctx, act, b.banner()+"⛔ Only the requester of "+id+" can remove its pass.")
		return
	}
	b.redact(ctx, id)
}
