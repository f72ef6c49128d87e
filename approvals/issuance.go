package approvals

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// issue moves an approved request to issuing and creates and delivers its
// pass. The compare-and-set on approved makes sure one caller issues.
func (s *Service) issue(ctx context.Context, id string) (*Request, error) {
	return s.issueBy(ctx, id, nil, "", nil)
}

// issueBy is issue started by actor (nil: the bot), its event saying
// detail, the pass handed over by deliver (nil: the requester's notifier).
func (s *Service) issueBy(ctx context.Context, id string, actor *Principal, detail string, deliver Deliver) (*Request, error) {
	r, err := s.transition(id, actor, EventIssuing, detail, func(r *Request) error {
		if r.State != StateApproved {
			return stateError(r)
		}
		r.State = StateIssuing
		s.own(r)
		return nil
	})
	if err != nil {
		return r, err
	}
	s.crashpoint(CrashIssuing)
	return s.createAndDeliver(ctx, r, deliver)
}

// createAndDeliver runs the side effects of a request in state issuing and
// hands the pass to deliver (nil: the requester's Notifier.DeliverPass). It
// is safe to run again after a crash: creating a pass replaces any earlier
// one. A delivered pass is recorded as issued and delivered in one commit,
// after the delivery: between the pass and the technician's hands there is
// only Graph and the chat, no fsync. A crash before that commit leaves the
// request issuing, and the replica that resumes it creates a fresh pass,
// which replaces the one that may have been shown, and delivers that. A
// delivery that fails is recorded as issued first, so that the pass it
// could not hand over is revoked even if tapbot dies on the way. Each of
// its transitions checks that this replica still owns r, and neither the
// pass is created nor delivered once this replica's lease may have run
// out: another replica may be taking r over (resume.go).
func (s *Service) createAndDeliver(ctx context.Context, r *Request, deliver Deliver) (*Request, error) {
	defer s.cards.hold(r.ID)() // the card is redrawn once the pass is shown, not on the way
	n, err := s.notifier(r)
	if err != nil {
		// A pass nobody can be handed must not exist: the request stays
		// issuing, listed as stranded, until its platform is configured again.
		s.log.Error("request stranded: no pass created", "request", r.ID, "platform", r.Requester.Platform, "err", err)
		return r, err
	}
	if deliver == nil {
		deliver = n.DeliverPass
	}
	if err := s.alive(r); err != nil {
		return r, err // still issuing: the replica that takes it over creates the pass
	}
	graph := s.scopeOf(r).graph
	pass, err := graph.CreatePass(ctx, r.Target.ID, PassParams{
		LifetimeMinutes: r.LifetimeMinutes, UsableOnce: r.UsableOnce, Start: r.StartAt,
	})
	if err != nil {
		return s.fail(ctx, r.ID, err)
	}
	s.crashpoint(CrashCreated)
	issued := passed(r, pass, s.now())
	if err := s.stillMine(r); err != nil {
		// Another replica took r over, or may be about to: it creates a
		// pass, which replaces this one, and hands that over. Deleting
		// this one leaves none live that nobody holds meanwhile.
		s.deletePass(ctx, graph, r.ID, r.Target.ID, pass.MethodID)
		return r, err
	}
	if err := deliver(ctx, issued, pass); err != nil {
		s.log.Error("pass not delivered; revoking it", "request", r.ID, "err", err)
		rec, rerr := s.recordPass(r.ID, issued, StateIssued, EventIssued)
		if rerr != nil {
			s.log.Error("pass created but not recorded; deleting it", "request", r.ID, "method", pass.MethodID, "err", rerr)
			s.deletePass(ctx, graph, r.ID, r.Target.ID, pass.MethodID)
			return nil, rerr
		}
		s.crashpoint(CrashIssued)
		return s.revokeUndelivered(ctx, rec, "the private message with the pass could not be delivered ("+ErrorMessage(err)+")")
	}
	s.crashpoint(CrashDelivered)
	rec, err := s.recordPass(r.ID, issued, StateDelivered, EventIssued, EventDelivered)
	if err != nil {
		// Shown but not recorded: another replica took the request over
		// and hands over a pass of its own, or the store failed. No pass
		// may be live that tapbot has no record of.
		s.log.Error("pass delivered but not recorded; deleting it", "request", r.ID, "method", pass.MethodID, "err", err)
		s.deletePass(ctx, graph, r.ID, r.Target.ID, pass.MethodID)
		return nil, err
	}
	r = rec
	s.log.Info("pass issued", append(s.logTenant(r), "request", r.ID, "method", r.MethodID, "target", r.Target.UPN)...)
	s.log.Info("pass delivered", append(s.logTenant(r), "request", r.ID, "method", r.MethodID)...)
	s.refresh(ctx, r, "", "")
	s.thread(r, issuedEvents(r, EventDelivered)...) // the final approval's reply waits for the pass, so it never delays it
	s.tellTargetLater(r)
	return r, nil
}

