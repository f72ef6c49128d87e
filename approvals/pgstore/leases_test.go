package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/pgtest"
)

// testTTL is short so that a dead replica's lease runs out within the
// test; nothing here depends on a renewal arriving in time.
const testTTL = time.Second

// waitLong bounds a wait for something that must happen; reaching it fails
// the test.
const waitLong = 60 * time.Second

func openForLeases(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func startLeases(t *testing.T, s *Store) *Leases {
	t.Helper()
	l, err := s.StartLeases(testTTL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !l.closing {
			_ = l.Close()
		}
	})
	return l
}

// holding runs l.Hold of name in the background; the channel receives
// fn's context each time fn starts.
func holding(t *testing.T, l *Leases, name string) <-chan context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan context.Context, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Hold(ctx, name, func(ctx context.Context) {
			started <- ctx
			<-ctx.Done()
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return started
}

func started(t *testing.T, ch <-chan context.Context, who string) context.Context {
	t.Helper()
	select {
	case ctx := <-ch:
		return ctx
	case <-time.After(waitLong):
		t.Fatalf("%s never took the lease", who)
		return nil
	}
}

// halt stops l's renewals without giving anything up, as SIGKILL would.
func halt(l *Leases) {
	l.stop()
	<-l.done
}

// beats waits for n renewals of l.
func beats(t *testing.T, l *Leases, n int) {
	t.Helper()
	for range n {
		select {
		case <-l.nextBeat():
		case <-time.After(waitLong):
			t.Fatal("no renewal")
		}
	}
}

func TestALeaseRunsOnOneReplicaAndMovesWhenItsHolderDies(t *testing.T) {
	s := openForLeases(t, pgtest.URL(t))
	a, b := startLeases(t, s), startLeases(t, s)
	if a.Replica() == b.Replica() {
		t.Fatalf("two replicas share the id %s", a.Replica())
	}
	started(t, holding(t, a, "sweeper"), "the first replica")
	onB := holding(t, b, "sweeper")
	beats(t, b, 3) // the second replica tried three times while the first lives
	select {
	case <-onB:
		t.Fatal("the second replica took a lease the first holds and renews")
	default:
	}
	dead := a.Replica()
	halt(a)
	started(t, onB, "the second replica, after the first died,")
	live, err := b.Live()
	if err != nil {
		t.Fatal(err)
	}
	if live[dead] || !live[b.Replica()] {
		t.Fatalf("live replicas %v: want %s and not the dead %s", live, b.Replica(), dead)
	}
}

func TestAReplicaBackAfterItsLeaseRanOutStopsItsLoopsAndTakesANewID(t *testing.T) {
	s := openForLeases(t, pgtest.URL(t))
	a, b := startLeases(t, s), startLeases(t, s)
	onA := started(t, holding(t, a, "audit-feed/webhook"), "the first replica")
	onB := holding(t, b, "audit-feed/webhook")
	old := a.Replica()
	halt(a) // cut off: it renews nothing, its loop still runs
	started(t, onB, "the second replica")
	a.renew() // the database answers again
	select {
	case <-onA.Done():
	default:
		t.Fatal("the loop of a replica whose lease ran out still runs")
	}
	if a.Replica() == old || !a.Alive() {
		t.Fatalf("after its lease ran out the replica is %s (alive %v); want a new id and alive", a.Replica(), a.Alive())
	}
}

func TestAClosedReplicaHandsItsLeasesOnAtOnce(t *testing.T) {
	s := openForLeases(t, pgtest.URL(t))
	a, b := startLeases(t, s), startLeases(t, s)
	onA := started(t, holding(t, a, "resume"), "the first replica")
	onB := holding(t, b, "resume")
	gone := a.Replica()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if onA.Err() == nil {
		t.Fatal("the loop of a closed replica still runs")
	}
	if a.Alive() {
		t.Fatal("a closed replica says it is alive")
	}
	started(t, onB, "the second replica")
	live, err := b.Live()
	if err != nil || live[gone] {
		t.Fatalf("live replicas %v (%v) still hold the closed %s", live, err, gone)
	}
}
