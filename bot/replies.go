package bot

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// The replies below are what tapbot answers the person who typed a command
// or pressed a button, written once for every platform: st supplies the
// markup. None of them holds a pass, and none opens with the sandbox
// banner; the front-end adds that where it sends them.

// Refusal says why the service refused what someone asked.
func Refusal(err error, st Style) string {
	return st.icon(IconNoEntry) + " " + st.Escape(approvals.ErrorMessage(err))
}

// Outcome answers a command whose effect the approval card shows: the
// refusal when err is set, else ok ("" when there is nothing to say).
func Outcome(err error, ok string, st Style) string {
	if err != nil {
		return Refusal(err, st)
	}
	return st.Escape(ok)
}

// Unparsed answers a command Parse refused: why, and a reminder of the
// request form.
func Unparsed(err error, st Style) string {
	return st.Paragraphs(st.icon(IconWarning)+" "+st.Escape(approvals.ErrorMessage(err)), st.Escape(st.command(ShortUsage)))
}

// Checking acknowledges a request for upn the moment it is typed, before
// the account or the tenant's policy is looked at. It names no request id:
// there is none until the checks pass (Waiting names it).
func Checking(upn string, st Style) string {
	return fmt.Sprintf("%s Checking the account of %s and the tenant's pass policy before your request is raised…",
		st.icon(IconHourglass), st.Escape(upn))
}

// Queued tells someone whose command waits for a free worker that it was
// not lost: ahead is how many commands wait before theirs.
func Queued(ahead int, st Style) string {
	return fmt.Sprintf("%s tapbot is busy; your request is queued (%d ahead) and will be handled as soon as a worker is free.", st.icon(IconHourglass), ahead)
}

// ZoneUnknown says that the time of day the requester typed was read in
// loc, tapbot's configured zone, because their own is unknown; why says
// what the platform did not tell, e.g. "Slack did not say which time zone
// your profile has (user_not_found)".
func ZoneUnknown(loc *time.Location, why string, st Style) string {
	return fmt.Sprintf("%s The time you gave was read in %s, tapbot's default time zone: %s. If that is not your zone, give the start as a delay (at +2h) instead.",
		st.icon(IconClock), st.Escape(loc.String()), st.Escape(why))
}

// NotRaised says why the request for upn was not raised. Only when the
// command itself was at fault (ErrUsage) does it add a reminder of the
// request form; a policy's refusal (a disabled account, a lifetime the
// tenant does not allow) says what to change, and the usage would not.
func NotRaised(upn string, err error, st Style) string {
	text := fmt.Sprintf("%s Your request for %s was not raised: %s", st.icon(IconNoEntry), st.Escape(upn), st.Escape(approvals.ErrorMessage(err)))
	if !errors.Is(err, ErrUsage) {
		return text
	}
	return st.Paragraphs(text, st.Escape(st.command(ShortUsage)))
}

// Waiting tells the requester that r now waits for approval in where, the
// approval channel as the platform names it (Slack links it), and when its
// pass would start if that is not at once.
func Waiting(r *approvals.Request, where string, st Style) string {
	text := fmt.Sprintf("%s Request %s for %s is waiting for approval in %s. It expires %s if nobody decides.",
		st.icon(IconInbox), st.bold(r.ID), Whom(r, st), where, st.When(r.ExpiresAt))
	if !r.StartAt.IsZero() {
		text += fmt.Sprintf(" Once approved, the pass is valid from %s.", st.When(r.StartAt))
	}
	return text
}

// ApprovedButFailed tells an approver that their approval of request id
// counted but issuing the pass did not work; the card says so too.
func ApprovedButFailed(id string, err error, st Style) string {
	return st.icon(IconWarning) + " You approved " + id + ", but: " + st.Escape(approvals.ErrorMessage(err))
}