// stillMine checks, without a commit, that issuing request r is still this
// replica's to deliver: the store says so, and its lease has not run out.
func (s *Service) stillMine(r *Request) error {
	if err := s.alive(r); err != nil {
		return err
	}
	cur, err := s.store.Get(r.ID)
	if err != nil {
		return err
	}
	return s.continues(cur, StateIssuing)
}

// passed is r as it is once pass is created for it, at now unless Graph
// said when it starts: what the requester is shown before it is recorded.
func passed(r *Request, pass Pass, now time.Time) *Request {
	start := pass.Start
	if start.IsZero() {
		start = now
	}
	out := *r
	out.State, out.MethodID = StateIssued, pass.MethodID
	out.PassStart, out.PassEnd = start, start.Add(time.Duration(pass.LifetimeMinutes)*time.Minute)
	return &out
}

// recordPass records the pass of request id as issued (passed) holds it,
// and moves the request from issuing to state with events, in one commit.
func (s *Service) recordPass(id string, issued *Request, state State, events ...string) (*Request, error) {
	return s.store.Update(id, func(r *Request) (Change, error) {
		if err := s.continues(r, StateIssuing); err != nil {
			return Change{}, err
		}
		r.State, r.MethodID = state, issued.MethodID
		r.PassStart, r.PassEnd = issued.PassStart, issued.PassEnd
		r.UpdatedAt = s.now()
		var c Change
		for _, typ := range events {
			c.Events = append(c.Events, eventFor(typ, r, Principal{}, r.UpdatedAt, ""))
		}
		return c, nil
	})
}

// issuedEvents are the trail of how an issuance ended: the final approval
// first, unless this was a re-issue, whose approval is already told.
func issuedEvents(r *Request, outcome string) []string {
	if r.Reissues > 0 {
		return []string{outcome}
	}
	return []string{EventApproved, outcome}
}

// fail ends an issuing request in failed with Graph's reason.
func (s *Service) fail(ctx context.Context, id string, cause error) (*Request, error) {
	reason := ErrorMessage(cause)
	s.log.Error("pass not created", "request", id, "err", cause)
	if errors.Is(cause, ErrPassMayBeLive) {
		s.log.Error("PASS MAY BE LIVE THAT NOBODY HOLDS: delete it in the Entra admin center", "request", id, "err", cause)
	}
	r, err := s.transition(id, nil, EventFailed, reason, func(r *Request) error {
		if err := s.continues(r, StateIssuing); err != nil {
			return err
		}
		r.State, r.FailureReason = StateFailed, reason
		return nil
	})
	if err != nil {
		return r, err
	}
	s.refresh(ctx, r, EventFailed, fmt.Sprintf("Request %s for %s was approved by %s, but its pass could not be created: %s", r.ID, r.Target.UPN, approverNames(r), reason))
	s.thread(r, issuedEvents(r, EventFailed)...)
	return r, cause
}

