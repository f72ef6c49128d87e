package teams

import (
	"context"
	"fmt"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

var _ approvals.Reminder = (*Bot)(nil)

// Remind re-announces pending request r to the approvers: as a reply to
// its card in a channel, or after it in a group chat, which has no
// threads. Teams mentions need each person's account in the message, so
// the configured mentions (Slack ids and groups) are not written here.
// Returns EUNAVAILABLE when Teams refuses.
func (b *Bot) Remind(ctx context.Context, r *approvals.Request, _ []string) error {
	ref, err := b.conversationRef(r.Card.Channel)
	if err != nil {
		return err
	}
	if ref.Conversation.ConversationType == "channel" {
		ref.Conversation.ID = r.Card.Channel + ";messageid=" + r.Card.ID
	}
	st := b.style()
	text := fmt.Sprintf("%s Reminder: request %s from %s for %s (%s) still waits for approval. It expires %s; approve or deny it on the card.",
		"🔔", r.ID, st.Person(r.Requester), st.Bold(md(r.Target.DisplayName)), bot.Whom(r, st), st.When(r.ExpiresAt))
	return b.send(ctx, ref, b.banner()+text)
}
