package bot

import (
	"fmt"

	"github.com/tapbot/tapbot/approvals"
)

// In MSP mode every message about a request names its customer tenant by
// its configured name, so that a technician serving many customers never
// takes one customer's request for another's. The single tenant has no
// name, and its messages are as they always were.

// TenantTag opens a message to the requester about r: "[contoso] ", or ""
// for the single tenant.
func TenantTag(r *approvals.Request) string {
	if r.TenantName == "" {
		return ""
	}
	return "[" + r.TenantName + "] "
}

// Whom is r's target as lists and replies write it: the UPN, followed by
// the tenant's name in MSP mode ("alice@contoso.com (contoso)").
func Whom(r *approvals.Request, st Style) string {
	if r.TenantName == "" {
		return st.Escape(r.Target.UPN)
	}
	return st.Escape(r.Target.UPN) + " (" + st.Escape(r.TenantName) + ")"
}

// maxSummaryReason is the most characters of a reason the notification
// text carries: a lock screen shows two lines or so.
const maxSummaryReason = 80

// Summary is the notification text of r's approval card, which phones show
// on the lock screen: the card's first lines in one, "Rita asks: 2h
// one-time pass for Alice Andersen (alice@contoso.com), starts now — new
// phone INC-4711 (TAP-7K3Q9D)", naming the tenant after the user in MSP
// mode and the state after the id once the request is decided. Never a secret. People, times and
// user text are written in st.
func Summary(r *approvals.Request, st Style) string {
	s := fmt.Sprintf("%s asks: %s %s pass for %s (%s)", st.Person(r.Requester), approvals.FormatMinutes(r.LifetimeMinutes),
		UsageWord(r.UsableOnce), st.Escape(r.Target.DisplayName), st.Escape(r.Target.UPN))
	if r.TenantName != "" {
		s += " in " + st.Escape(r.TenantName)
	}
	s += ", starts " + startWord(r, st.When)
	if r.Reason != "" {
		s += " — " + Clip(r.Reason, maxSummaryReason, st.Escape)
	}
	if r.State != approvals.StatePending && r.State != "" {
		return s + " (" + r.ID + ", " + string(r.State) + ")"
	}
	return s + " (" + r.ID + ")"
}
