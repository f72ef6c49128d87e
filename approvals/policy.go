package approvals

import (
	"context"
	"strings"
	"time"
)

// Authorizer decides who may ask for passes and who may approve them.
// Implementations must deny anyone they do not know (default deny).
type Authorizer interface {
	CanRequest(ctx context.Context, p Principal) (bool, error)
	CanApprove(ctx context.Context, p Principal) (bool, error)
}

// StaticAuthorizer allows exactly the principals listed, by Principal.Key
// ("slack:U123", "teams:<entra object id>"). Empty lists allow nobody.
type StaticAuthorizer struct {
	Requesters map[string]bool
	Approvers  map[string]bool
}

// NewStaticAuthorizer builds a StaticAuthorizer from principal keys.
func NewStaticAuthorizer(requesters, approvers []string) *StaticAuthorizer {
	set := func(keys []string) map[string]bool {
		m := make(map[string]bool, len(keys))
		for _, k := range keys {
			m[k] = true
		}
		return m
	}
	return &StaticAuthorizer{Requesters: set(requesters), Approvers: set(approvers)}
}

// CanRequest reports whether p is a listed requester.
func (a *StaticAuthorizer) CanRequest(_ context.Context, p Principal) (bool, error) {
	return a.Requesters[p.Key()], nil
}

// CanApprove reports whether p is a listed approver.
func (a *StaticAuthorizer) CanApprove(_ context.Context, p Principal) (bool, error) {
	return a.Approvers[p.Key()], nil
}

// Policy is tapbot's own rules, on top of the tenant's TAP policy.
type Policy struct {
	Authorizer        Authorizer
	ApprovalsRequired int           // distinct approvers needed; default 1
	RequestTTL        time.Duration // how long a request waits for approval; default 30m
	AllowedDomains    []string      // UPN domains that may be targeted; empty: any
	AllowDisabled     bool          // allow passes for disabled accounts
	AllowGuests       bool          // allow passes for guest accounts
}

// withDefaults fills unset fields.
func (p Policy) withDefaults() Policy {
	if p.ApprovalsRequired < 1 {
		p.ApprovalsRequired = 1
	}
	if p.RequestTTL <= 0 {
		p.RequestTTL = 30 * time.Minute
	}
	if p.Authorizer == nil {
		p.Authorizer = NewStaticAuthorizer(nil, nil)
	}
	return p
}

// checkTarget refuses accounts the policy protects. Returns EINVALID or
// EFORBIDDEN with the reason.
func (p Policy) checkTarget(t Target) error {
	if len(p.AllowedDomains) > 0 && !domainAllowed(t.UPN, p.AllowedDomains) {
		return Errorf(EFORBIDDEN, "%s is outside the domains tapbot may issue passes for (%s).", t.UPN, strings.Join(p.AllowedDomains, ", "))
	}
	if !p.AllowGuests && (strings.EqualFold(t.UserType, "Guest") || strings.Contains(strings.ToUpper(t.UPN), "#EXT#")) {
		return Errorf(EFORBIDDEN, "%s is a guest account; guests sign in with their home organisation, so tapbot does not issue them passes.", t.UPN)
	}
	if !p.AllowDisabled && !t.AccountEnabled {
		return Errorf(EINVALID, "%s is disabled in Entra, so a pass would not let them sign in. Enable the account first.", t.UPN)
	}
	return nil
}

func domainAllowed(upn string, domains []string) bool {
	at := strings.LastIndexByte(upn, '@')
	if at < 0 {
		return false
	}
	d := upn[at+1:]
	for _, allowed := range domains {
		if strings.EqualFold(d, allowed) {
			return true
		}
	}
	return false
}
