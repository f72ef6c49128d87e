package approvals

import (
	"context"
	"fmt"
	"time"
)

// Delivery says when a request's pass is created and how it reaches the
// requester.
type Delivery string

const (
	// DeliverImmediately creates the pass the moment the last approval
	// comes in and sends it to the requester at once (Notifier.DeliverPass).
	DeliverImmediately Delivery = "immediate"
	// DeliverOnClick leaves an approved request approved and offers the
	// requester a Show pass button (PassOfferer.OfferPass); the pass is
	// created when they press it and shown in answer to that press
	// (ShowPass), so no pass exists that nobody is there to receive.
	DeliverOnClick Delivery = "button"
)

// CrashOffered is the crash point after the requester was offered the
// Show pass button and before they pressed it (DeliverOnClick only).
const CrashOffered = "offered"

// PassOfferer is a Notifier that can offer a pass for pickup. A notifier
// that is not one gets its passes delivered immediately.
type PassOfferer interface {
	// OfferPass tells the requester that r is approved and that its pass
	// is created when they press Show pass. It may be called again for
	// the same request after a restart.
	OfferPass(ctx context.Context, r *Request) error
}

// Deliver shows pass p of request r to the person who asked for it; an
// error means they may not have it, and the pass is then revoked.
type Deliver func(ctx context.Context, r *Request, p Pass) error

// offers reports whether r's pass waits for a click, and the front-end
// that offers it.
func (s *Service) offers(r *Request) (PassOfferer, bool) {
	if s.delivery != DeliverOnClick {
		return nil, false
	}
	n, err := s.notifier(r)
	if err != nil {
		return nil, false
	}
	o, ok := n.(PassOfferer)
	return o, ok
}

// issuesAtOnce reports whether the pass of r is created as soon as r is
// approved: nobody's click waits for it. The final approval then moves r
// on to issuing in the same transaction, saving a commit (an fsync) on the
// way from Approve to the pass; a crash just after it resumes an issuing
// request, as one a moment later would.
func (s *Service) issuesAtOnce(r *Request) bool {
	_, clicks := s.offers(r)
	return !clicks
}

// afterApproval hands an approved request on: with DeliverOnClick the
// requester is offered the Show pass button and no pass is created;
// otherwise the pass is issued and delivered now.
func (s *Service) afterApproval(ctx context.Context, r *Request) (*Request, error) {
	o, ok := s.offers(r)
	if !ok {
		return s.issue(ctx, r.ID)
	}
	s.offer(ctx, o, r)
	return r, nil
}

// offer sends the Show pass button, logging a failure: the approval stands,
// and the next start offers it again.
func (s *Service) offer(ctx context.Context, o PassOfferer, r *Request) {
	if err := o.OfferPass(ctx, r); err != nil {
		s.log.Error("requester not offered the pass; they can ask the approvers to check the bot's DMs", "request", r.ID, "err", err)
		return
	}
	s.log.Info("pass offered", append(s.logTenant(r), "request", r.ID)...)
	s.crashpoint(CrashOffered)
}

// ShowPass creates the pass of approved request id for its requester, who
// pressed Show pass, and hands it to deliver, which answers that press.
// Pressed again after the pass was shown (or revoked because it could not
// be), it gives a fresh pass under Reissue's rules. Returns EFORBIDDEN for
// anyone but the requester and ECONFLICT when the re-issue window after the
// approval has passed (the request then ends expired if no pass was ever
// created) or the request is in no state to show a pass.
func (s *Service) ShowPass(ctx context.Context, id string, by Principal, deliver Deliver) (*Request, error) {
	cur, err := s.store.Get(id)
	if err != nil {
		return nil, err
	}
	if !by.Same(cur.Requester) {
		return nil, Errorf(EFORBIDDEN, "Only the requester of %s can see its pass.", id)
	}
	pol := s.scopeOf(cur)
	switch cur.State {
	case StateApproved:
		if s.pickupOver(pol, cur) {
			return s.expireUncollected(ctx, pol, id)
		}
		return s.issueBy(ctx, id, &by, "Show pass pressed", deliver)
	case StateDelivered, StateRevoked:
		if cur.RevokedBy == nil && s.pickupOver(pol, cur) {
			return cur, pickupExpired(pol, cur)
		}
		return s.reissue(ctx, id, by, deliver)
	case StateIssuing, StateIssued:
		return cur, Errorf(ECONFLICT, "The pass of %s is being created right now; it appears in a moment.", id)
	}
	return cur, stateError(cur)
}

