package slack

import (
	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// reissueButton is the label of the button on a notice that a pass was
// revoked because it could not be delivered.
const reissueButton = "Re-issue the pass"

// reissueStep is what to add to the requester's notice n: when it says the
// pass was revoked after a failed delivery, " " and how to get a new one
// with the re-issue button, which the notice then carries; "" for every
// other notice, including a revoke by an approver, which ends re-issue.
func (b *Bot) reissueStep(n approvals.Notice) string {
	if n.Kind != approvals.EventRevoked {
		return ""
	}
	if step := bot.ReissueAfterFix(n.Request, reissueButton, b.style()); step != "" {
		return " " + step
	}
	return ""
}
