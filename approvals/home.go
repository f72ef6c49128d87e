package approvals

import (
	"context"
	"slices"
	"time"
)

// homeRecent is how far back a technician's own finished requests are
// shown on their Home tab; open ones are shown however old.
const homeRecent = 24 * time.Hour

// homeMax caps each list of a Home tab, which a phone scrolls.
const homeMax = 10

// Home is what one technician's Home tab shows. It never holds a pass.
type Home struct {
	// Mine are by's own requests, newest first: the open ones and those
	// finished in the last day.
	Mine []*Request
	// Waiting are the pending requests by may approve and has not
	// approved, oldest first: the one that expires soonest leads.
	Waiting []*Request
	// Reissue reports whether the requester may still re-issue the pass
	// of a request of Mine (see Reissue), by request id.
	Reissue map[string]bool
}

// HomeOf gathers by's Home tab. Anyone may open it; someone who is neither
// a requester nor an approver sees empty lists. Requests waiting for
// approval are listed only in tenants by approves for, and never by's own.
func (s *Service) HomeOf(ctx context.Context, by Principal) (Home, error) {
	now := s.now()
	mine, err := s.store.ListRecent(now.Add(-homeRecent), func(r *Request) bool { return r.Requester.Same(by) })
	if err != nil {
		return Home{}, err
	}
	slices.Reverse(mine)
	h := Home{Mine: mine[:min(len(mine), homeMax)], Reissue: map[string]bool{}}
	for _, r := range h.Mine {
		h.Reissue[r.ID] = s.mayReissueNow(r)
	}
	pending, err := s.store.ListOpen(func(r *Request) bool {
		return r.State == StatePending && now.Before(r.ExpiresAt) && !r.Requester.Same(by) && !r.ApprovedBy(by)
	})
	if err != nil {
		return Home{}, err
	}
	approves := map[string]bool{} // by tenant name
	for _, r := range pending {
		ok, seen := approves[r.TenantName]
		if !seen {
			ok = s.mayApprove(ctx, s.scopeOf(r), by) == nil
			approves[r.TenantName] = ok
		}
		if ok && len(h.Waiting) < homeMax {
			h.Waiting = append(h.Waiting, r)
		}
	}
	return h, nil
}

// mayReissueNow reports whether r's pass may be re-issued now, as far as
// its state, window and count tell; Reissue makes every check again.
func (s *Service) mayReissueNow(r *Request) bool {
	return s.reissuable(s.scopeOf(r), r, r.Requester) == nil
}
