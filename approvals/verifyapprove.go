package approvals

import (
	"fmt"
	"strings"
	"time"
)

// maxCallbackNote bounds the note of a callback tick, in runes: it goes
// into the audit log and onto the card.
const maxCallbackNote = 200

// waitingFor refuses an approval of r while its manager or its Verified
// ID check holds it back: ECONFLICT saying what it waits for.
func waitingFor(r *Request) error {
	v := r.Verify
	if v == nil {
		return nil
	}
	if m := v.Manager; !m.Done() {
		if m.State == ManagerAsked {
			return Errorf(ECONFLICT, "Request %s waits for %s, the manager of %s, to confirm in %s; approve it once they have.", r.ID, personName(m.Manager), r.Target.UPN, platformName(m.Asked))
		}
		return Errorf(ECONFLICT, "Request %s is still asking %s, the manager of %s, to confirm; approve it once they have.", r.ID, personName(m.Manager), r.Target.UPN)
	}
	if id := v.VerifiedID; !id.Done() {
		if id.State == VerifiedIDFailed {
			return Errorf(ECONFLICT, "The Verified ID check of %s failed (%s): nobody can approve the request as it stands. The requester can start the check again, or you can deny it.", r.ID, id.Failure)
		}
		return Errorf(ECONFLICT, "The Face Check of %s is not verified yet (%s): %s has to open the link, share their Verified Employee card and pass the Face Check before anyone can approve.", r.ID, verifiedIDProgress(id), r.Target.UPN)
	}
	return nil
}

// verifiedIDProgress is where a running check stands, in a few words.
func verifiedIDProgress(v *VerifiedIDStep) string {
	switch v.State {
	case VerifiedIDStarted:
		return "link sent, not opened yet"
	case VerifiedIDOpened:
		return "link opened"
	}
	return "starting"
}

// tickCallback records by's callback tick on r, inside the approval's
// transaction, and returns its audit event. Without a tick it refuses the
// approval (EINVALID) when the callback step still needs one.
func tickCallback(r *Request, by Principal, now time.Time, cb Callback) ([]Event, error) {
	if !cb.Called {
		if r.Verify.NeedsCallback() {
			return nil, Errorf(EINVALID, "Tick “I called the user back on a directory number” to approve %s: call %s back on a number from the directory (the card lists them), never on one the caller gave you.", r.ID, r.Target.UPN)
		}
		return nil, nil
	}
	note := callbackNote(cb.Note)
	if r.Verify == nil {
		r.Verify = &Verification{}
	}
	if r.Verify.Callback == nil {
		r.Verify.Callback = &CallbackStep{}
	}
	if c := r.Verify.Callback; !c.Done() {
		c.By, c.At, c.Note = &by, now, note
	}
	detail := "called back on a directory number"
	if note != "" {
		detail += ": " + note
	}
	return []Event{eventFor(EventVerifyCallback, r, by, now, detail)}, nil
}

// callbackNote is an approver's note on one line, at most maxCallbackNote
// runes.
func callbackNote(note string) string {
	note = strings.Join(strings.Fields(note), " ")
	if r := []rune(note); len(r) > maxCallbackNote {
		note = string(r[:maxCallbackNote]) + "…"
	}
	return note
}

// verifyDetail adds to the raised event what the verification of r set
// up: its steps and why its risk needs more approvals.
func verifyDetail(r *Request) string {
	v := r.Verify
	if v == nil {
		return ""
	}
	var parts []string
	if steps := v.stepNames(); len(steps) > 0 {
		parts = append(parts, "verify: "+strings.Join(steps, ", "))
	}
	if m := v.Manager; m != nil && m.State == ManagerUnreachable {
		parts = append(parts, "manager not asked: "+m.Why+"; a callback stands in")
	}
	if v.Risk != "" {
		parts = append(parts, v.Risk)
	}
	return strings.Join(parts, "; ")
}

// stepNames are the required steps of v, in the order of Steps.
func (v *Verification) stepNames() []string {
	var out []string
	if v.Callback != nil && v.Callback.Required {
		out = append(out, StepCallback)
	}
	if v.Manager != nil && v.Manager.Required {
		out = append(out, StepManager)
	}
	if v.VerifiedID != nil && v.VerifiedID.Required {
		out = append(out, StepVerifiedID)
	}
	return out
}

// joinDetail joins two parts of an audit detail that may be empty.
func joinDetail(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return fmt.Sprintf("%s; %s", a, b)
}
