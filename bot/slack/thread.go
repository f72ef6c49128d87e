package slack

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

var _ approvals.Threader = (*Bot)(nil)

// Decided records a decision on r as a reply in its card's thread, so the
// approval channel keeps a readable trail of who did what when. Returns
// EUNAVAILABLE with Slack's error.
func (b *Bot) Decided(ctx context.Context, r *approvals.Request, event string) error {
	text := bot.ThreadLine(r, event, b.style())
	if text == "" {
		return nil
	}
	text = b.banner() + bot.EscapeMrkdwn(bot.TenantTag(r)) + text
	if _, _, err := b.api.PostMessageContext(ctx, r.Card.Channel, slack.MsgOptionText(text, false), slack.MsgOptionTS(r.Card.ID)); err != nil {
		return slackError("reply in the approval card's thread", err)
	}
	return nil
}
