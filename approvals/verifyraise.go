package approvals

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// raiseVerify is what verification adds to a request being drafted.
type raiseVerify struct {
	facts     *TargetFacts
	verify    *Verification
	approvals int // at least this many, for the target's risk; 0: no more than otherwise
}

// verifyDraft applies the verify policy to a request being drafted for t
// by requester, with steps (guard) and the target's facts from reads: the
// risk rule may refuse it or raise its approvals, and each step is set up
// or, when it cannot be done here, refused — all before anything is
// stored. Under a policy that does not verify it does nothing and reads
// nothing.
func (s *Service) verifyDraft(pol *scope, t Target, requester Principal, reads *targetReads, steps []string) (raiseVerify, error) {
	if !pol.verifies() {
		return raiseVerify{}, nil
	}
	facts, err := reads.facts()
	if err != nil {
		return raiseVerify{}, err
	}
	need, note, err := pol.Verify.Risk.judge(t, facts.Risk)
	if err != nil {
		return raiseVerify{}, err
	}
	v := &Verification{Risk: note}
	for _, step := range steps {
		if err := s.addStep(pol, v, step, t, requester, facts); err != nil {
			return raiseVerify{}, err
		}
	}
	if v.Callback == nil && v.Manager == nil && v.VerifiedID == nil && v.Risk == "" {
		v = nil
	}
	return raiseVerify{facts: &facts, verify: v, approvals: need}, nil
}

// addStep adds step to v, or refuses the request when the step cannot be
// done: a port this tapbot lacks, or a manager nobody can ask under a
// policy that then refuses.
func (s *Service) addStep(pol *scope, v *Verification, step string, t Target, requester Principal, facts TargetFacts) error {
	switch step {
	case StepCallback:
		v.requireCallback(false)
	case StepVerifiedID:
		if pol.verifier == nil {
			return Errorf(EUNAVAILABLE, "tapbot's policy wants %s to prove who they are with Entra Verified ID and a Face Check, but this tapbot has no Verified ID verifier configured, so no pass can be requested. Ask the tapbot operator to set up Entra Verified ID (tapbot doctor explains what it needs) or to take verifiedId out of the policy.", t.UPN)
		}
		v.VerifiedID = &VerifiedIDStep{Required: true, Threshold: pol.Verify.FaceCheckThreshold}
	case StepManager:
		if _, ok := pol.graph.(FactFinder); !ok {
			return Errorf(EUNAVAILABLE, "tapbot's policy wants the manager of %s to confirm, but this tapbot's Graph client cannot read managers, so no pass can be requested. Ask the tapbot operator to take manager out of the policy.", t.UPN)
		}
		m := &ManagerStep{Required: true, IfUnreachable: pol.Verify.ManagerUnreachable}
		if facts.Manager != nil {
			m.Manager = *facts.Manager
		}
		v.Manager = m
		why := s.managerUnreachableAtRaise(t, requester, facts)
		if why == "" {
			return nil
		}
		if m.IfUnreachable != ManagerUnreachableCallback {
			return Errorf(EFORBIDDEN, "A pass for %s needs their manager to confirm it, but %s. tapbot's policy then refuses the pass. Fix the manager in Entra ID, or ask the tapbot operator to let a callback stand in (verify: managerUnreachable: callback).", t.UPN, why)
		}
		m.State, m.Why, m.Fallback = ManagerUnreachable, why, true
		v.requireCallback(true)
	}
	return nil
}

// requireCallback makes the callback a required step; fallback says it
// stands in for the manager (unless the policy asked for it anyway).
func (v *Verification) requireCallback(fallback bool) {
	if v.Callback == nil {
		v.Callback = &CallbackStep{Fallback: fallback}
	}
	v.Callback.Required = true
}

// managerUnreachableAtRaise says why t's manager cannot be asked, as far
// as is known before asking anyone in chat; "" when they may be.
func (s *Service) managerUnreachableAtRaise(t Target, requester Principal, facts TargetFacts) string {
	m := facts.Manager
	switch {
	case !facts.ManagerRead.OK:
		return fmt.Sprintf("tapbot could not read who the manager of %s is (%s)", t.UPN, facts.ManagerRead.Why)
	case m == nil:
		return fmt.Sprintf("Entra ID names no manager for %s", t.UPN)
	case strings.EqualFold(m.ID, t.ID):
		return fmt.Sprintf("%s is their own manager in Entra ID", t.UPN)
	case isEntraUser(requester, m.ID):
		return fmt.Sprintf("%s, the manager of %s, is the requester, and nobody confirms their own request", personName(*m), t.UPN)
	case len(s.managerAskers(requester.Platform)) == 0:
		return "no chat platform of this tapbot can ask managers"
	}
	return ""
}

