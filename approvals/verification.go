package approvals

import (
	"fmt"
	"strings"
	"time"
)

// Audit event types of end-user verification (issue 15). The names are
// stored forever: never rename them. Each is appended with the request's
// state after it, like every event.
const (
	EventVerifyCallback     = "verify-callback"     // an approver ticked that they called the user back
	EventManagerAsked       = "manager-asked"       // the target's manager was asked in chat
	EventManagerConfirmed   = "manager-confirmed"   // the manager confirmed
	EventManagerRejected    = "manager-rejected"    // the manager rejected: the request ends denied
	EventManagerUnreachable = "manager-unreachable" // no manager could be asked: ends failed, or a callback stands in
	EventVerifiedIDStarted  = "verifiedid-started"  // a Verified ID presentation was started; its link went to the requester
	EventVerifiedIDOpened   = "verifiedid-opened"   // the user opened the link
	EventVerifiedIDVerified = "verifiedid-verified" // the credential is the target's and the Face Check matched
	EventVerifiedIDFailed   = "verifiedid-failed"   // the presentation could not start, failed, or did not match
	EventTargetNotified     = "target-notified"     // the target was told a pass exists for them
	EventTargetNotNotified  = "target-not-notified" // telling the target failed; the detail says why
)

// Verification is where a request's verification steps stand: each step
// the policy asked for when it was raised, and what came of it. Approvals
// are refused until the manager and Verified ID steps are satisfied, and
// the approval that ticks the callback records it (Service.ApproveVerified).
// Approvers see it on the card; it never holds a secret.
type Verification struct {
	Callback   *CallbackStep   `json:"callback,omitempty"`
	Manager    *ManagerStep    `json:"manager,omitempty"`
	VerifiedID *VerifiedIDStep `json:"verifiedId,omitempty"`
	// Risk says how the target's risk raised the approvals needed, e.g.
	// "riskLevel medium in Entra ID Protection: at least 2 approvals"; ""
	// when it did not.
	Risk string `json:"risk,omitempty"`
	// Notices are the notices sent to the target about their pass.
	Notices []TargetNoticeSent `json:"notices,omitempty"`
}

// CallbackStep is the callback: an approver called the user back on a
// number from the directory, not one the caller gave.
type CallbackStep struct {
	Required bool `json:"required"`
	// Fallback: the step stands in for the manager's confirmation, because
	// no manager could be asked.
	Fallback bool       `json:"fallback,omitempty"`
	By       *Principal `json:"by,omitempty"` // the approver who ticked it; nil: not yet
	At       time.Time  `json:"at,omitzero"`
	Note     string     `json:"note,omitempty"` // what they wrote, e.g. which number
}

// Done reports whether an approver ticked the callback.
func (c *CallbackStep) Done() bool { return c != nil && c.By != nil }

// ManagerState is where the manager's confirmation stands.
type ManagerState string

// The states of a manager step. Stored: never rename them.
const (
	ManagerNotAsked    ManagerState = ""            // the request is stored, the ask not yet sent
	ManagerAsked       ManagerState = "asked"       // waiting for Confirm or Reject
	ManagerConfirmed   ManagerState = "confirmed"   // the manager confirmed
	ManagerRejected    ManagerState = "rejected"    // the manager rejected; the request is denied
	ManagerUnreachable ManagerState = "unreachable" // nobody could be asked; Why says why
)

// ManagerStep is the target's manager confirming "this is my employee and
// they asked for it".
type ManagerStep struct {
	Required bool         `json:"required"`
	Manager  Person       `json:"manager"` // from the directory when the request was raised
	State    ManagerState `json:"state,omitempty"`
	// IfUnreachable is the policy's ManagerUnreachable when the request was
	// raised: what happens when nobody can be asked.
	IfUnreachable string `json:"ifUnreachable,omitempty"`
	// Fallback: the manager was unreachable and a callback stands in.
	Fallback bool `json:"fallback,omitempty"`
	// Asked is whom the front-end asked, on its platform, and Message where
	// the ask is, so that front-end can update it.
	Asked   *Principal `json:"asked,omitempty"`
	Message MessageRef `json:"message,omitzero"`
	By      *Principal `json:"by,omitempty"`  // who confirmed or rejected
	At      time.Time  `json:"at,omitzero"`   // when asked, then when decided
	Why     string     `json:"why,omitempty"` // why unreachable, a clause
}

// Done reports whether the step no longer holds the request back: the
// manager confirmed, or was unreachable and a callback stands in.
func (m *ManagerStep) Done() bool {
	return m == nil || !m.Required || m.State == ManagerConfirmed || (m.State == ManagerUnreachable && m.Fallback)
}

// VerifiedIDState is where a Verified ID presentation stands.
type VerifiedIDState string

