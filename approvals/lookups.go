package approvals

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// UserStatus is what tapbot can say about a user's passes and requests. It
// never holds a pass text: Graph does not return it after creation.
type UserStatus struct {
	Target Target
	Tenant string // the configured name of the user's tenant; empty for the single tenant
	Passes []PassInfo
	// IssuedBy maps the MethodID of each pass tapbot issued to the request
	// it issued it for (who asked, who approved). A pass not in it was made
	// outside tapbot. Set by Status only.
	IssuedBy map[string]*Request
	// Open are the user's requests that still wait for approval or are
	// being issued, oldest first. Set by Status only.
	Open []*Request
}

// Status looks up upn and lists their passes, which request issued each
// one that tapbot issued, and their open requests. Requesters and approvers
// may ask. Returns EFORBIDDEN for anyone else and ENOTFOUND for an unknown
// user.
func (s *Service) Status(ctx context.Context, by Principal, upn string) (UserStatus, error) {
	pol, err := s.route(upn)
	if err != nil {
		if _, verr := s.viewScopes(ctx, by); verr != nil {
			return UserStatus{}, verr
		}
		return UserStatus{}, err
	}
	if err := s.mayView(ctx, pol, by); err != nil {
		return UserStatus{}, err
	}
	st, err := s.status(ctx, pol, upn)
	if err != nil {
		return st, err
	}
	return st, s.addRequests(pol, &st)
}

// addRequests fills in st's IssuedBy and Open from the store. A pass's
// request was created at most a request's life and a re-issue window
// before the pass (lookback covers both), so requests older than that are
// not read.
func (s *Service) addRequests(pol *scope, st *UserStatus) error {
	now := s.now()
	since := now
	for _, p := range st.Passes {
		if !p.Created.IsZero() && p.Created.Before(since) {
			since = p.Created
		}
	}
	reqs, err := RequestsFor(s.store, st.Target.ID, since.Add(-pol.lookback()))
	if err != nil {
		return fmt.Errorf("requests for %s: %w", st.Target.UPN, err)
	}
	st.IssuedBy = map[string]*Request{}
	for _, r := range reqs {
		if r.MethodID != "" && slices.ContainsFunc(st.Passes, func(p PassInfo) bool { return p.MethodID == r.MethodID }) {
			st.IssuedBy[r.MethodID] = r
		}
		if isOpen(r, now) {
			st.Open = append(st.Open, r)
		}
	}
	return nil
}

// WaitingFor is whom pending request r waits for: the keys (Principal.Key,
// and group keys such as "slack-group:S0123") of the approvers configured
// for r's tenant, without its requester and those who approved it
// already. nil when r is not pending or its tenant's Authorizer cannot list
// its approvers (only a Roster can).
func (s *Service) WaitingFor(r *Request) []string {
	if r.State != StatePending {
		return nil
	}
	roster, ok := s.scopeOf(r).Authorizer.(Roster)
	if !ok {
		return nil
	}
	_, approvers := roster.Technicians()
	return slices.DeleteFunc(approvers, func(key string) bool {
		return key == r.Requester.Key() || slices.ContainsFunc(r.Approvals, func(a Approval) bool { return a.By.Key() == key })
	})
}

// status looks up upn and their passes, for a caller already authorised.
func (s *Service) status(ctx context.Context, pol *scope, upn string) (UserStatus, error) {
	t, err := pol.graph.LookupUser(ctx, upn)
	if err != nil {
		return UserStatus{}, err
	}
	passes, err := pol.graph.ListPasses(ctx, t.ID)
	if err != nil {
		return UserStatus{}, err
	}
	return UserStatus{Target: t, Tenant: pol.tenant.Name, Passes: passes}, nil
}

