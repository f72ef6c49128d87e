package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// Style is how a chat platform writes the parts of a shared message: a
// person (a Slack mention, a Teams display name), a time (Slack renders
// dates in each reader's zone; Teams gets a fixed zone), user-supplied
// text (escaped for the platform's markup), and the little markup the
// replies use. A zero markup field writes plain text.
type Style struct {
	Person func(approvals.Principal) string
	When   func(time.Time) string
	Escape func(string) string
	// Bold marks text bold: "*"+s+"*" in Slack mrkdwn, "**"+s+"**" in
	// Teams markdown.
	Bold func(string) string
	// Bullet opens each item of a list: "• " on Slack, "- " in Teams.
	Bullet string
	// Break ends a paragraph or a list item: "\n" on Slack; Teams joins
	// single line breaks, so "\n\n" there. Empty means "\n".
	Break string
	// Emoji draws an icon: Icon.Shortcode on Slack, Icon.Unicode (also
	// what nil means) in Teams.
	Emoji func(Icon) string
	// Command writes a /tap command line the way the platform's users type
	// it; Teams has no slash commands, so "tap …" there. Nil leaves "/tap".
	Command func(string) string
	// Approver names a configured approver or approver group by its key
	// ("slack:U0123", "slack-group:S0123", "entra-group:…"), as the
	// platform mentions it, or "" when it cannot name it (a person of
	// another platform). Nil names none; lists then count them.
	Approver func(key string) string
}

// Paragraphs joins parts into paragraphs.
func (st Style) Paragraphs(parts ...string) string { return strings.Join(parts, st.lineBreak()) }

// List writes items as a bulleted list, one item a line.
func (st Style) List(items []string) string {
	lines := make([]string, len(items))
	for i, item := range items {
		lines[i] = st.Bullet + item
	}
	return strings.Join(lines, st.lineBreak())
}

func (st Style) lineBreak() string {
	if st.Break == "" {
		return "\n"
	}
	return st.Break
}

func (st Style) bold(s string) string {
	if st.Bold == nil {
		return s
	}
	return st.Bold(s)
}

func (st Style) icon(i Icon) string {
	if st.Emoji == nil {
		return i.Unicode()
	}
	return st.Emoji(i)
}

func (st Style) approver(key string) string {
	if st.Approver == nil {
		return ""
	}
	return st.Approver(key)
}

func (st Style) command(s string) string {
	if st.Command == nil {
		return s
	}
	return st.Command(s)
}

// StatusLine says where a request is and who moved it there, for the
// approval card. It never mentions the pass itself.
func StatusLine(r *approvals.Request, st Style) string {
	approvedBy := func() string {
		parts := make([]string, len(r.Approvals))
		for i, a := range r.Approvals {
			parts[i] = fmt.Sprintf("%s %s", st.Person(a.By), st.When(a.At))
		}
		return strings.Join(parts, ", ")
	}
	decider := "someone"
	if r.DecidedBy != nil {
		decider = st.Person(*r.DecidedBy)
	}
	switch r.State {
	case approvals.StatePending:
		line := fmt.Sprintf("⏳ Waiting for approval; expires %s.", st.When(r.ExpiresAt))
		if len(r.Approvals) > 0 {
			line += " Approved so far by " + approvedBy() + "."
		}
		return line
	case approvals.StateApproved, approvals.StateIssuing:
		return "✅ Approved by " + approvedBy() + ". Creating the pass…"
	case approvals.StateIssued:
		return "✅ Approved by " + approvedBy() + ". 🔑 Pass issued; delivering it privately…"
	case approvals.StateDelivered:
		line := fmt.Sprintf("✅ Approved by %s. 🔑 Issued and delivered privately to %s %s; valid until %s.",
			approvedBy(), st.Person(r.Requester), st.When(r.UpdatedAt), st.When(r.PassEnd))
		if r.Reissues > 0 {
			line += fmt.Sprintf(" Re-issued %d time(s) at the requester's request; each new pass replaced the last.", r.Reissues)
		}
		return line
	case approvals.StateDenied:
		line := fmt.Sprintf("❌ Denied by %s %s.", decider, st.When(r.UpdatedAt))
		if r.DecisionReason != "" {
			line += " Reason: " + Clip(r.DecisionReason, MaxShownReason, st.Escape)
		}
		return line
	case approvals.StateCancelled:
		return fmt.Sprintf("↩️ Cancelled by the requester %s.", st.When(r.UpdatedAt))
	case approvals.StateExpired:
		return fmt.Sprintf("⏰ Expired %s without a decision.", st.When(r.ExpiresAt))
	case approvals.StateFailed:
		return "⚠️ Failed: " + Clip(r.FailureReason, MaxShownReason, st.Escape)
	case approvals.StateRevoked:
		return "🗑️ Pass revoked: " + Clip(r.FailureReason, MaxShownReason, st.Escape)
	}
	return string(r.State)
}

// ApprovedBy names who approved r, for the pass message: the requester
// learns of the approval from the pass itself. "" before anyone approved.
func ApprovedBy(r *approvals.Request, st Style) string {
	if len(r.Approvals) == 0 {
		return ""
	}
	names := make([]string, len(r.Approvals))
	for i, a := range r.Approvals {
		names[i] = st.Person(a.By)
	}
	return "Approved by " + strings.Join(names, ", ") + "."
}

// Fact is one labelled value of an approval card.
type Fact struct{ Label, Value string }

// MaxHeadlineReason is the most characters of a reason the card's third
// line shows: a phone shows three short lines above the fold, and a longer
// reason follows in full below them.
const MaxHeadlineReason = 120

