package teams

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/core/activity"
	"github.com/infracloudio/msbotbuilder-go/schema"
)

// HandleActivity acts on an activity already authenticated (Handler does
// that, and refuses other channels, replays and other tenants): it
// remembers how to reach its sender and conversation, then runs the
// command typed, the button pressed or the welcome of an installation in
// the background (through the service's Go), so that Teams gets its answer
// at once.
func (b *Bot) HandleActivity(act schema.Activity) {
	b.remember(act)
	switch act.Type {
	case schema.Message:
		if len(act.Value) > 0 {
			b.handleSubmit(act)
			return
		}
		b.handleText(act)
	case schema.ConversationUpdate, schema.InstallationUpdate:
		b.handleInstall(act)
	}
}

// handleInstall welcomes a user who added the bot for themselves, once per
// 1:1 chat: the chat it opens is where their passes will arrive. remember
// has stored that chat already; a user Teams names no Entra id for cannot
// be remembered, so is not welcomed.
func (b *Bot) handleInstall(act schema.Activity) {
	if act.Conversation.ConversationType != conversationTypePersonal || !botAdded(act) || act.From.AadObjectID == "" {
		return
	}
	first, err := b.firstWelcome(act.From.AadObjectID, act.Conversation.ID)
	if err != nil {
		b.log.Warn("teams welcome not sent: cannot tell whether it was", "user", act.From.AadObjectID, "err", err)
		return
	}
	if !first {
		return
	}
	ref := activityRef(act)
	ref.ActivityID = ""
	name := act.From.Name
	b.svc.Go(func(ctx context.Context) {
		b.say(ctx, ref, fmt.Sprintf("%s👋 Hi %s, I'm tapbot. I hand out Microsoft Entra Temporary Access Passes once a second technician approves them, and the passes arrive here, in this chat. Type **help** to see how.",
			b.banner(), md(name)))
	})
}

// botAdded reports whether act announces that the bot was added.
func botAdded(act schema.Activity) bool {
	if act.Type == schema.InstallationUpdate {
		return act.Action == "add"
	}
	for _, m := range act.MembersAdded {
		if m.ID == act.Recipient.ID {
			return true
		}
	}
	return false
}

// markdown marks an outgoing message as Teams markdown.
func markdown(a *schema.Activity) error {
	a.TextFormat = schema.MARKDOWN
	return nil
}

// say sends a markdown message, with optional cards, into the conversation
// of ref (threaded under ref.ActivityID when set) through the library's
// adapter. Failures are logged: whoever should have read it cannot be told
// anyway.
func (b *Bot) say(ctx context.Context, ref schema.ConversationReference, text string, cards ...schema.Attachment) {
	if err := b.send(ctx, ref, text, cards...); err != nil {
		b.log.Warn("teams message not sent", "conversation", ref.Conversation.ID, "err", err)
	}
}

// send is say that returns the error.
func (b *Bot) send(ctx context.Context, ref schema.ConversationReference, text string, cards ...schema.Attachment) error {
	handler := activity.HandlerFuncs{OnMessageFunc: func(turn *activity.TurnContext) (schema.Activity, error) {
		return turn.SendActivity(activity.MsgOptionText(text), activity.MsgOptionAttachments(cards), markdown)
	}}
	if err := b.adapter.ProactiveMessage(ctx, ref, handler); err != nil {
		return teamsError("send a message", err)
	}
	return nil
}

// outgoing builds a message from the bot into the conversation of ref.
func outgoing(ref schema.ConversationReference, summary string, cards ...schema.Attachment) schema.Activity {
	a := schema.Activity{Type: schema.Message, Summary: summary, Attachments: cards}
	return activity.ApplyConversationReference(a, ref, false)
}

// tellUser answers the sender of act privately when the bot has a 1:1 chat
// with them, and else in the thread of act.
func (b *Bot) tellUser(ctx context.Context, act schema.Activity, text string) {
	ref, ok, err := b.personalRef(act.From.AadObjectID)
	if err != nil || !ok {
		ref = activityRef(act)
	}
	b.say(ctx, ref, text)
}

// mentionTag matches a Teams mention, <at>Name</at>.
var mentionTag = regexp.MustCompile(`(?is)<at(?:\s[^>]*)?>(.*?)</at\s*>`)

// commandText is the command in a message: the leading @mentions (of the
// bot) are dropped, other mentions become the names they show, and Teams'
// non-breaking spaces become spaces.
func commandText(text string) string {
	text = strings.ReplaceAll(text, "&nbsp;", " ")
	for {
		t := strings.TrimSpace(text)
		loc := mentionTag.FindStringIndex(t)
		if loc == nil || loc[0] != 0 {
			break
		}
		text = t[loc[1]:]
	}
	return mentionTag.ReplaceAllString(text, "$1")
}
