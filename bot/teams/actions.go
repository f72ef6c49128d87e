package teams

import (
	"context"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// pressActions are what the Action.Submit buttons ask for; actionDone is
// Teams' own.
var pressActions = map[string]bot.Action{
	actionApprove: bot.ActionApprove,
	actionDeny:    bot.ActionDeny,
	actionCancel:  bot.ActionCancel,
}

// handleSubmit acts on an Action.Submit button press, which Teams sends as
// a message whose value is the button's data {action, requestId}. The
// decision runs in the background; the cards show its outcome, and a press
// that changes nothing is explained to the presser, privately when the bot
// has a 1:1 chat with them.
func (b *Bot) handleSubmit(act schema.Activity) {
	action, _ := act.Value["action"].(string)
	if action == actionRequestForm { // form.go: a request, not a press on one
		b.submitForm(act)
		return
	}
	raw, _ := act.Value["requestId"].(string)
	id, err := bot.ParseRequestID(raw)
	if act.From.AadObjectID == "" || err != nil {
		b.log.Info("teams button press ignored", "action", action, "from", act.From.ID)
		return
	}
	who := principal(act.From.AadObjectID, act.From.Name)
	if action == actionDone {
		b.svc.Go(func(ctx context.Context) { b.done(ctx, act, who, id) })
		return
	}
	if isManagerAnswer(action) { // manager.go
		b.answerManager(act, who, id, action)
		return
	}
	if isShowPass(action) { // showpass.go
		b.showPass(act, who, id)
		return
	}
	do, ok := pressActions[action]
	if !ok {
		b.log.Info("teams button press ignored", "action", action, "request", id)
		return
	}
	press := bot.Press{Action: do, RequestID: id, By: who, Reason: submittedReason(act), Callback: submittedCallback(act)}
	b.svc.Go(func(ctx context.Context) {
		if reply := press.Do(ctx, b.svc, b.log, b.style()); reply != "" {
			b.tellUser(ctx, act, b.banner()+reply)
		}
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
