package teams

import (
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// The ids of the callback inputs under Approve, on a card whose request
// needs a callback.
const (
	inputCalled       = "tap_called"
	inputCallbackNote = "tap_callback_note"
)

// teamsPhone links a directory number so that a phone dials it.
func teamsPhone(shown, dial string) string {
	if dial == "" {
		return shown
	}
	return "[" + shown + "](" + dial + ")"
}

// verifyBody is the approval card's "Verify the caller" section, for
// approvers only; none when r carries neither facts nor steps.
func (b *Bot) verifyBody(r *approvals.Request) []any {
	st := b.style()
	lines := bot.VerifyLines(r, st, teamsPhone)
	if len(lines) == 0 {
		return nil
	}
	return []any{
		textBlock("**"+bot.VerifyHeading+"**", "spacing", "Medium", "separator", true),
		textBlock(st.List(lines)),
	}
}

// approveAction is the card's Approve button. For a request that needs
// the callback tick it is an Action.ShowCard opening, under the card, the
// tick box (required: Teams sends nothing until it is ticked), a note and
// the Approve that sends them; the service refuses an approval without
// the tick all the same.
func (b *Bot) approveAction(r *approvals.Request) object {
	if !r.Verify.NeedsCallback() {
		return submit("Approve", actionApprove, r.ID, "positive")
	}
	return object{
		"type": "Action.ShowCard", "title": "Approve", "style": "positive",
		"card": object{
			"type": "AdaptiveCard",
			"body": []any{
				textBlock(bot.CallbackAsk(r, b.style(), teamsPhone)),
				object{
					"type": "Input.Toggle", "id": inputCalled, "title": bot.CallbackTick, "wrap": true,
					"valueOn": "true", "valueOff": "false", "value": "false",
					"isRequired": true, "errorMessage": bot.CallbackUnticked,
				},
				object{
					"type": "Input.Text", "id": inputCallbackNote, "label": bot.CallbackNoteLabel,
					"placeholder": bot.CallbackNoteHint, "maxLength": bot.MaxCallbackNote,
				},
			},
			"actions": []any{submit("Approve", actionApprove, r.ID, "positive")},
		},
	}
}

// submittedCallback is what an Approve says of the callback step: nil
// when it came from a card without the tick box, else whether it was
// ticked and the note.
func submittedCallback(act schema.Activity) *approvals.Callback {
	called, ok := act.Value[inputCalled].(string)
	if !ok {
		return nil
	}
	note, _ := act.Value[inputCallbackNote].(string)
	return &approvals.Callback{Called: called == "true", Note: strings.TrimSpace(note)}
}
