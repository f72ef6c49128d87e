package approvals

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// storeWith opens a store holding n pending requests, TAP-000 … .
func storeWith(t *testing.T, n int) *BoltStore {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "tapbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for i := range n {
		r := &Request{ID: fmt.Sprintf("TAP-%03d", i), State: StatePending, Requester: req1, Target: Target{ID: fmt.Sprintf("id-%d", i)}, CreatedAt: now, UpdatedAt: now}
		if err := s.Create(r, Event{Time: now, Type: EventRaised, RequestID: r.ID}, now, nil); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// holdWriter makes the store's writer busy inside a transaction until the
// returned release is called, so that the steps started meanwhile queue.
func holdWriter(t *testing.T, s *BoltStore, id string) (release func()) {
	t.Helper()
	entered, held := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := s.Update(id, func(*Request) (Change, error) {
			close(entered)
			<-held
			return Change{}, nil
		})
		done <- err
	}()
	<-entered
	return func() {
		close(held)
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// waitQueued returns once n steps wait for the writer.
func waitQueued(s *BoltStore, n int) {
	for {
		s.queue.mu.Lock()
		queued := len(s.queue.steps)
		s.queue.mu.Unlock()
		if queued >= n {
			return
		}
		runtime.Gosched()
	}
}

func TestConcurrentCompareAndSetLetsExactlyOneThrough(t *testing.T) {
	s := storeWith(t, 1)
	var wg sync.WaitGroup
	results := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			_, err := s.Update("TAP-000", func(r *Request) (Change, error) {
				if r.State != StatePending {
					return Change{}, Errorf(ECONFLICT, "already %s", r.State)
				}
				r.State, r.Approvals = StateApproved, []Approval{{By: Principal{Platform: "slack", ID: fmt.Sprint("U", i)}}}
				return Change{Events: []Event{{Type: EventApproved, RequestID: r.ID}}}, nil
			})
			results <- err
		})
	}
	wg.Wait()
	close(results)
	won := 0
	for err := range results {
		switch ErrorCode(err) {
		case "":
			won++
		case ECONFLICT:
		default:
			t.Errorf("update: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of 50 concurrent compare-and-sets went through, want 1", won)
	}
	if r, _ := s.Get("TAP-000"); len(r.Approvals) != 1 {
		t.Fatalf("stored approvals %v", r.Approvals)
	}
}

func TestStepsThatWaitedShareOneCommit(t *testing.T) {
	const waiting = 20
	s := storeWith(t, waiting+1)
	before := s.Commits()
	release := holdWriter(t, s, "TAP-000")
	var wg sync.WaitGroup
	for i := 1; i <= waiting; i++ {
		wg.Go(func() {
			if _, err := s.Update(fmt.Sprintf("TAP-%03d", i), func(r *Request) (Change, error) {
				r.Reason = "changed"
				return Change{Events: []Event{{Type: EventApproved, RequestID: r.ID}}}, nil
			}); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(s, waiting+1)
	release()
	wg.Wait()
	if n := s.Commits() - before; n != 2 {
		t.Fatalf("%d commits, want 2: the held one, then the %d that waited, together", n, waiting)
	}
	for i := 1; i <= waiting; i++ {
		if r, _ := s.Get(fmt.Sprintf("TAP-%03d", i)); r.Reason != "changed" {
			t.Fatalf("%s not changed: %+v", r.ID, r)
		}
	}
	if n, err := s.VerifyAudit(); err != nil || n != 2*waiting+1 {
		t.Fatalf("audit after the group: %d events, %v", n, err)
	}
}

func TestAStepThatFailsInAGroupFailsAlone(t *testing.T) {
	const waiting = 12
	s := storeWith(t, waiting+1)
	release := holdWriter(t, s, "TAP-000")
	errs := make([]error, waiting+1)
	panics := make([]any, waiting+1)
	var wg sync.WaitGroup
	for i := 1; i <= waiting; i++ {
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			_, errs[i] = s.Update(fmt.Sprintf("TAP-%03d", i), func(r *Request) (Change, error) {
				switch i {
				case 3:
					panic("step 3 broke")
				case 5:
					return Change{}, Errorf(ECONFLICT, "Request %s was already denied.", r.ID)
				case 7:
					r.UpdatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) // JSON cannot encode it
				}
				r.Reason = "changed"
				return Change{Events: []Event{{Type: EventApproved, RequestID: r.ID}}}, nil
			})
		})
	}
	waitQueued(s, waiting+1)
	release()
	wg.Wait()
	for i := 1; i <= waiting; i++ {
		r, _ := s.Get(fmt.Sprintf("TAP-%03d", i))
		switch i {
		case 3:
			if panics[i] != "step 3 broke" {
				t.Errorf("step 3: panic %v, want it re-raised in its caller", panics[i])
			}
		case 5:
			if ErrorCode(errs[i]) != ECONFLICT {
				t.Errorf("step 5: %v, want its own refusal", errs[i])
			}
		case 7:
			if errs[i] == nil || !strings.Contains(errs[i].Error(), "encode request") {
				t.Errorf("step 7: %v, want the encoding error", errs[i])
			}
		default:
			if errs[i] != nil || panics[i] != nil || r.Reason != "changed" {
				t.Errorf("step %d: %v %v %+v, want it committed", i, errs[i], panics[i], r)
			}
			continue
		}
		if r.Reason != "" {
			t.Errorf("step %d failed but its change was kept: %+v", i, r)
		}
	}
	if n, err := s.VerifyAudit(); err != nil || n != waiting+1+waiting-3 {
		t.Fatalf("audit: %d events, %v", n, err)
	}
}

func TestStepsThatAllRefuseCommitNothing(t *testing.T) {
	const waiting = 10
	s := storeWith(t, 1)
	before := s.Commits()
	release := holdWriter(t, s, "TAP-000")
	refused := errors.New("no")
	var wg sync.WaitGroup
	for range waiting {
		wg.Go(func() {
			if _, err := s.Update("TAP-000", func(*Request) (Change, error) { return Change{}, refused }); err != refused {
				t.Errorf("update: %v, want the refusal", err)
			}
		})
	}
	waitQueued(s, waiting+1)
	release()
	wg.Wait()
	if n := s.Commits() - before; n != 1 {
		t.Fatalf("%d commits, want only the held one", n)
	}
}
