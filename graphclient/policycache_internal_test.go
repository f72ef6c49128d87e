package graphclient

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// heldFetch is a policy read that waits for release and counts its calls.
type heldFetch struct {
	calls   atomic.Int32
	release chan struct{}
}

func (h *heldFetch) fetch(ctx context.Context) (approvals.TAPPolicy, error) {
	h.calls.Add(1)
	select {
	case <-h.release:
		return approvals.TAPPolicy{Enabled: true, MaxLifetime: 480}, nil
	case <-ctx.Done():
		return approvals.TAPPolicy{}, ctx.Err()
	}
}

func TestPolicyReadUnderWayIsSharedEvenWithoutCaching(t *testing.T) {
	pc := &policyCache{ttl: 0, now: time.Now}
	h := &heldFetch{release: make(chan struct{})}
	first, second := pc.read(context.Background(), h.fetch), pc.read(context.Background(), h.fetch)
	if first != second {
		t.Fatal("a lookup while the policy was being read started a read of its own")
	}
	close(h.release)
	<-first.done
	if p, err := pc.get(context.Background(), h.fetch); err != nil || p.MaxLifetime != 480 {
		t.Fatalf("get = %+v, %v", p, err)
	}
	if n := h.calls.Load(); n != 2 {
		t.Errorf("%d reads, want 2: the shared one, then a new one as nothing is cached", n)
	}
}

func TestCallerGivingUpDoesNotFailTheOthersWaitingForTheRead(t *testing.T) {
	pc := &policyCache{ttl: time.Minute, now: time.Now}
	h := &heldFetch{release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	r := pc.read(ctx, h.fetch) // the read starts on the impatient caller's behalf
	cancel()
	if _, err := pc.get(ctx, h.fetch); !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller who gave up got %v, want its own cancellation", err)
	}
	close(h.release)
	p, err := pc.get(context.Background(), h.fetch)
	if err != nil || !p.Enabled {
		t.Fatalf("a patient caller got %+v, %v; want the policy the shared read found", p, err)
	}
	<-r.done
	if n := h.calls.Load(); n != 1 {
		t.Errorf("%d reads, want the one shared read", n)
	}
}
