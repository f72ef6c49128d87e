package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

var _ approvals.Reminder = (*Bot)(nil)

// Remind re-announces pending request r in its card's thread, mentioning
// the configured people and user groups (mentions, as policy keys) so
// their phones ring; keys of other platforms and Entra groups are left
// out. Returns EUNAVAILABLE when Slack refuses the post.
func (b *Bot) Remind(ctx context.Context, r *approvals.Request, mentions []string) error {
	text := b.banner() + reminderText(r, mentions, b.style())
	_, _, err := b.api.PostMessageContext(ctx, r.Card.Channel,
		slack.MsgOptionText(text, false), slack.MsgOptionTS(r.Card.ID))
	if err != nil {
		return slackError("post the reminder in the card's thread", err)
	}
	return nil
}

// reminderText is the reminder of r: who is mentioned, whose request it
// is, for whom, and when it expires.
func reminderText(r *approvals.Request, mentions []string, st bot.Style) string {
	var who []string
	for _, key := range mentions {
		if m := approverMention(key); m != "" {
			who = append(who, m)
		}
	}
	text := fmt.Sprintf(":bell: Reminder: request %s from %s for %s (%s) still waits for approval. It expires %s; approve or deny it on the card above.",
		r.ID, st.Person(r.Requester), st.Bold(st.Escape(r.Target.DisplayName)), bot.Whom(r, st), st.When(r.ExpiresAt))
	if len(who) == 0 {
		return text
	}
	return strings.Join(who, " ") + " " + text
}
