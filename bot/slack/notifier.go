package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

var _ approvals.Notifier = (*Bot)(nil)

// PostCard posts the approval card to the approval channel. Returns
// EUNAVAILABLE with Slack's error (channel_not_found, not_in_channel, …).
func (b *Bot) PostCard(ctx context.Context, r *approvals.Request) (approvals.MessageRef, error) {
	channel, ts, err := b.api.PostMessageContext(ctx, b.cfg.approvalChannel(r),
		slack.MsgOptionText(b.cardFallback(r), false), slack.MsgOptionBlocks(b.card(r)...))
	if err != nil {
		return approvals.MessageRef{}, slackError("post the approval card", err)
	}
	return approvals.MessageRef{Platform: Platform, Channel: channel, ID: ts}, nil
}

// UpdateCard redraws the card in place.
func (b *Bot) UpdateCard(ctx context.Context, r *approvals.Request) error {
	_, _, _, err := b.api.UpdateMessageContext(ctx, r.Card.Channel, r.Card.ID,
		slack.MsgOptionText(b.cardFallback(r), false), slack.MsgOptionBlocks(b.card(r)...))
	if err != nil {
		return slackError("update the approval card", err)
	}
	return nil
}

// cardFallback is the notification text of the card (phones show it), so
// in sandbox mode it opens with the banner too.
func (b *Bot) cardFallback(r *approvals.Request) string {
	return b.banner() + bot.Summary(r, b.style())
}

// TellRequester writes to the requester in their DM with the bot.
func (b *Bot) TellRequester(ctx context.Context, n approvals.Notice) error {
	step := b.reissueStep(n)
	text := b.banner() + bot.EscapeMrkdwn(bot.TenantTag(n.Request)+n.Text) + step
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if n.Kind == approvals.EventExpired && n.Request.State == approvals.StateExpired {
		opts = append(opts, expiryBlocks(text, n.Request)) // askagain.go
	}
	if link := bot.VerifiedIDLink(n); link != "" {
		opts = append(opts, verifiedIDBlocks(text, n.Request.ID, link)) // verifiedid.go
	}
	if step != "" {
		opts = append(opts, slack.MsgOptionBlocks(
			slack.NewSectionBlock(mrkdwn(text), nil, nil),
			slack.NewActionBlock("reissue", slack.NewButtonBlockElement(actionReissue, n.Request.ID, plain(reissueButton)))))
	}
	return b.inDM(ctx, n.Request.Requester.ID, "message the requester", func(dm string) error {
		_, _, err := b.api.PostMessageContext(ctx, dm, opts...)
		return err
	})
}

// DeliverPass shows the pass to the requester alone: an ephemeral message in
// their DM with the bot, which Slack does not keep in history. The pass sits
// in a code block so a phone can long-press copy it. The message names the
// approvers: it is the first the requester hears of the approval. With the
// DM channel remembered, delivery is one Slack call.
func (b *Bot) DeliverPass(ctx context.Context, r *approvals.Request, p approvals.Pass) error {
	end := p.Start.Add(minutes(p.LifetimeMinutes))
	text := fmt.Sprintf("%s%s:key: Temporary Access Pass for *%s* (%s), request %s:\n```%s```\n%s, %s, valid from %s until %s. %s\n%s\n_Only you can see this message and Slack does not keep it: copy the pass now and hand it over by phone or in person._",
		b.banner(), bot.EscapeMrkdwn(bot.TenantTag(r)), bot.EscapeMrkdwn(r.Target.DisplayName), bot.EscapeMrkdwn(r.Target.UPN), r.ID,
		bot.EscapeMrkdwn(p.Secret.Reveal()),
		strings.ToUpper(bot.UsageWord(p.UsableOnce)[:1])+bot.UsageWord(p.UsableOnce)[1:], approvals.FormatMinutes(p.LifetimeMinutes),
		b.when(p.Start), b.when(end), bot.ApprovedBy(r, b.style()),
		bot.SignInHint(func(s string) string { return "*" + s + "*" }))
	// The fallback text, which phones show in notifications, never holds
	// the pass; the blocks do.
	fallback := b.banner() + bot.EscapeMrkdwn(bot.TenantTag(r)) + fmt.Sprintf("Your Temporary Access Pass for %s is here (request %s).", bot.EscapeMrkdwn(r.Target.UPN), r.ID)
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(text), nil, nil),
		slack.NewActionBlock("reissue", slack.NewButtonBlockElement(actionReissue, r.ID, plain("Lost it? Re-issue"))),
	}
	return b.inDM(ctx, r.Requester.ID, "deliver the pass", func(dm string) error {
		_, err := b.api.PostEphemeralContext(ctx, dm, r.Requester.ID, slack.MsgOptionText(fallback, false), slack.MsgOptionBlocks(blocks...))
		return err
	})
}

// slackError wraps a Web API failure as EUNAVAILABLE with what to fix and
// Slack's own code, which is what an operator searches for (slackAdvice).
// It lands in failure reasons and on cards.
func slackError(what string, err error) error {
	return &approvals.Error{Code: approvals.EUNAVAILABLE, Err: err,
		Message: fmt.Sprintf("Slack refused to %s: %s", what, slackAdvice(err))}
}
