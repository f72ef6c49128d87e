package approvals

import (
	"errors"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// maxGroup bounds how many steps share one transaction, so that one
// commit stays short.
const maxGroup = 128

// step is one change of the store: a request's transition, an audit
// event, a reference. The steps that wait while a transaction commits are
// committed together in the next one (group commit): one fsync for all of
// them instead of one each, and still one writer, so each step sees every
// step before it and a compare-and-set in decide stays exact.
//
// bolt.DB.Batch does the same, but it holds a lone caller back for
// MaxBatchDelay (10 ms) hoping for company, and a step that refuses (a late
// click, a rate limit) fails the whole batch, which then runs again. Here a
// lone step commits at once, and a refusal is a step's answer, not the
// transaction's failure: decide writes nothing, so there is nothing to undo.
type step struct {
	// decide reads what the step depends on and may refuse: its error is
	// the step's answer, and it must not have written anything.
	decide func(tx *bolt.Tx) error
	// write makes the change decide allowed. Its error fails the
	// transaction, and every step of it is then run again alone.
	write func(tx *bolt.Tx) error

	err      error // the step's answer
	panicked any   // what decide or write panicked with; re-raised in the caller
	done     bool  // answered; set before wake is signalled
	wake     chan struct{}
}

// writeQueue holds the steps that wait, in order; the first one's caller
// commits a group from the front.
type writeQueue struct {
	mu      sync.Mutex
	steps   []*step
	commits atomic.Uint64 // read-write transactions committed
}

var (
	// errStepFailed aborts a transaction whose step could not write or panicked.
	errStepFailed = errors.New("a step of the transaction failed")
	// errNothingWritten rolls back a transaction whose steps all refused.
	errNothingWritten = errors.New("every step refused")
)

// Commits is how many read-write transactions the store has committed
// since Open. Each one syncs the file to disk (bbolt calls fdatasync twice
// per commit); with many requests in flight, one carries the transitions
// of several.
func (s *BoltStore) Commits() uint64 { return s.queue.commits.Load() }

// do runs st in a read-write transaction, perhaps with other steps, and
// returns its answer once the transaction is committed (or has failed).
// The caller at the front of the queue commits the group; the others wait
// to be told their answer, or that they are at the front now.
func (s *BoltStore) do(st *step) error {
	st.wake = make(chan struct{}, 1)
	q := &s.queue
	q.mu.Lock()
	q.steps = append(q.steps, st)
	lead := len(q.steps) == 1
	q.mu.Unlock()
	if !lead {
		<-st.wake
	}
	if !st.done {
		s.lead()
	}
	if st.panicked != nil {
		panic(st.panicked)
	}
	return st.err
}

// lead commits the group at the front of the queue, of which the caller's
// step is the first, answers its steps and wakes the next front.
func (s *BoltStore) lead() {
	q := &s.queue
	q.mu.Lock()
	group := append([]*step(nil), q.steps[:min(len(q.steps), maxGroup)]...)
	q.mu.Unlock()

	s.commitGroup(group)

	q.mu.Lock()
	clear(q.steps[:len(group)])
	q.steps = q.steps[len(group):]
	var front *step
	if len(q.steps) > 0 {
		front = q.steps[0]
	}
	q.mu.Unlock()
	for _, st := range group {
		st.done = true
	}
	for _, st := range group[1:] {
		st.wake <- struct{}{}
	}
	if front != nil {
		front.wake <- struct{}{}
	}
}

// commitGroup runs the steps in one transaction; if that fails, it runs
// each alone, so one step's failure is only its own. A transaction in which
// every step refused is rolled back: there is nothing to make durable.
func (s *BoltStore) commitGroup(group []*step) {
	if len(group) > 1 {
		err := s.db.Update(func(tx *bolt.Tx) error {
			wrote := false
			for _, st := range group {
				if err := st.run(tx); err != nil {
					return err
				}
				wrote = wrote || st.err == nil
			}
			if !wrote {
				return errNothingWritten
			}
			return nil
		})
		switch {
		case err == nil:
			s.queue.commits.Add(1)
			return
		case errors.Is(err, errNothingWritten):
			return
		}
	}
	for _, st := range group {
		st.err, st.panicked = nil, nil
		err := s.db.Update(func(tx *bolt.Tx) error {
			if err := st.run(tx); err != nil {
				return err
			}
			return st.err // a refusal: nothing to commit
		})
		switch {
		case st.panicked != nil, errors.Is(err, errStepFailed): // st says what
		case err == nil:
			s.queue.commits.Add(1)
		default: // the refusal, or the commit failed
			st.err = err
		}
	}
}

// run does st inside tx. It returns an error only when the transaction
// must not commit: write failed, or the step panicked.
func (st *step) run(tx *bolt.Tx) (abort error) {
	defer func() {
		if p := recover(); p != nil {
			st.panicked, abort = p, errStepFailed
		}
	}()
	if st.err = st.decide(tx); st.err != nil {
		return nil
	}
	if err := st.write(tx); err != nil {
		st.err = err
		return errStepFailed
	}
	return nil
}

// writeOnly is a step that refuses nothing.
func writeOnly(write func(tx *bolt.Tx) error) *step {
	return &step{decide: func(*bolt.Tx) error { return nil }, write: write}
}