// Revoke deletes every pass upn holds and audits each deletion. Approvers may
// revoke (deleting a valid pass also signs the user out everywhere, so it is
// an approver's call). It first ends every request for upn that could still
// give out a pass (approved, being issued, delivered, or revoked after a
// failed delivery), so neither a re-issue nor an issuance in flight brings
// a pass back. Returns the passes deleted.
func (s *Service) Revoke(ctx context.Context, by Principal, upn string) (UserStatus, error) {
	pol, err := s.route(upn)
	if err != nil {
		if aerr := s.mayApproveAny(ctx, by); aerr != nil {
			return UserStatus{}, aerr
		}
		return UserStatus{}, err
	}
	if err := s.mayApprove(ctx, pol, by); err != nil {
		return UserStatus{}, err
	}
	t, err := pol.graph.LookupUser(ctx, upn)
	if err != nil {
		return UserStatus{}, err
	}
	if err := s.endRequestsFor(ctx, pol, by, t); err != nil {
		return UserStatus{Target: t}, err
	}
	passes, err := pol.graph.ListPasses(ctx, t.ID)
	if err != nil {
		return UserStatus{Target: t}, err
	}
	st := UserStatus{Target: t, Tenant: pol.tenant.Name, Passes: passes}
	for _, p := range st.Passes {
		if err := pol.graph.DeletePass(ctx, st.Target.ID, p.MethodID); err != nil {
			return st, err
		}
		ev := Event{
			Time: s.now().UTC(), Type: EventRevoked, Actor: by.Key(), ActorName: by.Name, Tenant: pol.tenant.ID, TenantName: pol.tenant.Name,
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
// and approvers: those of the tenants by may see.
func (s *Service) Open(ctx context.Context, by Principal) ([]*Request, error) {
	scopes, err := s.viewScopes(ctx, by)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return s.store.ListOpen(func(r *Request) bool {
		if s.tenants.Multi() && !slices.ContainsFunc(scopes, func(sc *scope) bool {
			return sc.tenant.Name == r.TenantName || strings.EqualFold(sc.tenant.ID, r.Tenant) && r.TenantName == ""
		}) {
			return false
		}
		switch r.State {
		case StatePending:
			return now.Before(r.ExpiresAt)
		case StateApproved, StateIssuing, StateIssued:
			return true
		}
		return false
	})
}

// endRequestsFor marks revoked, by by, every request for t that could still
// give out a pass, redraws its card and tells its requester. An issuance in
// flight then fails its next compare-and-set and deletes the pass it made.
func (s *Service) endRequestsFor(ctx context.Context, pol *scope, by Principal, t Target) error {
	live, err := s.store.ListRecent(s.now().Add(-pol.lookback()), func(r *Request) bool {
		return r.Target.ID == t.ID && mayGiveOutPass(r)
	})
	if err != nil {
		return fmt.Errorf("requests for %s: %w", t.UPN, err)
	}
	reason := nameOf(&by) + " revoked it with /tap revoke"
	for _, l := range live {
		r, err := s.store.Update(l.ID, func(r *Request) (Change, error) {
			if !mayGiveOutPass(r) {
				return Change{}, stateError(r)
			}
			r.State, r.RevokedBy, r.FailureReason, r.UpdatedAt = StateRevoked, &by, reason, s.now()
			return Change{Events: []Event{eventFor(EventRevoked, r, by, r.UpdatedAt, "revoked by command; no re-issue")}}, nil
		})
		if ErrorCode(err) == ECONFLICT {
			continue // finished meanwhile in a way that gives out nothing
		}
		if err != nil {
			return fmt.Errorf("end request %s: %w", l.ID, err)
		}
		s.log.Info("request ended by revoke", "request", r.ID, "by", by.Key())
		s.refresh(ctx, r, EventRevoked, fmt.Sprintf("%s revoked the pass for %s (request %s); it cannot be re-issued. Raise a new request if one is still needed.", nameOf(&by), r.Target.UPN, r.ID))
	}
	return nil
}

// mayGiveOutPass reports whether r holds, or may still produce, a pass: a
// request approved or on its way to a pass, delivered (re-issue), or revoked
// after a failed delivery (re-issue), unless a revoke already ended it.
func mayGiveOutPass(r *Request) bool {
	switch r.State {
	case StateApproved, StateIssuing, StateIssued, StateDelivered:
		return true
	case StateRevoked:
		return r.RevokedBy == nil
	}
	return false
}
