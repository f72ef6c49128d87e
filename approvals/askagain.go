package approvals

import (
	"context"
	"time"
)

// AskAgain raises expired request id again for its requester, by, through
// Raise and all its checks: the same target, lifetime, usage and reason.
// A value the requester left to the tenant's default is left to it again.
// A delayed start that is still ahead is kept; one that has passed moves
// as far ahead of now as it was ahead of the first request's creation, so
// "in 2h" stays two hours away. Returns EFORBIDDEN for anyone but the
// requester, ECONFLICT for a request that did not expire, and Raise's
// errors.
func (s *Service) AskAgain(ctx context.Context, id string, by Principal) (*Request, error) {
	old, err := s.store.Get(id)
	if err != nil {
		return nil, err
	}
	if !by.Same(old.Requester) {
		return nil, Errorf(EFORBIDDEN, "Only the requester of %s can ask for it again.", id)
	}
	if old.State != StateExpired {
		return nil, stateError(old)
	}
	in := RaiseInput{Requester: by, UPN: old.Target.UPN, Reason: old.Reason, Start: againStart(old, s.now())}
	if !old.LifetimeDefaulted {
		in.Lifetime = time.Duration(old.LifetimeMinutes) * time.Minute
	}
	if !old.OnceDefaulted {
		once := old.UsableOnce
		in.Once = &once
	}
	return s.Raise(ctx, in)
}

// againStart is the start of a request raised again at now from old.
func againStart(old *Request, now time.Time) time.Time {
	if old.StartAt.IsZero() || old.StartAt.After(now) {
		return old.StartAt
	}
	return now.Add(old.StartAt.Sub(old.CreatedAt))
}