// CardLines are the first three lines of an approval card, which a phone
// shows without scrolling: who asks for whom (and in which tenant, in MSP
// mode), the pass's terms, and the reason. Values nobody chose carry
// "(tenant default)". Lines are ready for st's markup.
func CardLines(r *approvals.Request, st Style) [3]string {
	return [3]string{cardWho(r, st), CardTerms(r, st), "Reason: " + headlineReason(r, st)}
}

func cardWho(r *approvals.Request, st Style) string {
	line := fmt.Sprintf("%s asks for a pass for %s (%s)", st.Person(r.Requester), st.bold(st.Escape(r.Target.DisplayName)), st.Escape(r.Target.UPN))
	if r.TenantName != "" {
		line += " in tenant " + st.Escape(r.TenantName)
	}
	return line + "."
}

// CardTerms are the pass's terms in one line: "2h · one-time · starts now",
// each value nobody chose marked "(tenant default)".
func CardTerms(r *approvals.Request, st Style) string {
	return strings.Join([]string{
		tenantDefault(approvals.FormatMinutes(r.LifetimeMinutes), r.LifetimeDefaulted),
		tenantDefault(UsageWord(r.UsableOnce), r.OnceDefaulted),
		"starts " + startWord(r, st.When),
	}, " · ")
}

func startWord(r *approvals.Request, when func(time.Time) string) string {
	if r.StartAt.IsZero() {
		return "now"
	}
	return when(r.StartAt)
}

func headlineReason(r *approvals.Request, st Style) string {
	if r.Reason == "" {
		return "none given"
	}
	return Clip(r.Reason, MaxHeadlineReason, st.Escape)
}

// ReasonClipped reports whether the card's third line shows only part of
// r's reason, so the card must show it in full below.
func ReasonClipped(r *approvals.Request, st Style) bool {
	return r.Reason != "" && headlineReason(r, st) != st.Escape(r.Reason)
}

// CardFacts are what varies between requests besides the first three
// lines, in the order both platforms show them: warnings about the account
// (disabled, a guest) and an existing pass only when there is one, the
// approvals so far, and any exception the policy let through. Rows that
// never vary are left out. Values are ready for st's markup.
func CardFacts(r *approvals.Request, st Style) []Fact {
	var facts []Fact
	if !r.Target.AccountEnabled {
		facts = append(facts, Fact{"⚠️ Account", "disabled"})
	}
	if strings.EqualFold(r.Target.UserType, "Guest") {
		facts = append(facts, Fact{"⚠️ Account", "guest"})
	}
	if r.Target.HasTAP {
		facts = append(facts, Fact{"Existing pass", "yes, it will be replaced"})
	}
	facts = append(facts, Fact{"Approvals", fmt.Sprintf("%d of %d", len(r.Approvals), r.ApprovalsRequired)})
	if r.Exception != "" { // an approver must see what the policy let through
		facts = append(facts, Fact{"⚠️ Exception", st.Escape(r.Exception)})
	}
	return facts
}

// tenantDefault marks a value the technician did not choose, so an
// approver does not take the tenant's default for what was asked.
func tenantDefault(value string, defaulted bool) string {
	if defaulted {
		return value + " (tenant default)"
	}
	return value
}

// CardReason is the request's reason as a card shows it: escaped, capped,
// or a note that none was given.
func CardReason(r *approvals.Request, st Style) string {
	if r.Reason == "" {
		return "_none given_"
	}
	return st.Escape(Truncate(r.Reason, MaxReasonLen))
}

// UsageWord names a pass's use: "one-time" or "multi-use".
func UsageWord(once bool) string {
	if once {
		return "one-time"
	}
	return "multi-use"
}

// EnabledWord describes an account's state, warning when it is disabled.
func EnabledWord(enabled bool) string {
	if enabled {
		return "enabled"
	}
	return "⚠️ disabled"
}

// ThreadLine is the reply that records one decision under r's card: who
// did what, when, as Threader.Decided is told of it ("" for an event it
// does not record). It never mentions the pass itself.
func ThreadLine(r *approvals.Request, event string, st Style) string {
	switch event {
	case approvals.EventApproved:
		if len(r.Approvals) == 0 {
			return ""
		}
		a := r.Approvals[len(r.Approvals)-1]
		return fmt.Sprintf("✅ %s approved %s (approval %d of %d).", st.Person(a.By), st.When(a.At), len(r.Approvals), r.ApprovalsRequired)
	case approvals.EventDenied:
		line := fmt.Sprintf("❌ %s denied it %s.", decider(r, st), st.When(r.UpdatedAt))
		if r.DecisionReason != "" {
			line += " Reason: " + Clip(r.DecisionReason, MaxShownReason, st.Escape)
		}
		return line
	case approvals.EventCancelled:
		return fmt.Sprintf("↩️ %s cancelled it %s.", st.Person(r.Requester), st.When(r.UpdatedAt))
	case approvals.EventExpired:
		return fmt.Sprintf("⏰ Expired %s without a decision.", st.When(r.ExpiresAt))
	case approvals.EventDelivered:
		return fmt.Sprintf("🔑 Pass issued and delivered privately to %s %s; valid until %s.", st.Person(r.Requester), st.When(r.UpdatedAt), st.When(r.PassEnd))
	case approvals.EventFailed:
		return "⚠️ The pass could not be created: " + Clip(r.FailureReason, MaxShownReason, st.Escape)
	case approvals.EventRevoked:
		return "🗑️ Pass revoked: " + Clip(r.FailureReason, MaxShownReason, st.Escape)
	}
	return verifyThreadLine(r, event, st) // verify.go
}

func decider(r *approvals.Request, st Style) string {
	if r.DecidedBy == nil {
		return "someone"
	}
	return st.Person(*r.DecidedBy)
}
