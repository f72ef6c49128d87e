package approvals

import (
	"context"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Authorizer decides who may ask for passes and who may approve them.
// Implementations must deny anyone they do not know (default deny).
type Authorizer interface {
	CanRequest(ctx context.Context, p Principal) (bool, error)
	CanApprove(ctx context.Context, p Principal) (bool, error)
}

// GroupResolver tells which groups a technician belongs to, as group keys:
// "slack-group:S0123" for a Slack user group, "entra-group:<object id>" for
// an Entra group. internal/identity implements it over Slack and Graph.
type GroupResolver interface {
	GroupsOf(ctx context.Context, p Principal) ([]string, error)
}

// StaticAuthorizer allows the principals listed by Principal.Key
// ("slack:U123", "teams:<entra object id>") and, when Groups is set, the
// members of the groups listed by group key. Empty lists allow nobody.
type StaticAuthorizer struct {
	Requesters map[string]bool
	Approvers  map[string]bool
	Groups     GroupResolver // nil: group keys in the lists match nobody
}

// NewStaticAuthorizer builds a StaticAuthorizer from principal and group keys.
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

// CanRequest reports whether p, or a group of p's, is a listed requester.
func (a *StaticAuthorizer) CanRequest(ctx context.Context, p Principal) (bool, error) {
	return a.allowed(ctx, a.Requesters, p)
}

// CanApprove reports whether p, or a group of p's, is a listed approver.
func (a *StaticAuthorizer) CanApprove(ctx context.Context, p Principal) (bool, error) {
	return a.allowed(ctx, a.Approvers, p)
}

func (a *StaticAuthorizer) allowed(ctx context.Context, list map[string]bool, p Principal) (bool, error) {
	if list[p.Key()] {
		return true, nil
	}
	if a.Groups == nil || !hasGroupKey(list) {
		return false, nil
	}
	groups, err := a.Groups.GroupsOf(ctx, p)
	if err != nil {
		return false, err
	}
	for _, g := range groups {
		if list[g] {
			return true, nil
		}
	}
	return false, nil
}

// Technicians lists the requester and approver keys, people and groups
// alike, sorted (see Roster).
func (a *StaticAuthorizer) Technicians() (requesters, approvers []string) {
	return slices.Sorted(maps.Keys(a.Requesters)), slices.Sorted(maps.Keys(a.Approvers))
}

func hasGroupKey(list map[string]bool) bool {
	for k := range list {
		if strings.HasPrefix(k, "slack-group:") || strings.HasPrefix(k, "entra-group:") {
			return true
		}
	}
	return false
}

// Policy is tapbot's own rules, on top of the tenant's TAP policy.
type Policy struct {
	Authorizer        Authorizer
	ApprovalsRequired int           // distinct approvers needed; default 1
	RequestTTL        time.Duration // how long a request waits for approval; default 30m
	AllowedDomains    []string      // UPN domains that may be targeted; empty: any
	AllowDisabled     bool          // allow passes for disabled accounts
	AllowGuests       bool          // allow passes for guest accounts

	// Protect guards sensitive accounts. nil means DefaultProtect: refuse
	// anyone holding a directory role. An empty, non-nil list guards nobody.
	Protect []ProtectRule
	Reason  ReasonRule
	// DenyReasonRequired makes approvers say why when they deny a request:
	// the requester then learns what to fix before asking again.
	DenyReasonRequired bool
	// SeparateGroups are group keys (see GroupResolver) that split
	// technicians into teams: an approver may not share one with the
	// requester. Needs Groups.
	SeparateGroups []string
	Groups         GroupResolver
	// Identities tells who technicians are in Entra (identity.go). nil:
	// tapbot cannot tell people apart across platforms, so it refuses
	// approvals across them, and it recognises technicians' own accounts as
	// targets only through entra-group keys.
	Identities Identities
	// AllowTechnicianTargets, when set, names the break-glass process under
	// which passes may be requested for technicians' own accounts. Each such
	// request carries the exception on its card and in the audit log.
	AllowTechnicianTargets string

	RequesterLimit  int           // requests one requester may raise per RequesterWindow; 0: no limit
	RequesterWindow time.Duration // default 1h
	TargetCooldown  time.Duration // after a pass was delivered for a user, wait this long before another; 0: none

	// ReissueWindow is how long after approval the requester may ask for a
	// fresh pass ("lost it?") without a new approval; MaxReissues how often.
	ReissueWindow time.Duration // default 10m
	MaxReissues   int           // default 2; negative: never

	// ReminderMentions are the people and groups (Principal.Key or group
	// keys such as "slack-group:S0123") mentioned when a pending request
	// is re-announced halfway through its time to live (remind.go). Empty:
	// the reminder mentions nobody.
	ReminderMentions []string

	// Verify is how the person a pass is for is verified before it is
	// issued, what warning signs refuse it, and whether they are told
	// afterwards (verifypolicy.go). The zero value verifies nothing.
	Verify VerifyPolicy
}

// ProtectRule marks accounts that need more than the usual approval, or
// none at all. A target matches when it holds a listed directory role (or
// any, with AnyDirectoryRole), is in a listed Entra group, or its UPN matches
// a pattern (path.Match syntax, case-insensitive: "breakglass*@contoso.com").
type ProtectRule struct {
	Name              string   `yaml:"name"`
	AnyDirectoryRole  bool     `yaml:"anyDirectoryRole"`
	DirectoryRoles    []string `yaml:"directoryRoles"` // display names or role template ids
	Groups            []string `yaml:"groups"`         // Entra group object ids
	UPNPatterns       []string `yaml:"upnPatterns"`
	Refuse            bool     `yaml:"refuse"`            // no pass at all
	ApprovalsRequired int      `yaml:"approvalsRequired"` // otherwise: at least this many approvals
	// Verify names verification steps (StepCallback, StepManager,
	// StepVerifiedID) a matching target needs on top of the policy's
	// Verify.Steps.
	Verify []string `yaml:"verify"`
}

// DefaultProtect refuses passes for anyone holding an Entra directory role:
// a pass bypasses MFA, so for an admin it is a path to the whole tenant.
var DefaultProtect = []ProtectRule{{Name: "directory role holders", AnyDirectoryRole: true, Refuse: true}}

// IsBuiltinProtect reports whether name is a rule of DefaultProtect, which
// a policy may turn off by name.
func IsBuiltinProtect(name string) bool {
	return slices.ContainsFunc(DefaultProtect, func(d ProtectRule) bool { return d.Name == name })
}

// ShadowsBuiltin reports whether r takes the name of a built-in rule
// without being a copy of it and without off turning that rule off: r does
// not replace the built-in rule, which still applies.
func ShadowsBuiltin(r ProtectRule, off []string) bool {
	i := slices.IndexFunc(DefaultProtect, func(d ProtectRule) bool { return d.Name == r.Name })
	return i >= 0 && !slices.Contains(off, r.Name) && !reflect.DeepEqual(r, DefaultProtect[i])
}

// MergeProtect is base without the built-in rules off names, then the
// rules of extra it does not hold yet. It is never nil: a nil Protect would
// mean DefaultProtect again.
func MergeProtect(base []ProtectRule, off []string, extra []ProtectRule) []ProtectRule {
	rules := slices.DeleteFunc(slices.Clone(base), func(r ProtectRule) bool {
		return slices.Contains(off, r.Name) && slices.ContainsFunc(DefaultProtect, func(d ProtectRule) bool { return reflect.DeepEqual(d, r) })
	})
	for _, r := range extra {
		if !slices.ContainsFunc(rules, func(d ProtectRule) bool { return reflect.DeepEqual(d, r) }) {
			rules = append(rules, r)
		}
	}
	if rules == nil {
		rules = []ProtectRule{}
	}
	return rules
}

// ReasonRule says what a request's reason must look like.
type ReasonRule struct {
	Required      bool
	MinLength     int
	TicketPattern *regexp.Regexp // e.g. INC-\d+; nil: no ticket needed
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
	if p.Protect == nil {
		p.Protect = DefaultProtect
	}
	if p.RequesterWindow <= 0 {
		p.RequesterWindow = time.Hour
	}
	if p.ReissueWindow <= 0 {
		p.ReissueWindow = 10 * time.Minute
	}
	if p.MaxReissues == 0 {
		p.MaxReissues = 2
	}
	p.Verify = p.Verify.withDefaults()
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
