package bot

import (
	"cmp"
	"fmt"

	"github.com/tapbot/tapbot/approvals"
)

// The callback form an approver fills in when approving a request that
// needs a callback (Service.NeedsCallback), on both platforms.
const (
	CallbackTitle = "Approve after a callback"
	// CallbackTick is the box the approver must tick.
	CallbackTick = "I called the user back on a directory number"
	// CallbackNoteLabel names the optional note beside it.
	CallbackNoteLabel = "Which number / notes"
	// CallbackNoteHint shows what a note looks like.
	CallbackNoteHint = "e.g. office number, spoke to Alice, she is setting up her new phone"
	// CallbackUnticked answers an approval sent without the tick.
	CallbackUnticked = "Tick “" + CallbackTick + "” once you have called the user back on a number from the directory, never on one the caller gave you. Nothing was approved."
	// MaxCallbackNote caps the note; the service shortens a longer one.
	MaxCallbackNote = 200
)

// CallbackAsk is what the callback form says above its box: whom to call,
// and on which numbers, escaped for st (phone as in VerifyLines).
func CallbackAsk(r *approvals.Request, st Style, phone Phone) string {
	call := fmt.Sprintf("Before you approve, call %s back on a number from the directory, never on one the caller gave you, and make sure it is them.",
		st.bold(st.Escape(cmp.Or(r.Target.DisplayName, r.Target.UPN))))
	if r.Facts == nil {
		return call
	}
	return st.Paragraphs(call, phonesLine(r.Facts, st, phone))
}

// The manager's confirmation (the manager step), asked in the manager's
// own chat with tapbot.
const (
	ManagerConfirmButton = "Yes, this is my employee and they asked for it"
	ManagerRejectButton  = "No, they did not ask for it"
)

// ManagerAsk is what tapbot asks the target's manager: who asks for a
// pass for whom and why, and what Confirm means. requester is the
// requester as the manager's platform names them, already escaped.
func ManagerAsk(r *approvals.Request, requester string, st Style) string {
	name := st.Escape(cmp.Or(r.Target.DisplayName, r.Target.UPN))
	reason := "no reason given"
	if r.Reason != "" {
		reason = "“" + st.Escape(r.Reason) + "”"
	}
	return st.Paragraphs(
		fmt.Sprintf("%s%s asks for a Temporary Access Pass for %s (%s), request %s, because: %s.",
			st.Escape(TenantTag(r)), requester, st.bold(name), st.Escape(r.Target.UPN), r.ID, reason),
		fmt.Sprintf("Entra ID names you as the manager of %s. A pass lets its holder sign in as them without their password or MFA, so tapbot asks you first: did %s ask for it themselves? If you are not sure, reject it; a caller pretending to be your employee is exactly what this check stops.", name, name),
	)
}

// ManagerAnswered is the manager's message once they answered: what they
// said, and what happens next.
func ManagerAnswered(r *approvals.Request, confirm bool, st Style) string {
	name := st.Escape(cmp.Or(r.Target.DisplayName, r.Target.UPN))
	if confirm {
		return fmt.Sprintf("%s You confirmed that %s asked for a Temporary Access Pass (request %s). Approvers can now approve it; nothing else is needed from you.",
			st.icon(IconCheck), name, r.ID)
	}
	return fmt.Sprintf("%s You rejected request %s: %s did not ask for a pass. The request is closed and no pass was created; the helpdesk will treat the call as suspicious.",
		st.icon(IconNoEntrySign), r.ID, name)
}

// ManagerTooLate is the manager's message when their answer changed
// nothing: the refusal, e.g. that they already answered or the request is
// closed.
func ManagerTooLate(r *approvals.Request, err error, st Style) string {
	return st.Paragraphs(fmt.Sprintf("Request %s for %s is no longer waiting for you.", r.ID, st.Escape(r.Target.UPN)), Refusal(err, st))
}

// VerifiedIDButton opens the Verified ID link in the requester's message.
const VerifiedIDButton = "Open the Verified ID link"

// VerifiedIDLink returns the link of r's Verified ID check when n is the
// notice that hands it to the requester, else "".
func VerifiedIDLink(n approvals.Notice) string {
	if n.Kind != approvals.EventVerifiedIDStarted || n.Request == nil || n.Request.Verify == nil || n.Request.Verify.VerifiedID == nil {
		return ""
	}
	return n.Request.Verify.VerifiedID.URL
}