// Status describes a user's account, their passes (one list item a pass,
// with who asked for and approved it when tapbot issued it) and their open
// requests with whom each waits for (waitingFor, e.g. Service.WaitingFor;
// nil names nobody). It is what Graph lists and tapbot stored, so it never
// holds a pass's text.
func Status(s approvals.UserStatus, waitingFor func(*approvals.Request) []string, st Style) string {
	t := s.Target
	head := fmt.Sprintf("%s (%s), account %s.", st.bold(st.Escape(t.DisplayName)), st.Escape(t.UPN), EnabledWord(t.AccountEnabled))
	if s.Tenant != "" {
		head = fmt.Sprintf("%s (%s) in tenant %s, account %s.", st.bold(st.Escape(t.DisplayName)), st.Escape(t.UPN), st.Escape(s.Tenant), EnabledWord(t.AccountEnabled))
	}
	parts := []string{head, "No Temporary Access Pass."}
	if len(s.Passes) > 0 {
		items := make([]string, len(s.Passes))
		for i, p := range s.Passes {
			items[i] = passItem(p, st)
			if s.IssuedBy != nil {
				items[i] += " " + passOrigin(p, s.IssuedBy[p.MethodID], st)
			}
		}
		parts[1] = st.List(items)
	}
	if len(s.Open) == 0 {
		return st.Paragraphs(append(parts, "No open requests for them.")...)
	}
	return st.Paragraphs(append(parts, fmt.Sprintf("%d open request(s) for them:", len(s.Open)), st.List(openItems(s.Open, waitingFor, st)))...)
}

// passItem is one pass of a status reply.
func passItem(p approvals.PassInfo, st Style) string {
	usable := st.icon(IconCheck) + " usable"
	if !p.Usable {
		usable = st.icon(IconNoEntrySign) + " not usable (" + st.Escape(p.Reason) + ")"
	}
	end := p.Start.Add(time.Duration(p.LifetimeMinutes) * time.Minute)
	return fmt.Sprintf("Temporary Access Pass %s: %s, starts %s, ends %s (%s).",
		usable, UsageWord(p.UsableOnce), st.When(p.Start), st.When(end), approvals.FormatMinutes(p.LifetimeMinutes))
}

// passOrigin says who is behind pass p: the request r tapbot issued it for
// (who asked, who approved, when), or that tapbot did not make it (r nil).
func passOrigin(p approvals.PassInfo, r *approvals.Request, st Style) string {
	if r == nil {
		return "Not issued by tapbot (made in the Entra admin center or by another tool)."
	}
	when := ""
	if !p.Created.IsZero() {
		when = " " + st.When(p.Created)
	}
	return fmt.Sprintf("Issued by tapbot%s for request %s: asked for by %s, approved by %s.",
		when, st.bold(r.ID), st.Person(r.Requester), approvers(r, st))
}

// approvers names who approved r, "nobody" before anyone did.
func approvers(r *approvals.Request, st Style) string {
	names := make([]string, len(r.Approvals))
	for i, a := range r.Approvals {
		names[i] = st.Person(a.By)
	}
	if len(names) == 0 {
		return "nobody yet"
	}
	return joinNames(names, "and")
}