// pickupOver reports whether the re-issue window after r's last approval
// has passed.
func (s *Service) pickupOver(pol *scope, r *Request) bool {
	if len(r.Approvals) == 0 {
		return false
	}
	return s.now().Sub(r.Approvals[len(r.Approvals)-1].At) > pol.ReissueWindow
}

func pickupExpired(pol *scope, r *Request) error {
	return Errorf(ECONFLICT, "Show pass for %s expired: a pass can be shown for %s after approval. Raise a new request if a pass is still needed.",
		r.ID, FormatMinutes(int(pol.ReissueWindow.Minutes())))
}

// expireUncollected ends an approved request nobody collected: its pass
// was never created, and now never will be.
func (s *Service) expireUncollected(ctx context.Context, pol *scope, id string) (*Request, error) {
	detail := "nobody pressed Show pass within " + FormatMinutes(int(pol.ReissueWindow.Minutes())) + " of the approval; no pass was created"
	r, err := s.transition(id, nil, EventExpired, detail, func(r *Request) error {
		if r.State != StateApproved {
			return stateError(r)
		}
		r.State = StateExpired
		return nil
	})
	if err != nil {
		return r, err
	}
	s.log.Info("approved request expired uncollected", append(s.logTenant(r), "request", r.ID)...)
	s.refresh(ctx, r, "", "")
	return r, pickupExpired(pol, r)
}

// resumeOffered finishes, at start, a request whose pass waits for a
// click: an approved one is offered again (the offer may never have gone
// out) and creates nothing; an issuing one was being created for a click
// that can no longer be answered, so any pass Graph made for it is deleted
// and the request ends revoked, which the requester can re-issue.
func (s *Service) resumeOffered(ctx context.Context, o PassOfferer, r *Request) error {
	switch r.State {
	case StateApproved:
		if !s.pickupOver(s.scopeOf(r), r) {
			s.offer(ctx, o, r)
		}
		return nil
	case StateIssuing:
		return s.unwindIssuing(ctx, r)
	}
	return nil
}

// graphSkew is how far Graph's clock may be from tapbot's when telling a
// pass created for an interrupted issuing from an older one.
const graphSkew = time.Minute

// unwindIssuing deletes any pass created for r since it began issuing and
// ends it revoked. When Entra cannot be asked or refuses, r stays issuing
// for the next start.
func (s *Service) unwindIssuing(ctx context.Context, r *Request) error {
	graph := s.scopeOf(r).graph
	passes, err := graph.ListPasses(ctx, r.Target.ID)
	if err != nil {
		s.log.Error("PASS MAY BE LIVE THAT NOBODY HOLDS: could not list passes after a restart; will retry at the next start", "request", r.ID, "target", r.Target.UPN, "err", err)
		return err
	}
	for _, p := range passes {
		if p.Created.Before(r.UpdatedAt.Add(-graphSkew)) {
			continue
		}
		if err := graph.DeletePass(ctx, r.Target.ID, p.MethodID); err != nil {
			s.log.Error("UNSHOWN PASS STILL LIVE: revoke it in the Entra admin center; tapbot retries at the next start", "request", r.ID, "target", r.Target.UPN, "method", p.MethodID, "err", err)
			return err
		}
	}
	reason := "tapbot restarted while it was creating the pass, before it could show it"
	r, err = s.transition(r.ID, nil, EventRevoked, reason, func(r *Request) error {
		if err := s.continues(r, StateIssuing); err != nil {
			return err
		}
		r.State, r.FailureReason = StateRevoked, reason
		return nil
	})
	if err != nil {
		return err
	}
	s.refresh(ctx, r, EventRevoked, fmt.Sprintf("The pass for %s (request %s) was revoked because %s.", r.Target.UPN, r.ID, reason))
	return nil
}

// Delivery is how this service hands out passes.
func (s *Service) Delivery() Delivery {
	if s.delivery == "" {
		return DeliverImmediately
	}
	return s.delivery
}
