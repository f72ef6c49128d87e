package slack

import (
	"context"

	"github.com/slack-go/slack"
)

// viewSubmissions answer the submission of tapbot's modals, by their
// callback_id.
var viewSubmissions = map[string]func(b *Bot, cb slack.InteractionCallback) *slack.ViewSubmissionResponse{
	denyCallback: (*Bot).submitDenyReason,
}

// HandleViewSubmission answers a modal's submission: nil closes the modal;
// a response with errors shows them under the fields and keeps it open.
// Slack waits for the answer (3 seconds at most), so whatever takes longer
// runs afterwards. A modal tapbot does not know closes.
func (b *Bot) HandleViewSubmission(_ context.Context, cb slack.InteractionCallback) *slack.ViewSubmissionResponse {
	if f := viewSubmissions[cb.View.CallbackID]; f != nil {
		return f(b, cb)
	}
	return nil
}
