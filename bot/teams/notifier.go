package teams

import (
	"context"
	"fmt"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

var _ approvals.Notifier = (*Bot)(nil)

// PostCard posts the approval card to the approval channel or group chat.
// Returns EUNAVAILABLE when Teams never told the bot where that is, or
// refuses the message.
func (b *Bot) PostCard(ctx context.Context, r *approvals.Request) (approvals.MessageRef, error) {
	ref, err := b.approvalRef(r)
	if err != nil {
		return approvals.MessageRef{}, err
	}
	id, err := b.conn.send(ctx, ref, outgoing(ref, b.cardSummary(r), b.approvalCard(r)))
	if err != nil {
		return approvals.MessageRef{}, teamsError("post the approval card", err)
	}
	return approvals.MessageRef{Platform: Platform, Channel: ref.Conversation.ID, ID: id}, nil
}

// UpdateCard redraws the card in place (Bot Connector UpdateActivity).
// Returns EUNAVAILABLE when Teams refuses.
func (b *Bot) UpdateCard(ctx context.Context, r *approvals.Request) error {
	ref, err := b.conversationRef(r.Card.Channel)
	if err != nil {
		return err
	}
	act := outgoing(ref, b.cardSummary(r), b.approvalCard(r))
	act.ID = r.Card.ID
	if err := b.adapter.UpdateActivity(ctx, act); err != nil {
		return teamsError("update the approval card", err)
	}
	return nil
}

// TellRequester writes to the requester in their 1:1 chat with the bot.
// Returns EUNAVAILABLE when there is none or Teams refuses.
func (b *Bot) TellRequester(ctx context.Context, n approvals.Notice) error {
	ref, err := b.requesterChat(n.Request)
	if err != nil {
		return err
	}
	text := md(bot.TenantTag(n.Request) + n.Text)
	if link := bot.VerifiedIDLink(n); link != "" {
		return b.tellVerifiedIDLink(ctx, ref, text, link) // verifiedid.go
	}
	if n.Kind == approvals.EventRevoked {
		return b.tellRevoked(ctx, ref, n.Request, text)
	}
	return b.send(ctx, ref, b.banner()+text)
}

// DeliverPass shows the pass to the requester alone, in their 1:1 chat with
// the bot. Teams has no ephemeral messages, so the message is edited to
// remove the pass after Config.RedactAfter or when the requester presses
// Done; the removal is stored before DeliverPass returns, so that a restart
// still does it. An error means the requester may not have the pass; the
// service then revokes it.
func (b *Bot) DeliverPass(ctx context.Context, r *approvals.Request, p approvals.Pass) error {
	ref, err := b.requesterChat(r)
	if err != nil {
		return err
	}
	return b.putPass(ctx, r, p, ref, "", false)
}

// putPass shows pass p of r in the conversation of ref: as a new message,
// or in place of message replace (the Show pass card pressed), and stores
// and schedules its removal before it returns. offered says the pass was
// shown at a Show pass press: its card then offers Re-issue, before and
// after the removal.
func (b *Bot) putPass(ctx context.Context, r *approvals.Request, p approvals.Pass, ref schema.ConversationReference, replace string, offered bool) error {
	if prev, ok, err := b.red.get(r.ID); err == nil && ok && prev.Ref.Conversation.ID == ref.Conversation.ID {
		replace = prev.ActivityID // a re-issue: the old pass goes, and no message keeps it
	}
	removeAt := b.svc.Now().Add(b.cfg.RedactAfter)
	summary := bot.TenantTag(r) + fmt.Sprintf("Temporary Access Pass for %s (request %s)", r.Target.UPN, r.ID)
	stored := b.red.expect(r.ID)
	defer stored()
	act := outgoing(ref, summary, b.passCard(r, p, removeAt, offered))
	id, err := b.sendOrReplace(ctx, ref, act, replace)
	if err != nil {
		return teamsError("deliver the pass", err)
	}
	pr := pendingRedaction{
		RequestID: r.ID, ActivityID: id, Ref: ref, Deadline: removeAt, Requester: r.Requester.ID,
		TargetName: r.Target.DisplayName, TargetUPN: r.Target.UPN, PassEnd: r.PassEnd, TenantName: r.TenantName, Offered: offered,
	}
	if err := b.red.add(pr); err != nil {
		b.log.Error("pass removal not stored; removing the pass now", "request", r.ID, "err", err)
		if rerr := b.removePass(ctx, pr); rerr != nil {
			b.log.Error("PASS STILL VISIBLE in the requester's Teams chat", "request", r.ID, "err", rerr)
		}
		return fmt.Errorf("store the removal of the pass from the Teams chat: %w", err)
	}
	b.schedule(pr, removeAt)
	return nil
}

// sendOrReplace sends act into the conversation of ref, or puts it in
// place of message replace when that is set, and returns the message's id.
func (b *Bot) sendOrReplace(ctx context.Context, ref schema.ConversationReference, act schema.Activity, replace string) (string, error) {
	if replace == "" {
		return b.conn.send(ctx, ref, act)
	}
	act.ID = replace
	return replace, b.adapter.UpdateActivity(ctx, act)
}

// requesterChat is the 1:1 chat of r's requester.
func (b *Bot) requesterChat(r *approvals.Request) (schema.ConversationReference, error) {
	ref, ok, err := b.personalRef(r.Requester.ID)
	if err != nil {
		return ref, err
	}
	if !ok {
		return ref, approvals.Errorf(approvals.EUNAVAILABLE, "%s has no chat with tapbot in Teams, so tapbot cannot write to them privately.", nameOf(r.Requester))
	}
	return ref, nil
}
