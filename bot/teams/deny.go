package teams

import (
	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// denyReasonInput is the id of the reason input under Deny.
const denyReasonInput = "reason"

// denyAction is the card's Deny button: an Action.ShowCard that opens a
// reason input under the card and the Deny that sends it, so an approver
// says why in the same tap. The input is required when the request's
// policy wants a reason for a denial; Teams then does not send it empty,
// and the service refuses an empty one all the same.
func (b *Bot) denyAction(r *approvals.Request) object {
	required := b.svc != nil && b.svc.DenyReasonRequired(r)
	label := "Reason (optional)"
	if required {
		label = "Reason (required)"
	}
	input := object{
		"type": "Input.Text", "id": denyReasonInput, "label": label, "isMultiline": true,
		"maxLength": maxDenyReason, "placeholder": "Why is this pass refused?",
	}
	if required {
		input["isRequired"], input["errorMessage"] = true, "Say why the pass is refused."
	}
	return object{
		"type": "Action.ShowCard", "title": "Deny", "style": "destructive",
		"card": object{
			"type": "AdaptiveCard", "body": []any{input},
			"actions": []any{submit("Deny", actionDeny, r.ID, "destructive")},
		},
	}
}

// maxDenyReason caps a denial's reason as the typed grammar caps reasons.
const maxDenyReason = bot.MaxReasonLen

// submittedReason is the reason typed under Deny, "" when none.
func submittedReason(act schema.Activity) string {
	reason, _ := act.Value[denyReasonInput].(string)
	return reason
}