// isEntraUser reports whether p is certainly the Entra user id: by the
// Entra id tapbot found for them, or, on Teams, by their chat id, which is
// their Entra object id.
func isEntraUser(p Principal, id string) bool {
	if id == "" {
		return false
	}
	return strings.EqualFold(p.EntraID, id) || (p.Platform == "teams" && strings.EqualFold(p.ID, id))
}

// judge applies the risk rule to t's risk: EFORBIDDEN for a refused level
// or state, or for a risk that could not be read under Unchecked: refuse;
// otherwise how many approvals it needs (0: no more than otherwise) and
// why.
func (r RiskRule) judge(t Target, risk Risk) (int, string, error) {
	if !r.set() {
		return 0, "", nil
	}
	if !risk.OK {
		if r.Unchecked == RiskUncheckedRefuse {
			return 0, "", Errorf(EFORBIDDEN, "tapbot could not check the risk of %s in Entra ID Protection (%s), and its policy issues no pass without that check. An administrator can grant tapbot's app IdentityRiskyUser.Read.All (with an Entra ID P2 licence); tapbot doctor shows what is missing.", t.UPN, risk.Why)
		}
		return 0, "", nil
	}
	match := func(v string) bool { return strings.EqualFold(v, risk.Level) || strings.EqualFold(v, risk.State) }
	if slices.ContainsFunc(r.Refuse, match) {
		return 0, "", Errorf(EFORBIDDEN, "%s %s: tapbot does not issue passes for risky users; investigate in the Entra admin center → Protection → Risky users, and ask again once the risk is remediated or dismissed.", t.UPN, riskClause(r.Refuse, risk))
	}
	need, why := 0, ""
	for v, n := range r.Approvals {
		if match(v) && n > need {
			need, why = n, v
		}
	}
	if need == 0 {
		return 0, "", nil
	}
	return need, fmt.Sprintf("%s in Entra ID Protection: at least %d approvals", riskName(why, risk), need), nil
}

// riskClause says how the target is at risk, naming first what the rule
// refuses: "is at high risk in Entra ID Protection (riskState atRisk)",
// "is marked confirmedCompromised in Entra ID Protection (riskLevel high)".
func riskClause(refused []string, risk Risk) string {
	levelRefused := slices.ContainsFunc(refused, func(v string) bool { return strings.EqualFold(v, risk.Level) })
	if levelRefused {
		return fmt.Sprintf("is at %s risk in Entra ID Protection (riskState %s)", risk.Level, orNone(risk.State))
	}
	return fmt.Sprintf("is marked %s in Entra ID Protection (riskLevel %s)", risk.State, orNone(risk.Level))
}

// riskName names a rule's value as the risk has it: "riskLevel medium".
func riskName(v string, risk Risk) string {
	if strings.EqualFold(v, risk.Level) {
		return "riskLevel " + risk.Level
	}
	return "riskState " + risk.State
}

// managerAskers are the front-ends that can ask a manager, the one of
// platform first, then the others in a fixed order.
func (s *Service) managerAskers(platform string) []platformAsker {
	var out []platformAsker
	if a, ok := s.notifiers[platform].(ManagerAsker); ok {
		out = append(out, platformAsker{platform, a})
	}
	for _, p := range slices.Sorted(maps.Keys(s.notifiers)) {
		if a, ok := s.notifiers[p].(ManagerAsker); ok && p != platform {
			out = append(out, platformAsker{p, a})
		}
	}
	return out
}

type platformAsker struct {
	platform string
	asker    ManagerAsker
}

// startSteps starts the steps of pending request r that ask someone: the
// manager is asked in chat and the Verified ID presentation is started.
// Steps already started are left alone, so Resume can call it again. It
// returns r as it stands after, and an error when the request ended
// because its manager could not be reached.
func (s *Service) startSteps(ctx context.Context, r *Request) (*Request, error) {
	if r.State != StatePending || r.Verify == nil {
		return r, nil
	}
	if m := r.Verify.Manager; m != nil && m.Required && m.State == ManagerNotAsked {
		var err error
		if r, err = s.askManager(ctx, r); err != nil || r.State != StatePending {
			return r, err
		}
	}
	if v := r.Verify.VerifiedID; v != nil && v.Required && v.State == VerifiedIDNotStarted {
		started, err := s.startVerifiedID(ctx, r, notStarted)
		if started == nil {
			started = r
		}
		if errors.Is(err, errUnchanged) {
			return started, nil
		}
		return started, err
	}
	return r, nil
}

// unstarted reports whether pending r has a step that asks someone and was
// never started (a restart came between storing the request and asking).
func (r *Request) unstarted() bool {
	if r.State != StatePending || r.Verify == nil {
		return false
	}
	m, v := r.Verify.Manager, r.Verify.VerifiedID
	return (m != nil && m.Required && m.State == ManagerNotAsked) || (v != nil && v.Required && v.State == VerifiedIDNotStarted)
}
