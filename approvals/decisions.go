package approvals

import (
	"context"
	"fmt"
	"strings"
)

// Approve records by's approval of request id. When enough distinct approvers
// have said yes the request becomes approved and the pass is issued and
// delivered before Approve returns: Graph is called first, the pass message
// (which names the approvers) follows, and the card is redrawn after it, in
// the background, so no chat call delays the pass. People are compared by their Entra user
// where tapbot knows it (see Principal.Distinct). Returns EFORBIDDEN for a
// non-approver, the requester themselves, or someone tapbot cannot tell
// apart from the requester or an earlier approver, ECONFLICT (with what
// happened instead) when the request is no longer pending, ENOTFOUND for an
// unknown id. A request with verification steps is approved as
// ApproveVerified approves it without a callback tick.
func (s *Service) Approve(ctx context.Context, id string, by Principal) (*Request, error) {
	return s.ApproveVerified(ctx, id, by, Callback{})
}

// Callback is what an approver says about the callback step when they
// approve: that they called the user back on a number from the directory,
// and what they note (which number, what the user said).
type Callback struct {
	Called bool
	Note   string
}

// ApproveVerified is Approve for a request with verification steps: the
// approval is refused while the manager has not confirmed or the Verified
// ID check is not verified (ECONFLICT saying what it waits for), and,
// while the callback step is not ticked, unless cb.Called (EINVALID). A
// tick is recorded with the approval, in the same transaction, as an
// EventVerifyCallback. The request becomes approved only with its
// approvals and every step satisfied. Otherwise it returns what Approve
// does.
func (s *Service) ApproveVerified(ctx context.Context, id string, by Principal, cb Callback) (*Request, error) {
	cur, pol, err := s.forApprover(ctx, id, by)
	if err != nil {
		return nil, err
	}
	if err := s.separated(ctx, pol, cur.Requester, by); err != nil {
		return nil, err
	}
	requester, by, err := s.identifyBoth(ctx, pol, cur.Requester, by)
	if err != nil {
		return nil, err
	}
	defer s.cards.hold(id)() // every redraw this approval causes is drawn once, after it
	r, err := s.updatePending(ctx, id, func(r *Request) (Change, error) {
		if r.Requester.EntraID == "" {
			r.Requester.EntraID = requester.EntraID
		}
		if err := checkDistinct(r, by); err != nil {
			return Change{}, err
		}
		if err := waitingFor(r); err != nil {
			return Change{}, err
		}
		now := s.now()
		events, err := tickCallback(r, by, now, cb)
		if err != nil {
			return Change{}, err
		}
		r.Approvals = append(r.Approvals, Approval{By: by, At: now})
		r.UpdatedAt = now
		detail := fmt.Sprintf("approval %d of %d", len(r.Approvals), r.ApprovalsRequired)
		events = append(events, eventFor(EventApproved, r, by, now, detail))
		if len(r.Approvals) >= r.ApprovalsRequired && len(r.Verify.Pending()) == 0 {
			r.State = StateApproved
			s.own(r) // this replica issues it, or offers it for the click
			if s.issuesAtOnce(r) {
				r.State = StateIssuing
				events = append(events, eventFor(EventIssuing, r, Principal{}, now, ""))
			}
		}
		return Change{Events: events}, nil
	})
	if err != nil {
		return r, err
	}
	s.log.Info("request approved", append(s.logTenant(r), "request", r.ID, "approver", by.Key(), "approvals", len(r.Approvals), "required", r.ApprovalsRequired)...)
	if r.State == StatePending {
		s.refresh(ctx, r, EventApproved, fmt.Sprintf("%s approved request %s for %s; it needs %d more approval(s).",
			nameOf(&by), r.ID, r.Target.UPN, r.ApprovalsRequired-len(r.Approvals)))
		s.thread(r, EventApproved)
		return r, nil
	}
	s.crashpoint(CrashApproved)
	// No "approved, creating the pass" notice: the pass follows at once and
	// says who approved it, and a failure says so too.
	s.refresh(ctx, r, "", "")
	if r.State == StateIssuing { // approved and issuing in one commit: one fsync fewer before the pass
		s.crashpoint(CrashIssuing)
		return s.createAndDeliver(ctx, r, nil)
	}
	return s.afterApproval(ctx, r)
}

// MayApprove returns request id when by may approve it now, so a chat
// front-end can open the callback form (NeedsCallback) before anything
// happens. It returns what ApproveVerified would for an approver who may
// not approve here, the requester, a request no longer pending, or one
// whose steps hold it back; the checks that need Graph (groups, identity)
// come only with the approval itself.
func (s *Service) MayApprove(ctx context.Context, id string, by Principal) (*Request, error) {
	r, _, err := s.forApprover(ctx, id, by)
	if err != nil {
		return nil, err
	}
	if r.State != StatePending {
		return r, stateError(r)
	}
	if by.Same(r.Requester) {
		return r, Errorf(EFORBIDDEN, "You can't approve your own request; another approver has to.")
	}
	return r, waitingFor(r)
}

// NeedsCallback reports whether approving r needs the callback tick
// (Verification.NeedsCallback): the chat front-end then asks the approver
// in a form and hands the answer to ApproveVerified.
func (s *Service) NeedsCallback(r *Request) bool { return r.Verify.NeedsCallback() }

