package teams

import (
	"context"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/bot"
)

// tellVerifiedIDLink hands the requester the Verified ID link in a card:
// the notice text, the link alone and verbatim (to copy and send to the
// user), and a button that opens it.
func (b *Bot) tellVerifiedIDLink(ctx context.Context, ref schema.ConversationReference, text, link string) error {
	card := adaptiveCard(append(b.cardBanner(), textBlock(text), linkText(link)),
		object{"type": "Action.OpenUrl", "title": bot.VerifiedIDButton, "url": link})
	return b.send(ctx, ref, "", card)
}

// linkText shows a link exactly as it is, monospaced: a TextRun reads no
// markdown, so nothing in it is escaped or taken for markup.
func linkText(link string) object {
	return object{"type": "RichTextBlock", "inlines": []any{object{"type": "TextRun", "text": link, "fontType": "Monospace"}}}
}
