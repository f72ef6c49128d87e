package slack

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// actionAskAgain is the button on an expiry notice that raises the
// expired request again; its value is the expired request's id.
const actionAskAgain = "tap_ask_again"

// askAgainButton is its label.
const askAgainButton = "Ask again"

// expiryBlocks are the blocks of the expiry notice text: the text and an
// Ask again button.
func expiryBlocks(text string, r *approvals.Request) slack.MsgOption {
	return slack.MsgOptionBlocks(
		slack.NewSectionBlock(mrkdwn(text+" Press *"+askAgainButton+"* to raise the same request again."), nil, nil),
		slack.NewActionBlock("expired", slack.NewButtonBlockElement(actionAskAgain, r.ID, plain(askAgainButton))))
}

// askAgain raises request id again for who, through every check of a new
// request, and returns the receipt (with its Cancel button) or why it was
// not raised, in the words of a typed request's refusal.
func (b *Bot) askAgain(ctx context.Context, id string, who approvals.Principal) *slack.WebhookMessage {
	st := b.style()
	r, err := b.svc.AskAgain(ctx, id, who)
	if err != nil {
		if old, gerr := b.svc.Store().Get(id); gerr == nil && approvals.ErrorCode(err) != approvals.EFORBIDDEN {
			return b.reply(bot.NotRaised(old.Target.UPN, err, st))
		}
		return b.reply(bot.Refusal(err, st))
	}
	b.warmDM(ctx, who.ID)
	return b.receipt(r)
}

// receipt tells the requester that r waits for approval, with a button to
// cancel it.
func (b *Bot) receipt(r *approvals.Request) *slack.WebhookMessage {
	text := b.banner() + bot.Waiting(r, "<#"+b.cfg.approvalChannel(r)+">", b.style())
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(text), nil, nil),
		slack.NewActionBlock("requester", slack.NewButtonBlockElement(actionCancel, r.ID, plain("Cancel request"))),
	}
	return &slack.WebhookMessage{Text: text, Blocks: &slack.Blocks{BlockSet: blocks}}
}