// Deny ends pending request id with by's no. Any approver may deny, including
// the requester's own request (it only takes power away). Returns EFORBIDDEN
// for a non-approver, EINVALID when the policy wants a reason and none is
// given, and ECONFLICT when the request is no longer pending.
func (s *Service) Deny(ctx context.Context, id string, by Principal, reason string) (*Request, error) {
	_, pol, err := s.forApprover(ctx, id, by)
	if err != nil {
		return nil, err
	}
	if pol.DenyReasonRequired && strings.TrimSpace(reason) == "" {
		return nil, Errorf(EINVALID, "Say why you deny %s: the requester needs to know what to fix before asking again.", id)
	}
	return s.decide(ctx, id, by, reason, StateDenied, EventDenied, func(r *Request) string {
		text := fmt.Sprintf("%s denied request %s for %s.", nameOf(&by), r.ID, r.Target.UPN)
		if reason != "" {
			text += " Reason: " + reason
		}
		return text
	})
}

// MayDeny returns request id when by may deny it now, so a chat front-end
// can ask for the reason before anything happens. Returns what Deny would:
// EFORBIDDEN for a non-approver, ECONFLICT when the request is no longer
// pending, ENOTFOUND for an unknown id.
func (s *Service) MayDeny(ctx context.Context, id string, by Principal) (*Request, error) {
	r, _, err := s.forApprover(ctx, id, by)
	if err != nil {
		return nil, err
	}
	if r.State != StatePending {
		return r, stateError(r)
	}
	return r, nil
}

// DenyReasonRequired reports whether denying r needs a reason, so a chat
// front-end can mark its reason input required.
func (s *Service) DenyReasonRequired(r *Request) bool { return s.scopeOf(r).DenyReasonRequired }

// forApprover reads request id for by, who must be an approver of its
// tenant: an approver of one customer cannot decide another's requests,
// wherever the card is. For an unknown id, someone who approves nowhere
// gets EFORBIDDEN, as before the id is looked at.
func (s *Service) forApprover(ctx context.Context, id string, by Principal) (*Request, *scope, error) {
	cur, err := s.store.Get(id)
	if err != nil {
		if ferr := s.mayApproveAny(ctx, by); ferr != nil {
			return nil, nil, ferr
		}
		return nil, nil, err
	}
	pol := s.scopeOf(cur)
	if err := s.mayApprove(ctx, pol, by); err != nil {
		return nil, nil, err
	}
	return cur, pol, nil
}

// Cancel ends pending request id at its requester's wish. Returns EFORBIDDEN
// when by is not the requester and ECONFLICT when it is no longer pending.
func (s *Service) Cancel(ctx context.Context, id string, by Principal) (*Request, error) {
	r, err := s.store.Get(id)
	if err != nil {
		return nil, err
	}
	if !by.Same(r.Requester) {
		return nil, Errorf(EFORBIDDEN, "Only the requester can cancel %s; approvers can deny it.", id)
	}
	return s.decide(ctx, id, by, "", StateCancelled, EventCancelled, func(r *Request) string {
		return fmt.Sprintf("You cancelled request %s for %s.", r.ID, r.Target.UPN)
	})
}

// decide moves a pending request to a final state chosen by a person.
func (s *Service) decide(ctx context.Context, id string, by Principal, reason string, to State, typ string, tell func(*Request) string) (*Request, error) {
	r, err := s.updatePending(ctx, id, func(r *Request) (Change, error) {
		r.State, r.DecidedBy, r.DecisionReason, r.UpdatedAt = to, &by, reason, s.now()
		return Change{Events: []Event{eventFor(typ, r, by, r.UpdatedAt, reason)}}, nil
	})
	if err != nil {
		return r, err
	}
	s.log.Info("request "+string(to), append(s.logTenant(r), "request", r.ID, "by", by.Key())...)
	s.refresh(ctx, r, typ, tell(r))
	s.thread(r, typ)
	return r, nil
}

// updatePending applies fn to request id if it is still pending, in one
// transaction, once the place of a card being posted for it is recorded. A
// request past its deadline is marked expired instead (fn does not run),
// its card redrawn and its requester told, and the caller gets ECONFLICT
// saying so; a request no longer pending gives ECONFLICT with what happened
// to it. Returns EUNAVAILABLE when ctx ends while the card is being posted.
func (s *Service) updatePending(ctx context.Context, id string, fn func(r *Request) (Change, error)) (*Request, error) {
	if err := s.posts.wait(ctx, id); err != nil {
		return nil, err
	}
	var expired bool
	r, err := s.store.Update(id, func(r *Request) (Change, error) {
		if c, late := s.expireIfLate(r); late {
			expired = true
			return c, nil
		}
		if r.State != StatePending {
			return Change{}, stateError(r)
		}
		return fn(r)
	})
	if expired {
		s.refresh(ctx, r, EventExpired, fmt.Sprintf("Request %s for %s expired before anyone decided.", r.ID, r.Target.UPN))
		s.thread(r, EventExpired)
	}
	return r, err
}

// ExpireDue expires every pending request past its deadline, redraws its card
// and tells its requester. It returns how many it expired. The sweeper calls
// it; because the deadline is stored, it picks up where it left off after a
// restart.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.store.ListOpen(func(r *Request) bool { return r.State == StatePending && !now.Before(r.ExpiresAt) })
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		r, err := s.store.Update(d.ID, func(r *Request) (Change, error) {
			if c, late := s.expireIfLate(r); late {
				c.Err = nil
				return c, nil
			}
			return Change{}, stateError(r) // decided meanwhile: leave it
		})
		if err != nil {
			continue
		}
		n++
		s.log.Info("request expired", "request", r.ID)
		s.refresh(ctx, r, EventExpired, fmt.Sprintf("Request %s for %s expired: nobody approved it within %s.", r.ID, r.Target.UPN, FormatMinutes(int(r.ExpiresAt.Sub(r.CreatedAt).Minutes()))))
		s.thread(r, EventExpired)
	}
	return n, nil
}