// joinNames writes "a", "a and b", "a, b and c" (or "or").
func joinNames(names []string, conj string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

// Revoked answers a revoke command; s is the user as they were before.
func Revoked(s approvals.UserStatus, st Style) string {
	upn := st.Escape(s.Target.UPN)
	if len(s.Passes) == 0 {
		return upn + " had no Temporary Access Pass; nothing to revoke."
	}
	return fmt.Sprintf("%s Revoked the Temporary Access Pass of %s. Deleting a valid pass also signs them out of their sessions.",
		st.icon(IconWastebasket), upn)
}

// OpenList lists the open requests, one list item each: who asks, for
// whom, and whom it waits for (waitingFor, e.g. Service.WaitingFor; nil
// names nobody).
func OpenList(open []*approvals.Request, waitingFor func(*approvals.Request) []string, st Style) string {
	if len(open) == 0 {
		return "No open requests."
	}
	return st.Paragraphs(fmt.Sprintf("%d open request(s):", len(open)), st.List(openItems(open, waitingFor, st)))
}

// openItems are the list items of open requests.
func openItems(open []*approvals.Request, waitingFor func(*approvals.Request) []string, st Style) []string {
	items := make([]string, len(open))
	for i, r := range open {
		var keys []string
		if waitingFor != nil {
			keys = waitingFor(r)
		}
		items[i] = fmt.Sprintf("%s for %s, asked by %s: %s. %s, %s", st.bold(r.ID), Whom(r, st), st.Person(r.Requester),
			waitsFor(r, keys, st), approvals.FormatMinutes(r.LifetimeMinutes), UsageWord(r.UsableOnce))
		if r.State == approvals.StatePending {
			items[i] += ", expires " + st.When(r.ExpiresAt)
		}
		items[i] += "."
	}
	return items
}

// waitsFor says whom or what open request r waits for; approverKeys are
// who could still approve it (Service.WaitingFor).
func waitsFor(r *approvals.Request, approverKeys []string, st Style) string {
	switch r.State {
	case approvals.StatePending:
		n, word := r.ApprovalsRequired-len(r.Approvals), "approvals"
		if n == 1 {
			word = "approval"
		}
		s := fmt.Sprintf("pending, waiting for %d more %s from %s", n, word, approverList(approverKeys, st))
		if len(r.Approvals) > 0 {
			s += " (approved so far by " + approvers(r, st) + ")"
		}
		return s
	case approvals.StateApproved, approvals.StateIssuing:
		return "approved by " + approvers(r, st) + ", being issued"
	case approvals.StateIssued:
		return "approved by " + approvers(r, st) + ", pass issued, being delivered to " + st.Person(r.Requester)
	}
	return string(r.State)
}

// maxNamedApprovers is how many approvers a list item names; the rest are
// counted.
const maxNamedApprovers = 3

// approverList names approvers by key briefly: a few as the platform
// mentions them, the others counted, e.g. "<@U1>, <@U2> or 3 other
// approvers".
func approverList(keys []string, st Style) string {
	var named []string
	people, groups := 0, 0
	for _, k := range keys {
		if name := st.approver(k); name != "" && len(named) < maxNamedApprovers {
			named = append(named, name)
			continue
		}
		if strings.HasPrefix(k, "slack-group:") || strings.HasPrefix(k, "entra-group:") {
			groups++
		} else {
			people++
		}
	}
	parts := named
	switch {
	case people > 0 && len(named) > 0:
		parts = append(parts, plural(people, "other approver", "other approvers"))
	case people > 0:
		parts = append(parts, plural(people, "configured approver", "configured approvers"))
	}
	if groups > 0 {
		parts = append(parts, "a member of "+plural(groups, "approver group", "approver groups"))
	}
	if len(parts) == 0 {
		return "an approver"
	}
	if len(parts) == 1 && len(named) == 0 && people > 1 {
		return "one of " + parts[0]
	}
	return joinNames(parts, "or")
}

// plural writes "1 thing" or "n things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// ReissueAfterFix is what the requester of r, told that its pass was
// revoked, can do next, as a sentence to add to that notice: "" when an
// approver revoked it (the notice says it cannot be re-issued), else to
// press button (the platform's re-issue button) once the cause is fixed,
// or, on a platform without one (button ""), to raise a new request.
func ReissueAfterFix(r *approvals.Request, button string, st Style) string {
	switch {
	case r.State != approvals.StateRevoked || r.RevokedBy != nil:
		return ""
	case button == "":
		return "Once that is fixed, raise a new request for a new pass."
	}
	return "Once that is fixed, press " + st.bold(button) + " below for a new pass: it needs no new approval for a while after the approval."
}

// SandboxNotice says that passes are fake. Front-ends open every message
// with it in sandbox mode.
func SandboxNotice(st Style) string {
	return st.icon(IconTestTube) + " " + st.bold("SANDBOX: passes are fake, no real tenant is touched.")
}
