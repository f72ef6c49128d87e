package approvals

import (
	"context"
	"fmt"
)

// UserStatus is what tapbot can say about a user's passes. It never holds a
// pass text: Graph does not return it after creation.
type UserStatus struct {
	Target Target
	Passes []PassInfo
}

// Status looks up upn and lists their passes. Requesters and approvers may
// ask. Returns EFORBIDDEN for anyone else and ENOTFOUND for an unknown user.
func (s *Service) Status(ctx context.Context, by Principal, upn string) (UserStatus, error) {
	if err := s.mayView(ctx, by); err != nil {
		return UserStatus{}, err
	}
	return s.status(ctx, upn)
}

// status looks up upn and their passes, for a caller already authorised.
func (s *Service) status(ctx context.Context, upn string) (UserStatus, error) {
	t, err := s.tenant.LookupUser(ctx, upn)
	if err != nil {
		return UserStatus{}, err
	}
	passes, err := s.tenant.ListPasses(ctx, t.ID)
	if err != nil {
		return UserStatus{}, err
	}
	return UserStatus{Target: t, Passes: passes}, nil
}

// Revoke deletes every pass upn holds and audits each deletion. Approvers may
// revoke (deleting a valid pass also signs the user out everywhere, so it is
// an approver's call). Returns the passes deleted.
func (s *Service) Revoke(ctx context.Context, by Principal, upn string) (UserStatus, error) {
	if err := s.mayApprove(ctx, by); err != nil {
		return UserStatus{}, err
	}
	st, err := s.status(ctx, upn)
	if err != nil {
		return UserStatus{}, err
	}
	for _, p := range st.Passes {
		if err := s.tenant.DeletePass(ctx, st.Target.ID, p.MethodID); err != nil {
			return st, err
		}
		ev := Event{
			Time: s.now().UTC(), Type: EventRevoked, Actor: by.Key(), ActorName: by.Name, Tenant: s.tenantID,
			TargetUPN: st.Target.UPN, TargetID: st.Target.ID, LifetimeMinutes: p.LifetimeMinutes,
			UsableOnce: p.UsableOnce, MethodID: p.MethodID, Detail: "revoked by command",
		}
		if err := s.store.Record(ev); err != nil {
			return st, fmt.Errorf("audit revoke of %s: %w", p.MethodID, err)
		}
		s.log.Info("pass revoked by command", "target", st.Target.UPN, "method", p.MethodID, "by", by.Key())
	}
	return st, nil
}

// Open lists requests that are not finished, oldest first, for requesters
// and approvers.
func (s *Service) Open(ctx context.Context, by Principal) ([]*Request, error) {
	if err := s.mayView(ctx, by); err != nil {
		return nil, err
	}
	now := s.now()
	return s.store.ListOpen(func(r *Request) bool {
		switch r.State {
		case StatePending:
			return now.Before(r.ExpiresAt)
		case StateApproved, StateIssuing, StateIssued:
			return true
		}
		return false
	})
}
