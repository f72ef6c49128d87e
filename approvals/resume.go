package approvals

import (
	"context"
	"errors"
	"fmt"
)

// Who finishes a request in flight, when replicas share a store.
//
// A request in flight (pending without its card or with a step never
// started, approved, issuing, issued) has an Owner: the replica that
// started its current work, recorded in the same transaction that started
// it (Raise, the final approval, Show pass, a re-issue, a take-over). Every
// transition that continues the work (issued, delivered, failed, revoked,
// the card recorded) checks, inside its transaction, that this replica is
// still the owner, and the two side effects that must not happen twice
// (creating the pass, delivering it) are started only while this
// replica's liveness lease holds (Leaser.Alive).
//
// Resume and TakeOver finish only orphans: requests whose owner holds no
// liveness lease (Leaser.Live), or that have none (stored before owners
// were recorded). Each is claimed first by a compare-and-set on its state
// and owner as listed, so of several replicas resuming at once one takes
// it, and a request its owner moved on meanwhile is left alone.
//
// Why that is safe. A live replica's requests are never touched: its lease
// holds, so they are not orphans. A replica counts as dead only once its
// lease ran out in the database; by then it has not renewed it for a whole
// lease period, so it has stopped creating and delivering passes itself
// (Alive is false sooner on its own clock than the lease ends on the
// database's), and once the new owner's claim is committed, every
// transition the old one might still attempt fails the owner check. So at
// most one replica records a pass as issued for each issuance, and only
// that one delivers it; a pass another created on the way is replaced in
// Entra by the next one created (a user has one), or deleted by its creator
// when recording it fails; and an issued request whose delivery nobody
// confirmed is revoked by the replica that takes it over, as after a crash.

// own makes this replica the owner of r, inside the caller's transaction.
func (s *Service) own(r *Request) { r.Owner = s.leaser.Replica() }

// mine reports whether this replica owns r.
func (s *Service) mine(r *Request) bool { return r.Owner == s.leaser.Replica() }

// continues checks, inside a transition, that r is still in state want and
// still this replica's to work on.
func (s *Service) continues(r *Request, want State) error {
	if r.State != want {
		return stateError(r)
	}
	if !s.mine(r) {
		return takenOver(r)
	}
	return nil
}

// takenOver is what a replica is told when another replica took its
// request over.
func takenOver(r *Request) error {
	return Errorf(ECONFLICT, "Request %s is being finished by another tapbot replica.", r.ID)
}

// alive refuses to start a side effect of r once this replica's lease may
// have run out.
func (s *Service) alive(r *Request) error {
	if s.leaser.Alive() {
		return nil
	}
	s.log.Warn("lease on the database lost: leaving the request to the replica that takes it over", "request", r.ID, "state", r.State)
	return Errorf(EUNAVAILABLE, "tapbot lost its connection to the database, so another replica finishes request %s; ask again in a minute if nothing arrives.", r.ID)
}

// Resume finishes what no live replica is working on. Call it once at
// start, before serving: a pending request without a card gets one, and one
// whose manager was never asked or whose Verified ID check never started
// has them started (startSteps); an approved or issuing one is issued
// (creating a pass replaces any earlier one); an issued one whose delivery
// was never confirmed is revoked, because nobody can say whether its holder
// has it. With DeliverOnClick an approved request creates no pass (its
// requester is offered Show pass again) and an issuing one has any pass
// made for it deleted and ends revoked (resumeOffered): the click it
// answered cannot be answered any more.
//
// Resume takes the orphans of dead replicas (see the top of this file) and
// this replica's own requests: at its start it owns none, and after a
// restart of the same store its earlier id is gone.
func (s *Service) Resume(ctx context.Context) error { return s.resume(ctx, true) }

// TakeOver is Resume for a replica that is serving: it finishes the orphans
// of dead replicas only, never a request this replica is working on. One
// replica runs it every few seconds (the holder of a lease), so that a
// replica's requests move on within seconds of its death; it is safe on
// several at once.
func (s *Service) TakeOver(ctx context.Context) error { return s.resume(ctx, false) }

