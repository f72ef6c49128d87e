package approvals

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// followed runs a follower named name on s in the background, handing
// each event's seq to the returned channel after handle (nil: accept all)
// accepts it. stop ends the follower and waits for it.
func followed(t *testing.T, s *BoltStore, name string, f Follower, handle func(Event) error) (seqs <-chan uint64, stop func()) {
	t.Helper()
	out := make(chan uint64, 100)
	f.Store, f.Name = s, name
	if f.Interval == 0 {
		f.Interval = time.Hour // only appends wake it, unless a test says otherwise
	}
	f.Handle = func(_ context.Context, ev Event) error {
		if handle != nil {
			if err := handle(ev); err != nil {
				return err
			}
		}
		out <- ev.Seq
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx) }()
	return out, func() { cancel(); <-done }
}

func record(t *testing.T, s *BoltStore, n int) {
	t.Helper()
	for range n {
		if err := s.Record(Event{Time: time.Now(), Type: EventRevoked, Actor: "slack:U1"}); err != nil {
			t.Fatal(err)
		}
	}
}

func next(t *testing.T, seqs <-chan uint64) uint64 {
	t.Helper()
	select {
	case seq := <-seqs:
		return seq
	case <-time.After(20 * time.Second):
		t.Fatal("the follower handed no event")
		return 0
	}
}

func TestFollowerHandsEveryEventOnceInOrderAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tapbot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	record(t, s, 3)
	seqs, stop := followed(t, s, "siem/test", Follower{}, nil)
	for want := uint64(1); want <= 3; want++ {
		if got := next(t, seqs); got != want {
			t.Fatalf("handed event %d, want %d", got, want)
		}
	}
	stop()
	record(t, s, 2) // appended while nobody follows
	s.Close()

	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seqs, stop = followed(t, s, "siem/test", Follower{}, nil)
	for want := uint64(4); want <= 5; want++ {
		if got := next(t, seqs); got != want {
			t.Fatalf("after the restart handed event %d, want %d", got, want)
		}
	}
	stop() // the cursor is saved after Handle returns
	if lag, err := s.AuditLag("siem/test"); err != nil || lag != 0 {
		t.Fatalf("lag %d (%v) after every event was taken", lag, err)
	}
}

func TestFollowerTakesEachEventAsItIsAppended(t *testing.T) {
	s := openTemp(t)
	seqs, stop := followed(t, s, "stdout/test", Follower{Interval: time.Hour}, nil)
	defer stop()
	for want := uint64(1); want <= 3; want++ {
		record(t, s, 1) // an hour's interval: only the append can wake it
		if got := next(t, seqs); got != want {
			t.Fatalf("handed event %d, want %d", got, want)
		}
	}
}

func TestFollowerKeepsTheSlackMirrorsCursor(t *testing.T) {
	s := openTemp(t)
	record(t, s, 3)
	if err := s.PutRef("slack-audit-mirror", "CAUDIT", []byte("2")); err != nil { // as the mirror stored it before Follower
		t.Fatal(err)
	}
	if lag, err := s.AuditLag("slack-audit-mirror/CAUDIT"); err != nil || lag != 1 {
		t.Fatalf("lag %d (%v), want 1", lag, err)
	}
	seqs, stop := followed(t, s, "slack-audit-mirror/CAUDIT", Follower{Interval: time.Millisecond}, nil)
	defer stop()
	if got := next(t, seqs); got != 3 {
		t.Fatalf("the mirror's follower handed event %d, want 3: it did not resume from the stored cursor", got)
	}
}

func TestFollowerBacksOffOnItsClockAndResumesAtTheFailedEvent(t *testing.T) {
	s := openTemp(t)
	record(t, s, 1)
	clk := &clock{t: time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)}
	var mu sync.Mutex
	down := false
	waits := make(chan time.Duration, 100)
	f := Follower{
		Interval: time.Millisecond, // looks often: only the clock may space the retries out
		Backoff:  Backoff{Min: time.Second, Max: 5 * time.Minute},
		Now:      clk.Now,
		Failed:   func(_ error, retryIn time.Duration) { waits <- retryIn },
	}
	seqs, stop := followed(t, s, "webhook/test", f, func(Event) error {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return errors.New("503 Service Unavailable")
		}
		return nil
	})
	defer stop()
	if got := next(t, seqs); got != 1 {
		t.Fatalf("handed event %d first", got)
	}

	mu.Lock()
	down = true
	mu.Unlock()
	record(t, s, 2) // event 2 fails, and 3 waits behind it
	want := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300}
	for i, w := range want {
		select {
		case got := <-waits:
			if got != w*time.Second {
				t.Fatalf("failure %d: next try in %v, want %v (a retry came before its backoff had passed)", i+1, got, w*time.Second)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("failure %d never came", i+1)
		}
		clk.Advance(w * time.Second)
	}
	if lag, _ := s.AuditLag("webhook/test"); lag != 2 {
		t.Fatalf("lag %d during the outage, want 2", lag)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	for want := uint64(2); want <= 3; want++ {
		if got := next(t, seqs); got != want {
			t.Fatalf("after recovery handed event %d, want %d", got, want)
		}
	}
}

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	b := Backoff{Min: time.Second, Max: 5 * time.Minute}
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {9, 256 * time.Second}, {10, 5 * time.Minute}, {1000, 5 * time.Minute}} {
		if got := b.after(tc.failures); got != tc.want {
			t.Errorf("after %d failures: %v, want %v", tc.failures, got, tc.want)
		}
	}
	if got := (Backoff{}).after(3); got != 0 {
		t.Errorf("the zero Backoff waits %v", got)
	}
}

func openTemp(t *testing.T) *BoltStore {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "tapbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
