package teams

import (
	"cmp"
	"context"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// The "action" of the buttons on a manager's ask.
const (
	actionManagerConfirm = "manager_confirm"
	actionManagerReject  = "manager_reject"
)

var (
	_ approvals.ManagerAsker   = (*Bot)(nil)
	_ approvals.TargetNotifier = (*Bot)(nil)
)

func isManagerAnswer(action string) bool {
	return action == actionManagerConfirm || action == actionManagerReject
}

// AskManager asks manager, in their 1:1 chat with the bot, to confirm
// that r is for their employee and that the employee asked for it, with
// Confirm and Reject buttons. A Teams user is their Entra user, so the
// manager is found by object id; the bot can write to them only once it
// has their 1:1 chat (they installed tapbot and it heard from them).
// Returns ENOTFOUND when it has none, EUNAVAILABLE when Teams refuses.
func (b *Bot) AskManager(ctx context.Context, r *approvals.Request, manager approvals.Person) (approvals.ManagerContact, error) {
	ref, err := b.personalChat(manager.ID, cmp.Or(manager.DisplayName, manager.UPN))
	if err != nil {
		return approvals.ManagerContact{}, err
	}
	text := b.banner() + bot.ManagerAsk(r, nameOf(r.Requester), b.style())
	card := adaptiveCard([]any{textBlock(text)},
		submit(bot.ManagerConfirmButton, actionManagerConfirm, r.ID, "positive"),
		submit(bot.ManagerRejectButton, actionManagerReject, r.ID, "destructive"))
	summary := bot.TenantTag(r) + "Did " + cmp.Or(r.Target.DisplayName, r.Target.UPN) + " ask for a Temporary Access Pass? (request " + r.ID + ")"
	id, err := b.conn.send(ctx, ref, outgoing(ref, summary, card))
	if err != nil {
		return approvals.ManagerContact{}, teamsError("ask the manager", err)
	}
	b.log.Info("manager asked in teams", "request", r.ID, "user", manager.ID)
	return approvals.ManagerContact{
		Principal: principal(manager.ID, cmp.Or(manager.DisplayName, manager.UPN)),
		Message:   approvals.MessageRef{Platform: Platform, Channel: ref.Conversation.ID, ID: id},
	}, nil
}

// TellTarget writes text to r's target in their 1:1 chat with the bot.
// Returns ENOTFOUND when the bot has none with them, EUNAVAILABLE when
// Teams refuses.
func (b *Bot) TellTarget(ctx context.Context, r *approvals.Request, text string) error {
	ref, err := b.personalChat(r.Target.ID, r.Target.UPN)
	if err != nil {
		return err
	}
	return b.send(ctx, ref, b.banner()+md(text))
}

// personalChat is the 1:1 chat of the Entra user id (named name in
// errors); ENOTFOUND when the bot has none.
func (b *Bot) personalChat(id, name string) (schema.ConversationReference, error) {
	if id == "" {
		return schema.ConversationReference{}, approvals.Errorf(approvals.ENOTFOUND, "tapbot does not know the Entra user of %s, so it cannot find them in Teams", name)
	}
	ref, ok, err := b.personalRef(id)
	if err != nil {
		return ref, err
	}
	if !ok {
		return ref, approvals.Errorf(approvals.ENOTFOUND, "%s has no chat with tapbot in Teams", name)
	}
	return ref, nil
}

// answerManager carries out a manager's Confirm or Reject in the
// background, as the Teams user who pressed it (the service checks that
// it is the manager), and redraws the ask with the outcome. A press that
// came too late redraws it with why; any other refusal is told to the
// presser and leaves the buttons.
func (b *Bot) answerManager(act schema.Activity, who approvals.Principal, id, action string) {
	confirm := action == actionManagerConfirm
	b.svc.Go(func(ctx context.Context) {
		st := b.style()
		r, err := b.svc.ManagerDecide(ctx, id, who, confirm)
		switch {
		case err == nil:
			b.redrawAsk(ctx, act, bot.ManagerAnswered(r, confirm, st))
			return
		case r != nil && approvals.ErrorCode(err) == approvals.ECONFLICT:
			b.redrawAsk(ctx, act, bot.ManagerTooLate(r, err, st))
			return
		}
		b.log.Info("manager answer refused", "request", id, "user", who.Key(), "reason", approvals.ErrorCode(err))
		b.tellUser(ctx, act, b.errorText(err))
	})
}

// redrawAsk replaces the ask act answered with text, without buttons.
func (b *Bot) redrawAsk(ctx context.Context, act schema.Activity, text string) {
	ref := activityRef(act)
	upd := outgoing(ref, "", adaptiveCard([]any{textBlock(b.banner() + text)}))
	upd.ID = act.ReplyToID
	if err := b.adapter.UpdateActivity(ctx, upd); err != nil {
		b.log.Warn("manager's ask not redrawn", "conversation", ref.Conversation.ID, "err", teamsError("update the manager's message", err))
	}
}