// resume finishes the orphans, and this replica's own requests when own.
func (s *Service) resume(ctx context.Context, own bool) error {
	live, err := s.leaser.Live()
	if err != nil {
		return fmt.Errorf("read which replicas are alive: %w", err)
	}
	me := s.leaser.Replica()
	open, err := s.store.ListOpen(func(r *Request) bool {
		if r.Owner == me && !own || r.Owner != me && live[r.Owner] {
			return false
		}
		return unfinished(r)
	})
	if err != nil {
		return fmt.Errorf("list unfinished requests: %w", err)
	}
	for _, r := range open {
		if _, err := s.notifier(r); err != nil && r.State != StateIssued {
			// Left as it is for when its platform is configured again; an
			// issued one is still revoked below, which needs no chat.
			s.logStranded(r, err)
			continue
		}
		if r.Owner != me {
			s.log.Info("taking over request", "request", r.ID, "state", r.State, "from", r.Owner)
		}
		if r = s.claim(r); r == nil {
			continue
		}
		s.log.Info("resuming request", "request", r.ID, "state", r.State)
		if err := s.resumeOne(ctx, r); err != nil {
			s.log.Warn("resumed request did not complete", "request", r.ID, "err", err)
		}
	}
	return nil
}

// unfinished reports whether r was left with work to do.
func unfinished(r *Request) bool {
	switch r.State {
	case StateApproved, StateIssuing, StateIssued:
		return true
	case StatePending:
		return r.Card.ID == "" || r.unstarted()
	}
	return false
}

// logStranded reports a request of an unconfigured platform, once per
// process: TakeOver meets it again every few seconds.
func (s *Service) logStranded(r *Request, err error) {
	if _, seen := s.stranded.LoadOrStore(r.ID, true); seen {
		return
	}
	s.log.Error("request stranded: not resumed", "request", r.ID, "state", r.State, "platform", r.Requester.Platform, "err", err)
}

// errMoved is a claim's refusal: the request is not as it was listed.
var errMoved = errors.New("moved on since it was listed")

// claim makes this replica the owner of r, as listed, and returns r as
// claimed; nil when its state or owner changed since it was listed.
func (s *Service) claim(r *Request) *Request {
	if s.mine(r) {
		return r
	}
	state, owner := r.State, r.Owner
	claimed, err := s.store.Update(r.ID, func(r *Request) (Change, error) {
		if r.State != state || r.Owner != owner {
			return Change{}, errMoved
		}
		s.own(r)
		return Change{}, nil
	})
	if err != nil {
		s.log.Info("request not taken over", "request", r.ID, "reason", err.Error())
		return nil
	}
	return claimed
}

// resumeOne finishes claimed request r.
func (s *Service) resumeOne(ctx context.Context, r *Request) error {
	if o, ok := s.offers(r); ok && r.State != StateIssued && r.State != StatePending {
		return s.resumeOffered(ctx, o, r)
	}
	var err error
	switch r.State {
	case StatePending:
		err = s.resumePending(ctx, r)
	case StateApproved:
		_, err = s.issue(ctx, r.ID)
	case StateIssuing:
		_, err = s.createAndDeliver(ctx, r, nil)
	case StateIssued:
		_, err = s.revokeUndelivered(ctx, r, "tapbot restarted before it could confirm the pass was delivered")
	}
	return err
}

// resumePending posts the card of pending request r if it has none and
// starts the steps that ask someone and were never started; when that
// ends the request, the requester is told why.
func (s *Service) resumePending(ctx context.Context, r *Request) error {
	if r.Card.ID == "" {
		var err error
		if r, err = s.postCard(ctx, r); err != nil {
			return err
		}
	}
	r, err := s.startSteps(ctx, r)
	if err != nil && r != nil {
		s.refresh(ctx, r, EventManagerUnreachable, ErrorMessage(err))
	}
	return err
}
