package bot

import (
	"fmt"
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

// Received acknowledges a request the moment it is typed, before the
// account or the tenant's policy is looked at.
func Received(id, upn string, st Style) string {
	return fmt.Sprintf("%s Request %s for %s received. Checking the account and the tenant's pass policy…",
		st.icon(IconHourglass), st.bold(id), st.Escape(upn))
}

// Queued tells someone whose command waits for a free worker that it was
// not lost: ahead is how many commands wait before theirs.
func Queued(ahead int, st Style) string {
	return fmt.Sprintf("%s tapbot is busy; your request is queued (%d ahead) and will be handled as soon as a worker is free.", st.icon(IconHourglass), ahead)
}

// NotRaised says why request id was not raised; when the input was at
// fault it adds a reminder of the request form.
func NotRaised(id string, err error, st Style) string {
	text := fmt.Sprintf("%s Request %s was not raised: %s", st.icon(IconNoEntry), st.bold(id), st.Escape(approvals.ErrorMessage(err)))
	if approvals.ErrorCode(err) != approvals.EINVALID {
		return text
	}
	return st.Paragraphs(text, st.Escape(st.command(ShortUsage)))
}

// Waiting tells the requester that r now waits for approval in where, the
// approval channel as the platform names it (Slack links it).
func Waiting(r *approvals.Request, where string, st Style) string {
	return fmt.Sprintf("%s Request %s for %s is waiting for approval in %s. It expires %s if nobody decides.",
		st.icon(IconInbox), st.bold(r.ID), Whom(r, st), where, st.When(r.ExpiresAt))
}

// ApprovedButFailed tells an approver that their approval of request id
// counted but issuing the pass did not work; the card says so too.
func ApprovedButFailed(id string, err error, st Style) string {
	return st.icon(IconWarning) + " You approved " + id + ", but: " + st.Escape(approvals.ErrorMessage(err))
}

// Status describes a user's account and their passes, one list item a
// pass. It is what Graph lists, so it never holds a pass's text.
func Status(s approvals.UserStatus, st Style) string {
	t := s.Target
	head := fmt.Sprintf("%s (%s), account %s.", st.bold(st.Escape(t.DisplayName)), st.Escape(t.UPN), EnabledWord(t.AccountEnabled))
	if s.Tenant != "" {
		head = fmt.Sprintf("%s (%s) in tenant %s, account %s.", st.bold(st.Escape(t.DisplayName)), st.Escape(t.UPN), st.Escape(s.Tenant), EnabledWord(t.AccountEnabled))
	}
	if len(s.Passes) == 0 {
		return st.Paragraphs(head, "No Temporary Access Pass.")
	}
	items := make([]string, len(s.Passes))
	for i, p := range s.Passes {
		items[i] = passItem(p, st)
	}
	return st.Paragraphs(head, st.List(items))
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

// Revoked answers a revoke command; s is the user as they were before.
func Revoked(s approvals.UserStatus, st Style) string {
	upn := st.Escape(s.Target.UPN)
	if len(s.Passes) == 0 {
		return upn + " had no Temporary Access Pass; nothing to revoke."
	}
	return fmt.Sprintf("%s Revoked the Temporary Access Pass of %s. Deleting a valid pass also signs them out of their sessions.",
		st.icon(IconWastebasket), upn)
}

// OpenList lists the open requests, one list item each.
func OpenList(open []*approvals.Request, st Style) string {
	if len(open) == 0 {
		return "No open requests."
	}
	items := make([]string, len(open))
	for i, r := range open {
		items[i] = fmt.Sprintf("%s %s for %s by %s, %s, expires %s", st.bold(r.ID), stateWord(r), Whom(r, st),
			st.Person(r.Requester), approvals.FormatMinutes(r.LifetimeMinutes), st.When(r.ExpiresAt))
	}
	return st.Paragraphs(fmt.Sprintf("%d open request(s):", len(open)), st.List(items))
}

// stateWord is a request's state, with its approvals so far while pending.
func stateWord(r *approvals.Request) string {
	if r.State == approvals.StatePending {
		return fmt.Sprintf("pending (%d of %d approvals)", len(r.Approvals), r.ApprovalsRequired)
	}
	return string(r.State)
}

// SandboxNotice says that passes are fake. Front-ends open every message
// with it in sandbox mode.
func SandboxNotice(st Style) string {
	return st.icon(IconTestTube) + " " + st.bold("SANDBOX: passes are fake, no real tenant is touched.")
}
