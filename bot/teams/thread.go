package teams

import (
	"context"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

var _ approvals.Threader = (*Bot)(nil)

// Decided records a decision on r as a reply in its card's thread when the
// card is in a channel, so the channel keeps a readable trail of who did
// what when. A group chat has no threads; the card there says it all.
// Returns EUNAVAILABLE when Teams refuses.
func (b *Bot) Decided(ctx context.Context, r *approvals.Request, event string) error {
	text := bot.ThreadLine(r, event, b.style())
	if text == "" {
		return nil
	}
	ref, err := b.conversationRef(r.Card.Channel)
	if err != nil {
		return err
	}
	if ref.Conversation.ConversationType != "channel" {
		return nil
	}
	ref.Conversation.ID = r.Card.Channel + ";messageid=" + r.Card.ID
	return b.send(ctx, ref, b.banner()+md(bot.TenantTag(r))+text)
}