// revokeUndelivered deletes a pass nobody holds. No live pass may exist that
// nobody received: if Entra refuses the delete, the request stays issued so
// the next Resume tries again, and the operator is told loudly.
func (s *Service) revokeUndelivered(ctx context.Context, r *Request, reason string) (*Request, error) {
	if err := s.scopeOf(r).graph.DeletePass(ctx, r.Target.ID, r.MethodID); err != nil {
		s.log.Error("UNDELIVERED PASS STILL LIVE: revoke it in the Entra admin center", "request", r.ID, "target", r.Target.UPN, "method", r.MethodID, "err", err)
		s.refresh(ctx, r, EventFailed, fmt.Sprintf("The pass for %s (request %s) could not be delivered and tapbot could not revoke it yet (%s). It will retry; an admin can also delete it in the Entra admin center.", r.Target.UPN, r.ID, ErrorMessage(err)))
		return r, Errorf(EUNAVAILABLE, "The pass could not be delivered and is not revoked yet: %s", ErrorMessage(err))
	}
	r, err := s.transition(r.ID, nil, EventRevoked, reason, func(r *Request) error {
		if err := s.continues(r, StateIssued); err != nil {
			return err
		}
		r.State, r.FailureReason = StateRevoked, reason
		return nil
	})
	if err != nil {
		return r, err
	}
	// What the requester can do next (re-issue once the cause is fixed)
	// depends on the platform's buttons: the front-end adds it.
	s.refresh(ctx, r, EventRevoked, fmt.Sprintf("The pass for %s (request %s) was revoked because %s.", r.Target.UPN, r.ID, reason))
	s.thread(r, issuedEvents(r, EventRevoked)...)
	return r, Errorf(EUNAVAILABLE, "The pass was revoked because %s.", reason)
}

func (s *Service) deletePass(ctx context.Context, graph Issuer, requestID, userID, methodID string) {
	if err := graph.DeletePass(ctx, userID, methodID); err != nil {
		s.log.Error("UNRECORDED PASS STILL LIVE: revoke it in the Entra admin center", "request", requestID, "target", userID, "method", methodID, "err", err)
	}
}

// Reissue gives the requester a fresh pass for an approved request whose
// pass was lost or never arrived, without a new approval: creating it
// replaces the old one in Entra. Only the requester may ask, only while they
// may still request passes, only within the policy's window after the
// approval, at most MaxReissues times, never after an approver revoked the
// pass, and only if the target, the rate limits and the cooldown would let
// the request be raised now. Returns EFORBIDDEN, or ECONFLICT saying which
// limit was hit.
func (s *Service) Reissue(ctx context.Context, id string, by Principal) (*Request, error) {
	return s.reissue(ctx, id, by, nil)
}

// reissue is Reissue handing the pass to deliver (nil: DeliverPass).
func (s *Service) reissue(ctx context.Context, id string, by Principal, deliver Deliver) (*Request, error) {
	cur, err := s.store.Get(id)
	if err != nil {
		return nil, err
	}
	pol := s.scopeOf(cur)
	if err := s.mayReissue(ctx, pol, cur, by); err != nil {
		return nil, err
	}
	since := s.now().Add(-pol.lookback())
	r, err := s.store.UpdateAdmitted(id, since, func(r *Request, others *Others) (Change, error) {
		if err := s.reissuable(pol, r, by); err != nil {
			return Change{}, err
		}
		if err := pol.admit(r, others, s.now()); err != nil {
			return Change{}, err
		}
		r.Reissues++
		r.State, r.FailureReason, r.UpdatedAt = StateIssuing, "", s.now()
		s.own(r)
		return Change{Events: []Event{eventFor(EventReissued, r, by, r.UpdatedAt, "")}}, nil
	})
	if err != nil {
		return r, err
	}
	defer s.cards.hold(id)()
	s.log.Info("pass re-issue", "request", r.ID, "by", by.Key(), "reissues", r.Reissues)
	s.refresh(ctx, r, "", "")
	return s.createAndDeliver(ctx, r, deliver)
}