// The states of a Verified ID step. Stored: never rename them.
const (
	VerifiedIDNotStarted VerifiedIDState = ""         // the request is stored, no presentation yet
	VerifiedIDStarted    VerifiedIDState = "started"  // the link went to the requester
	VerifiedIDOpened     VerifiedIDState = "opened"   // the user opened it
	VerifiedIDVerified   VerifiedIDState = "verified" // the target's credential, and the Face Check matched
	VerifiedIDFailed     VerifiedIDState = "failed"   // Failure says why; the requester may start it again
)

// VerifiedIDStep is the user proving who they are with their Verified
// Employee credential and a Face Check (Entra Verified ID).
type VerifiedIDStep struct {
	Required bool            `json:"required"`
	State    VerifiedIDState `json:"state,omitempty"`
	// StateKey names the current attempt: the SHA-256 of the state token
	// its callbacks carry. The token itself is kept nowhere.
	StateKey       string `json:"stateKey,omitempty"`
	PresentationID string `json:"presentationId,omitempty"` // the Request Service's requestId
	// URL is the link for the user. It is the requester's to send: cards
	// must not show it.
	URL       string    `json:"url,omitempty"`
	Expires   time.Time `json:"expires,omitzero"`  // when the link stops working
	Threshold int       `json:"threshold"`         // the Face Check score that matches
	Score     *float64  `json:"score,omitempty"`   // the Face Check score, once there is one
	Subject   string    `json:"subject,omitempty"` // whom the presented credential names
	Failure   string    `json:"failure,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
	At        time.Time `json:"at,omitzero"` // the last change
}

// Done reports whether the step no longer holds the request back.
func (v *VerifiedIDStep) Done() bool { return v == nil || !v.Required || v.State == VerifiedIDVerified }

// TargetNoticeSent records one way the target was told about their pass.
type TargetNoticeSent struct {
	Via   string    `json:"via"` // "mail" or a chat platform
	At    time.Time `json:"at"`
	Error string    `json:"error,omitempty"` // why it failed; "": sent
}

// Pending lists the steps that still hold the request back, in the order
// of Steps: StepCallback until an approver ticked it, StepManager until the
// manager confirmed, StepVerifiedID until the presentation is verified.
// nil when none does (or v is nil).
func (v *Verification) Pending() []string {
	if v == nil {
		return nil
	}
	var out []string
	if v.NeedsCallback() {
		out = append(out, StepCallback)
	}
	if !v.Manager.Done() {
		out = append(out, StepManager)
	}
	if !v.VerifiedID.Done() {
		out = append(out, StepVerifiedID)
	}
	return out
}

// NeedsCallback reports whether approving needs the callback tick: the
// step is required and no approver ticked it yet. A chat front-end then
// opens the approval as a form with the tick box.
func (v *Verification) NeedsCallback() bool {
	return v != nil && v.Callback != nil && v.Callback.Required && !v.Callback.Done()
}

// StepStatus is one verification step as a card shows it.
type StepStatus struct {
	Step   string // StepCallback, StepManager or StepVerifiedID
	Done   bool   // satisfied
	Failed bool   // ended unsatisfied: the request cannot be approved as it stands
	Text   string // e.g. "Face Check 87 % ≥ 70 ✓", plain text, not escaped for any markup
}

// Summary describes each step of v for a card, in the order of Steps; nil
// when v is nil.
func (v *Verification) Summary() []StepStatus {
	if v == nil {
		return nil
	}
	var out []StepStatus
	if c := v.Callback; c != nil {
		out = append(out, c.status())
	}
	if m := v.Manager; m != nil {
		out = append(out, m.status())
	}
	if id := v.VerifiedID; id != nil {
		out = append(out, id.status())
	}
	return out
}

func (c *CallbackStep) status() StepStatus {
	st := StepStatus{Step: StepCallback, Done: c.Done() || !c.Required}
	switch {
	case c.Done():
		st.Text = fmt.Sprintf("called back by %s at %s", nameOf(c.By), c.At.UTC().Format("15:04 MST"))
		if c.Note != "" {
			st.Text += ": " + c.Note
		}
	case c.Fallback:
		st.Text = "callback needed instead of the manager: the approver calls the user back on a directory number"
	default:
		st.Text = "callback needed: the approver calls the user back on a directory number"
	}
	return st
}

func (m *ManagerStep) status() StepStatus {
	st := StepStatus{Step: StepManager, Done: m.Done()}
	who := "manager " + personName(m.Manager)
	switch m.State {
	case ManagerNotAsked:
		st.Text = who + ": not asked yet"
	case ManagerAsked:
		st.Text = who + ": asked in " + platformName(m.Asked) + ", waiting for them to confirm"
	case ManagerConfirmed:
		st.Text = who + " confirmed"
	case ManagerRejected:
		st.Text, st.Failed = who+" rejected: they say the user did not ask for it", true
	case ManagerUnreachable:
		st.Text, st.Failed = "manager not asked: "+m.Why, !m.Fallback
		if m.Fallback {
			st.Text += "; a callback stands in"
		}
	}
	return st
}

func (v *VerifiedIDStep) status() StepStatus {
	st := StepStatus{Step: StepVerifiedID, Done: v.Done()}
	switch v.State {
	case VerifiedIDNotStarted:
		st.Text = "Verified ID: starting"
	case VerifiedIDStarted:
		st.Text = "Verified ID: link sent to the requester, not opened yet"
	case VerifiedIDOpened:
		st.Text = "Verified ID: link opened"
	case VerifiedIDVerified:
		st.Text = fmt.Sprintf("Face Check %s ≥ %d ✓", percent(v.Score), v.Threshold)
	case VerifiedIDFailed:
		st.Text, st.Failed = "Verified ID failed: "+v.Failure, true
	}
	return st
}

// percent is a Face Check score as cards show it: "87 %".
func percent(score *float64) string {
	if score == nil {
		return "?"
	}
	return fmt.Sprintf("%.0f %%", *score)
}

// personName is how a directory person is named in a sentence.
func personName(p Person) string {
	switch {
	case p.DisplayName != "":
		return p.DisplayName
	case p.UPN != "":
		return p.UPN
	case p.Mail != "":
		return p.Mail
	}
	return p.ID
}

// platformName names a principal's chat platform in a sentence.
func platformName(p *Principal) string {
	if p == nil {
		return "chat"
	}
	return platformTitle(p.Platform)
}

func platformTitle(platform string) string {
	switch platform {
	case "slack":
		return "Slack"
	case "teams":
		return "Teams"
	}
	return platform
}

// FactLine is one fact about the target as a card shows it.
type FactLine struct {
	Label   string // "Directory phones", "Manager", "Risk", "New sign-in methods"
	Text    string // plain text, not escaped for any markup
	Warning bool   // a warning sign, or a fact that could not be checked
}

// Lines describes the facts for approvers. A fact tapbot could not read is
// "not checked: <why>", never shown as fine.
func (f *TargetFacts) Lines() []FactLine {
	if f == nil {
		return nil
	}
	return []FactLine{f.phonesLine(), f.managerLine(), f.riskLine(), f.methodsLine()}
}

func unchecked(c Checked) string { return "not checked: " + c.Why }

func (f *TargetFacts) phonesLine() FactLine {
	l := FactLine{Label: "Directory phones"}
	var phones []string
	phones = append(phones, f.BusinessPhones...)
	if f.MobilePhone != "" {
		phones = append(phones, f.MobilePhone+" (mobile)")
	}
	switch {
	case !f.Phones.OK:
		l.Text, l.Warning = unchecked(f.Phones), true
	case len(phones) == 0:
		l.Text, l.Warning = "none in the directory", true
	default:
		l.Text = strings.Join(phones, ", ")
	}
	return l
}

func (f *TargetFacts) managerLine() FactLine {
	l := FactLine{Label: "Manager"}
	switch {
	case !f.ManagerRead.OK:
		l.Text, l.Warning = unchecked(f.ManagerRead), true
	case f.Manager == nil:
		l.Text = "none in the directory"
	default:
		l.Text = personName(*f.Manager)
		if f.Manager.UPN != "" && f.Manager.UPN != l.Text {
			l.Text += " (" + f.Manager.UPN + ")"
		}
	}
	return l
}

func (f *TargetFacts) riskLine() FactLine {
	l := FactLine{Label: "Risk"}
	r := f.Risk
	switch {
	case !r.OK:
		l.Text, l.Warning = unchecked(r.Checked), true
	case (r.Level == "" || strings.EqualFold(r.Level, "none")) && (r.State == "" || strings.EqualFold(r.State, "none")):
		l.Text = "none in Entra ID Protection"
	default:
		l.Text = fmt.Sprintf("riskLevel %s, riskState %s", orNone(r.Level), orNone(r.State))
		if r.Detail != "" && r.Detail != "none" {
			l.Text += " (" + r.Detail + ")"
		}
		l.Warning = !strings.EqualFold(r.State, "remediated") && !strings.EqualFold(r.State, "dismissed") && !strings.EqualFold(r.State, "confirmedSafe")
	}
	return l
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (f *TargetFacts) methodsLine() FactLine {
	m := f.Methods
	l := FactLine{Label: "New sign-in methods"}
	since := ""
	if !m.Since.IsZero() {
		since = " since " + m.Since.UTC().Format("2006-01-02")
	}
	switch {
	case !m.OK:
		l.Text, l.Warning = unchecked(m.Checked), true
	case len(m.Recent) == 0:
		l.Text = "none" + since
	default:
		var names []string
		for _, x := range m.Recent {
			n := x.Name
			if n == "" {
				n = x.Type
			}
			if x.Detail != "" {
				n += " (" + x.Detail + ")"
			}
			if !x.Created.IsZero() {
				n += " on " + x.Created.UTC().Format("2006-01-02")
			}
			names = append(names, n)
		}
		l.Text, l.Warning = strings.Join(names, "; ")+since, true
	}
	return l
}
