package teams

import (
	"context"
	"fmt"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// The buttons of the requester's 1:1 card with Show pass delivery. Both
// ask approvals.Service.ShowPass for the pass: the first press creates it,
// a later one re-issues it under the re-issue rules, so Re-issue is only
// the name the button takes once a pass was shown.
const (
	actionShowPass = "tap_showpass"
	actionReissue  = "tap_reissue"
)

// The labels of those buttons.
const (
	showPassButton = "Show pass"
	reissueButton  = "Re-issue"
)

var _ approvals.PassOfferer = (*Bot)(nil)

// isShowPass reports whether a press asks to see a pass.
func isShowPass(action string) bool { return action == actionShowPass || action == actionReissue }

// OfferPass tells the requester in their 1:1 chat that r is approved and
// that pressing Show pass creates the pass. The card holds no secret: the
// pass appears in it only once they press the button. Returns EUNAVAILABLE
// when the requester has no chat with the bot or Teams refuses.
func (b *Bot) OfferPass(ctx context.Context, r *approvals.Request) error {
	ref, err := b.requesterChat(r)
	if err != nil {
		return err
	}
	summary := bot.TenantTag(r) + fmt.Sprintf("Request %s for %s is approved: press Show pass.", r.ID, r.Target.UPN)
	if _, err := b.conn.send(ctx, ref, outgoing(ref, summary, b.offerCard(r))); err != nil {
		return teamsError("offer the pass", err)
	}
	return nil
}

// offerCard is the requester's card of an approved request whose pass is
// created when they press Show pass.
func (b *Bot) offerCard(r *approvals.Request) schema.Attachment {
	approved := strings.TrimSuffix(bot.ApprovedBy(r, b.style()), ".")
	body := append(b.cardBanner(),
		textBlock(md(bot.TenantTag(r))+"✅ "+approved+" — press **"+showPassButton+"**.", "weight", "Bolder"),
		textBlock(fmt.Sprintf("Request %s: a %s pass for **%s** (%s), %s.", r.ID, bot.UsageWord(r.UsableOnce),
			md(r.Target.DisplayName), md(r.Target.UPN), approvals.FormatMinutes(r.LifetimeMinutes))),
		textBlock(fmt.Sprintf("_The pass is created when you press the button and shown here, to you alone, for %s. Press it when you are with the user._",
			span(b.cfg.RedactAfter)), "isSubtle", true),
	)
	return adaptiveCard(body, submit(showPassButton, actionShowPass, r.ID, "positive"))
}

// expiredCard replaces the offer (or the pass card after its removal) once
// the time to show a pass is over; text says so and holds no secret.
func (b *Bot) expiredCard(text string) schema.Attachment {
	return adaptiveCard(append(b.cardBanner(), textBlock(text)))
}

// showPass answers a press of Show pass or Re-issue: the pass is created
// now and shown in the card that was pressed, in the requester's 1:1 chat.
// Anyone else's press is refused with why; a press too late turns the card
// into a notice that it expired.
func (b *Bot) showPass(act schema.Activity, who approvals.Principal, id string) {
	b.svc.Go(func(ctx context.Context) {
		deliver := func(ctx context.Context, r *approvals.Request, p approvals.Pass) error {
			ref, err := b.requesterChat(r)
			if err != nil {
				return err
			}
			return b.putPass(ctx, r, p, ref, b.pressedCard(act, ref), true)
		}
		_, err := b.svc.ShowPass(ctx, id, who, deliver)
		if err == nil {
			return
		}
		b.log.Info("show pass refused", "request", id, "user", who.Key(), "reason", approvals.ErrorCode(err))
		text := b.banner() + bot.Refusal(err, b.style())
		if approvals.ErrorCode(err) == approvals.ECONFLICT && strings.Contains(approvals.ErrorMessage(err), "expired") {
			if b.replaceCard(ctx, act, text) {
				return
			}
		}
		b.tellUser(ctx, act, text)
	})
}

// pressedCard is the id of the card pressed in act when it is in ref, the
// requester's 1:1 chat, so that the pass replaces the offer there; "" when
// the press came from anywhere else, and the pass then goes out as a new
// message in ref.
func (b *Bot) pressedCard(act schema.Activity, ref schema.ConversationReference) string {
	if act.ReplyToID == "" || baseConversation(act.Conversation.ID) != ref.Conversation.ID {
		return ""
	}
	return act.ReplyToID
}

// replaceCard turns the card pressed in act into text; it reports whether
// Teams took the change.
func (b *Bot) replaceCard(ctx context.Context, act schema.Activity, text string) bool {
	if act.ReplyToID == "" {
		return false
	}
	ref := activityRef(act)
	ref.ActivityID = ""
	a := outgoing(ref, "Show pass expired", b.expiredCard(text))
	a.ID = act.ReplyToID
	if err := b.adapter.UpdateActivity(ctx, a); err != nil {
		b.log.Warn("teams card not marked expired", "conversation", ref.Conversation.ID, "err", err)
		return false
	}
	return true
}

// baseConversation is a conversation id without the ";messageid=…" of a
// channel thread.
func baseConversation(id string) string {
	base, _, _ := strings.Cut(id, ";")
	return base
}

// tellRevoked tells the requester that the pass of r was revoked. With
// Show pass delivery the notice carries Re-issue, which asks for the pass
// again; otherwise a new request is the way.
func (b *Bot) tellRevoked(ctx context.Context, ref schema.ConversationReference, r *approvals.Request, text string) error {
	if b.svc.Delivery() != approvals.DeliverOnClick {
		if step := bot.ReissueAfterFix(r, "", b.style()); step != "" {
			text += " " + step
		}
		return b.send(ctx, ref, b.banner()+text)
	}
	step := bot.ReissueAfterFix(r, reissueButton, b.style())
	if step == "" {
		return b.send(ctx, ref, b.banner()+text)
	}
	card := adaptiveCard(append(b.cardBanner(), textBlock(text+" "+step)), submit(reissueButton, actionReissue, r.ID, ""))
	return b.send(ctx, ref, "", card)
}
