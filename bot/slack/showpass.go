package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// actionShowPass is the Show pass button of the requester's approval
// message; its value is the request id.
const actionShowPass = "tap_showpass"

// showPassButton is the label of that button.
const showPassButton = "Show pass"

var _ approvals.PassOfferer = (*Bot)(nil)

// OfferPass tells the requester in their DM that r is approved and that
// pressing Show pass creates the pass. The message stays in the DM's
// history, so it holds no secret: the pass itself answers the click.
func (b *Bot) OfferPass(ctx context.Context, r *approvals.Request) error {
	st := b.style()
	approved := strings.TrimSuffix(bot.ApprovedBy(r, st), ".")
	text := fmt.Sprintf("%s%s%s — press *%s*.\n%s\n%s",
		b.banner(), bot.EscapeMrkdwn(bot.TenantTag(r)), approved, showPassButton, b.passFacts(r),
		"_The pass is created when you press the button and shown to you alone. Press it when you are with the user._")
	fallback := b.banner() + bot.EscapeMrkdwn(bot.TenantTag(r)) + fmt.Sprintf("Request %s for %s is approved: press Show pass.", r.ID, bot.EscapeMrkdwn(r.Target.UPN))
	show := slack.NewButtonBlockElement(actionShowPass, r.ID, plain(showPassButton))
	show.Style = slack.StylePrimary
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(text), nil, nil),
		slack.NewActionBlock("showpass", show),
	}
	return b.inDM(ctx, r.Requester.ID, "offer the pass", func(dm string) error {
		_, _, err := b.api.PostMessageContext(ctx, dm, slack.MsgOptionText(fallback, false), slack.MsgOptionBlocks(blocks...))
		return err
	})
}

// passFacts are the request's facts as the offer lists them.
func (b *Bot) passFacts(r *approvals.Request) string {
	return fmt.Sprintf("Request %s: a %s pass for *%s* (%s), %s.", r.ID, bot.UsageWord(r.UsableOnce),
		bot.EscapeMrkdwn(r.Target.DisplayName), bot.EscapeMrkdwn(r.Target.UPN), approvals.FormatMinutes(r.LifetimeMinutes))
}

// isShowPass reports whether a press asks to see a pass: the Show pass
// button, and with Show pass delivery the Re-issue buttons too, so that a
// re-issued pass also answers the click that asked for it.
func (b *Bot) isShowPass(actionID string) bool {
	return actionID == actionShowPass || (actionID == actionReissue && b.svc.Delivery() == approvals.DeliverOnClick)
}

// showPass answers a Show pass click: the pass is created now and shown
// ephemerally through the click's response_url, which reaches the person
// who is there pressing it. Anyone else's click, or one too late, is
// answered with why; a late one also turns the offer into a notice that it
// expired.
func (b *Bot) showPass(cb slack.InteractionCallback, act *slack.BlockAction) {
	who := principal(cb.User.ID, cb.User.Name)
	if who.Name == "" {
		who.Name = cb.User.Username
	}
	id, url := act.Value, cb.ResponseURL
	b.svc.Go(func(ctx context.Context) {
		deliver := func(ctx context.Context, r *approvals.Request, p approvals.Pass) error {
			return b.showInAnswer(ctx, url, r, p)
		}
		_, err := b.svc.ShowPass(ctx, id, who, deliver)
		if err == nil {
			return
		}
		b.log.Info("show pass refused", "request", id, "user", who.Key(), "reason", approvals.ErrorCode(err))
		if approvals.ErrorCode(err) == approvals.ECONFLICT && strings.Contains(approvals.ErrorMessage(err), "expired") {
			b.respondReplacing(ctx, url, bot.Refusal(err, b.style()))
			return
		}
		b.respond(ctx, url, b.reply(bot.Refusal(err, b.style())), "request", id)
	})
}

// respondReplacing replaces the message the click was on with text, which
// holds no secret.
func (b *Bot) respondReplacing(ctx context.Context, url, text string) {
	msg := &slack.WebhookMessage{Text: b.banner() + text, ReplaceOriginal: true}
	if err := slack.PostWebhookCustomHTTPContext(ctx, url, b.http, msg); err != nil {
		b.log.Warn("slack response_url post failed", "err", err)
	}
}

// showInAnswer posts the pass to the click's response_url as an ephemeral
// message, never kept in the DM's history: the pass alone in a code block,
// so a long-press copies only the pass, and the sign-in steps in a block of
// their own. The notification text never holds the pass. An error means
// the requester may not have seen it.
func (b *Bot) showInAnswer(ctx context.Context, url string, r *approvals.Request, p approvals.Pass) error {
	end := p.Start.Add(minutes(p.LifetimeMinutes))
	usage := bot.UsageWord(p.UsableOnce)
	head := fmt.Sprintf("%s%s:key: Temporary Access Pass for *%s* (%s), request %s:", b.banner(), bot.EscapeMrkdwn(bot.TenantTag(r)),
		bot.EscapeMrkdwn(r.Target.DisplayName), bot.EscapeMrkdwn(r.Target.UPN), r.ID)
	facts := fmt.Sprintf("%s, %s, valid from %s until %s. %s", strings.ToUpper(usage[:1])+usage[1:], approvals.FormatMinutes(p.LifetimeMinutes),
		b.when(p.Start), b.when(end), bot.ApprovedBy(r, b.style()))
	steps := bot.SignInHint(func(s string) string { return "*" + s + "*" }) +
		"\n_Only you can see this message and Slack does not keep it: copy the pass now and hand it over by phone or in person._"
	msg := &slack.WebhookMessage{
		Text:         b.banner() + bot.EscapeMrkdwn(bot.TenantTag(r)) + fmt.Sprintf("Your Temporary Access Pass for %s is here (request %s).", bot.EscapeMrkdwn(r.Target.UPN), r.ID),
		ResponseType: slack.ResponseTypeEphemeral,
		Blocks: &slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(mrkdwn(head), nil, nil),
			slack.NewSectionBlock(mrkdwn("```"+bot.EscapeMrkdwn(p.Secret.Reveal())+"```"), nil, nil),
			slack.NewSectionBlock(mrkdwn(facts), nil, nil),
			slack.NewSectionBlock(mrkdwn(steps), nil, nil),
		}},
	}
	if url == "" {
		return approvals.Errorf(approvals.EUNAVAILABLE, "Slack sent the Show pass click without a response_url, so the pass could not be shown.")
	}
	if err := slack.PostWebhookCustomHTTPContext(ctx, url, b.http, msg); err != nil {
		return slackError("show the pass in answer to the click", err)
	}
	return nil
}
