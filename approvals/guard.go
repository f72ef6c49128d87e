package approvals

import (
	"cmp"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// checkReason enforces the reason rule. Returns EINVALID saying what is
// missing.
func (p Policy) checkReason(reason string) error {
	rule := p.Reason
	switch {
	case rule.Required && strings.TrimSpace(reason) == "":
		return Errorf(EINVALID, "A reason is required: say why the pass is needed, e.g. `new phone, INC-4711`.")
	case reason != "" && utf8.RuneCountInString(reason) < rule.MinLength:
		return Errorf(EINVALID, "The reason is too short: give at least %d characters so the approver can judge it.", rule.MinLength)
	case rule.TicketPattern != nil && !rule.TicketPattern.MatchString(reason):
		return Errorf(EINVALID, "The reason must name a ticket matching %s, e.g. `new phone, INC-4711`.", rule.TicketPattern)
	}
	return nil
}

// protection applies the protect rules to t. It returns how many approvals
// the request needs (at least the policy's), or EFORBIDDEN when a rule
// refuses the target. Directory roles and groups are read from Graph only
// when a rule needs them; if Graph cannot tell, the request is refused (fail
// closed) with Graph's message.
func (s *Service) protection(ctx context.Context, pol *scope, t Target) (int, error) {
	reads := newTargetReads(ctx, pol.graph, t)
	defer reads.stop()
	return s.protect(pol, t, reads)
}

// protect is protection with t's roles and groups from reads, which may
// have been started ahead (draft). Rules are applied in order, and a read
// fails the request only when a rule gets to need it, as when each was
// read on demand.
func (s *Service) protect(pol *scope, t Target, reads *targetReads) (int, error) {
	need, _, err := s.guard(pol, t, reads)
	return need, err
}

// guard is protect that also returns the verification steps t needs: the
// policy's, and those of every rule that matches t, in the order of Steps.
func (s *Service) guard(pol *scope, t Target, reads *targetReads) (int, []string, error) {
	need := pol.ApprovalsRequired
	steps := slices.Clone(pol.Verify.Steps)
	for _, rule := range pol.Protect {
		why, err := rule.match(t, reads)
		if err != nil {
			return 0, nil, err
		}
		if why == "" {
			continue
		}
		if rule.Refuse {
			return 0, nil, Errorf(EFORBIDDEN, "%s %s, which tapbot's rule %q protects: no pass can be requested here. An administrator can create one in the Entra admin center if it is really needed.", t.UPN, why, rule.Name)
		}
		need = max(need, rule.ApprovalsRequired)
		steps = append(steps, rule.Verify...)
	}
	return need, slices.DeleteFunc(slices.Clone(Steps), func(step string) bool { return !slices.Contains(steps, step) }), nil
}

// match returns why t matches the rule ("holds the directory role …"), or
// "" when it does not. Roles and groups come from reads.
func (rule ProtectRule) match(t Target, reads *targetReads) (string, error) {
	upn := strings.ToLower(t.UPN)
	for _, pat := range rule.UPNPatterns {
		if ok, _ := path.Match(strings.ToLower(pat), upn); ok {
			return "matches the protected pattern " + pat, nil
		}
	}
	if rule.needsRoles() {
		roles, err := reads.roles()
		if err != nil {
			return "", err
		}
		if held, ok := rule.protectedRole(roles); ok {
			return held.why(), nil
		}
	}
	if len(rule.Groups) > 0 {
		groups, err := reads.groups()
		if err != nil {
			return "", err
		}
		for _, g := range groups {
			if slices.Contains(rule.Groups, g) {
				return "is in the protected group " + g, nil
			}
		}
	}
	return "", nil
}

// protectedRole returns a role of roles the rule protects, an active one
// before an eligible one: the refusal names what the user holds now.
func (rule ProtectRule) protectedRole(roles []DirectoryRole) (DirectoryRole, bool) {
	for _, eligible := range []bool{false, true} {
		for _, ro := range roles {
			if ro.Eligible == eligible && (rule.AnyDirectoryRole || rule.names(ro)) {
				return ro, true
			}
		}
	}
	return DirectoryRole{}, false
}

// names reports whether the rule lists the role, by template id or name.
func (rule ProtectRule) names(ro DirectoryRole) bool {
	return slices.ContainsFunc(rule.DirectoryRoles, func(x string) bool {
		return strings.EqualFold(x, ro.TemplateID) || (ro.Name != "" && strings.EqualFold(x, ro.Name))
	})
}

// why says how a target comes by the role, for a refusal: "holds the
// directory role Global Administrator", "is eligible (through Privileged
// Identity Management) for the directory role Global Administrator". A
// technician recognises the display name sooner than the template id.
func (ro DirectoryRole) why() string {
	role := "the directory role " + cmp.Or(ro.Name, ro.TemplateID)
	if ro.Scope != "" && ro.Scope != "/" {
		role += " (scoped to " + ro.Scope + ")"
	}
	switch {
	case ro.Eligible:
		return "is eligible (through " + cmp.Or(ro.Via, "Privileged Identity Management") + ") for " + role
	case ro.Via != "":
		return "holds " + role + " (through " + ro.Via + ")"
	}
	return "holds " + role
}

// admit decides, inside the transaction that stores r, whether the other
// requests leave room for it: one open request per user, the cooldown after
// a pass for the same user, and the requester's rate limit — checked in
// that order, each through an index, and the last two only when the policy
// sets them.
func (p Policy) admit(r *Request, others *Others, now time.Time) error {
	o, err := others.OpenFor(r.Target.ID, func(o *Request) bool { return isOpen(o, now) })
	if err != nil {
		return err
	}
	if o != nil {
		return Errorf(ECONFLICT, "Request %s for %s is already open (%s); decide or cancel it first.", o.ID, r.Target.UPN, o.State)
	}
	if p.TargetCooldown > 0 {
		o, err := others.CreatedFor(r.Target.ID, func(o *Request) bool {
			return o.State == StateDelivered && now.Sub(o.UpdatedAt) < p.TargetCooldown
		})
		if err != nil {
			return err
		}
		if o != nil {
			return Errorf(EFORBIDDEN, "A pass for %s was issued %s ago (%s); tapbot waits %s between passes for the same user. Check it with /tap status %s, or ask an approver to revoke it first.",
				r.Target.UPN, FormatMinutes(int(now.Sub(o.UpdatedAt).Minutes())), o.ID, FormatMinutes(int(p.TargetCooldown.Minutes())), r.Target.UPN)
		}
	}
	if p.RequesterLimit > 0 {
		if raised := others.RaisedBy(r.Requester, now.Add(-p.RequesterWindow)); raised >= p.RequesterLimit {
			return Errorf(EFORBIDDEN, "You have raised %d requests in the last %s, the most tapbot allows; try again later or ask a colleague.", raised, FormatMinutes(int(p.RequesterWindow.Minutes())))
		}
	}
	return nil
}

// lookback is how far back admit must see finished requests: the
// requester window, and the target cooldown counted from delivery, which
// comes at most a request lifetime and a re-issue window after creation.
func (p Policy) lookback() time.Duration {
	return max(p.RequesterWindow, p.TargetCooldown+p.RequestTTL+p.ReissueWindow) + time.Hour
}

// isOpen reports whether o still waits for a decision or an issuance.
func isOpen(o *Request, now time.Time) bool {
	switch o.State {
	case StatePending:
		return now.Before(o.ExpiresAt)
	case StateApproved, StateIssuing, StateIssued:
		return true
	}
	return false
}

// separated refuses an approver who shares one of the policy's separate
// groups with the requester.
func (s *Service) separated(ctx context.Context, pol *scope, requester, approver Principal) error {
	if len(pol.SeparateGroups) == 0 || pol.Groups == nil {
		return nil
	}
	rg, err := pol.Groups.GroupsOf(ctx, requester)
	if err != nil {
		return fmt.Errorf("groups of requester %s: %w", requester.Key(), err)
	}
	ag, err := pol.Groups.GroupsOf(ctx, approver)
	if err != nil {
		return fmt.Errorf("groups of approver %s: %w", approver.Key(), err)
	}
	for _, g := range pol.SeparateGroups {
		if slices.Contains(rg, g) && slices.Contains(ag, g) {
			return Errorf(EFORBIDDEN, "You and the requester are both in %s; an approver from another team has to approve.", g)
		}
	}
	return nil
}
