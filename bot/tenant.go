package bot

import "github.com/tapbot/tapbot/approvals"

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

// Summary is the notification text of r's approval card, which phones show
// on the lock screen: never a secret.
func Summary(r *approvals.Request) string {
	s := "TAP request " + r.ID + " for " + r.Target.UPN
	if r.TenantName != "" {
		s += " in " + r.TenantName
	}
	return s + ": " + string(r.State)
}
