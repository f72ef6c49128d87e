package approvals

import (
	"context"
	"fmt"
)

// mayReissue runs, before a re-issue, the checks that need Graph or the
// authorizer: a re-issue is a new pass without a new approval, so it gets
// one only if the request could be raised as it is now. The cheap checks
// run first so a refused click costs no Graph call.
func (s *Service) mayReissue(ctx context.Context, pol *scope, r *Request, by Principal) error {
	if err := s.reissuable(pol, r, by); err != nil {
		return err
	}
	if err := s.mayRequest(ctx, pol, by); err != nil {
		return err
	}
	t, err := pol.graph.LookupUser(ctx, r.Target.ID)
	if err != nil {
		return fmt.Errorf("look up %s again: %w", r.Target.UPN, err)
	}
	if err := pol.checkTarget(t); err != nil {
		return err
	}
	need, err := s.protection(ctx, pol, t)
	if err != nil {
		return err
	}
	if need > len(r.Approvals) {
		return Errorf(EFORBIDDEN, "%s now needs %d approvals, more than %s had; raise a new request.", t.UPN, need, r.ID)
	}
	_, exception, err := s.checkWhoseAccount(ctx, pol, r.Requester, t)
	if err != nil {
		return err
	}
	if exception != "" && r.Exception == "" {
		return Errorf(EFORBIDDEN, "%s The approvers of %s did not see that; raise a new request.", exception, r.ID)
	}
	return nil
}

// reissuable checks, inside the transaction that starts a re-issue, that by
// is the requester and that r is still within its re-issue limits.
func (s *Service) reissuable(pol *scope, r *Request, by Principal) error {
	switch {
	case !by.Same(r.Requester):
		return Errorf(EFORBIDDEN, "Only the requester of %s can ask for its pass again.", r.ID)
	case r.RevokedBy != nil:
		return Errorf(ECONFLICT, "%s revoked the pass of %s (request %s), which ends the request: it cannot be re-issued. Raise a new request if a pass is still needed.", nameOf(r.RevokedBy), r.Target.UPN, r.ID)
	case (r.State != StateDelivered && r.State != StateRevoked) || len(r.Approvals) < r.ApprovalsRequired:
		return stateError(r)
	}
	approved := r.Approvals[len(r.Approvals)-1].At
	if s.now().Sub(approved) > pol.ReissueWindow {
		return Errorf(ECONFLICT, "A pass can be re-issued for %s after approval; that time has passed for %s. Raise a new request.", FormatMinutes(int(pol.ReissueWindow.Minutes())), r.ID)
	}
	if r.Reissues >= pol.MaxReissues {
		return Errorf(ECONFLICT, "%s was re-issued %d time(s) already, the most tapbot allows. Raise a new request.", r.ID, r.Reissues)
	}
	return nil
}
