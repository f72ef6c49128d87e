package approvals

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
)

// replicaSet is the liveness of replicas sharing one store, as a Leaser of
// each would report it.
type replicaSet struct {
	mu   sync.Mutex
	live map[string]bool
}

// replicaLease is one replica's Leaser in a replicaSet.
type replicaLease struct {
	set   *replicaSet
	id    string
	alive atomic.Bool
}

func (rs *replicaSet) join(id string) *replicaLease {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.live == nil {
		rs.live = map[string]bool{}
	}
	rs.live[id] = true
	l := &replicaLease{set: rs, id: id}
	l.alive.Store(true)
	return l
}

// die ends l's lease: the others see it dead, and it knows it.
func (l *replicaLease) die() {
	l.set.mu.Lock()
	defer l.set.mu.Unlock()
	delete(l.set.live, l.id)
	l.alive.Store(false)
}

// forgotten takes l out of the live set without telling l.
func (l *replicaLease) forgotten() {
	l.set.mu.Lock()
	defer l.set.mu.Unlock()
	delete(l.set.live, l.id)
}

func (l *replicaLease) Replica() string { return l.id }
func (l *replicaLease) Alive() bool     { return l.alive.Load() }
func (l *replicaLease) Live() (map[string]bool, error) {
	l.set.mu.Lock()
	defer l.set.mu.Unlock()
	live := map[string]bool{}
	for id := range l.set.live {
		live[id] = true
	}
	return live, nil
}
func (l *replicaLease) Hold(ctx context.Context, _ string, fn func(context.Context)) { fn(ctx) }

// replica is another Service on h's store, tenant and chat, as a second
// tapbot process on one database, with leaser and crashpoint.
func (h *harness) replica(t *testing.T, leaser Leaser, crashpoint func(string)) *Service {
	t.Helper()
	svc := NewService(Config{
		Store: h.store, Tenant: h.tenant, TenantID: "contoso", Policy: h.svc.Policy(),
		Notifiers: map[string]Notifier{"slack": h.chat}, Now: h.clock.Now, Leaser: leaser, Crashpoint: crashpoint,
		Logger: slog.New(slog.DiscardHandler), // h.logs has a handler of its own already
	})
	t.Cleanup(func() { _ = svc.Shutdown(context.Background()) })
	return svc
}

// stopAt returns a crashpoint that holds the caller at point until
// release is closed, telling reached.
func stopAt(point string) (hook func(string), reached, release chan struct{}) {
	reached, release = make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	return func(p string) {
		if p == point && first.CompareAndSwap(false, true) {
			close(reached)
			<-release
		}
	}, reached, release
}

func TestTakeOverLeavesALiveReplicasRequestAloneAndFinishesItOnceItDied(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	var set replicaSet
	leaseA, leaseB := set.join("replica-a"), set.join("replica-b")
	hook, reached, release := stopAt(CrashIssuing)
	a, b := h.replica(t, leaseA, hook), h.replica(t, leaseB, nil)
	r, err := a.Raise(ctx, RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	if err != nil {
		t.Fatal(err)
	}
	approved := make(chan error, 1)
	go func() {
		_, err := a.Approve(ctx, r.ID, appr1)
		approved <- err
	}()
	<-reached // a is issuing the pass, and alive

	for _, resume := range []func(context.Context) error{b.TakeOver, b.Resume} {
		if err := resume(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if cur, _ := h.store.Get(r.ID); cur.State != StateIssuing || cur.Owner != "replica-a" || h.tenant.createdCount() != 0 {
		t.Fatalf("another replica touched a live replica's request: %s owned by %s, %d passes created", cur.State, cur.Owner, h.tenant.createdCount())
	}

	leaseA.die()
	if err := b.TakeOver(ctx); err != nil {
		t.Fatal(err)
	}
	close(release) // a wakes up past its lease
	if err := <-approved; ErrorCode(err) != EUNAVAILABLE {
		t.Fatalf("the dead replica's approval returned %v, want EUNAVAILABLE", err)
	}
	cur, _ := h.store.Get(r.ID)
	if cur.State != StateDelivered || cur.Owner != "replica-b" {
		t.Fatalf("after the take-over the request is %s owned by %s, want delivered by replica-b", cur.State, cur.Owner)
	}
	if h.tenant.createdCount() != 1 || h.chat.deliveredCount() != 1 {
		t.Fatalf("%d passes created and %d delivered, want one of each", h.tenant.createdCount(), h.chat.deliveredCount())
	}
}

// A replica whose request was taken over neither delivers nor records its
// pass, and deletes it: it finds out from its lease when that ran out
// (dies), and from the store when the others saw it run out while its own
// clock says it still holds it (forgotten).
func TestAReplicaWhoseRequestWasTakenOverNeitherRecordsNorDeliversItsPass(t *testing.T) {
	for _, tc := range []struct {
		name string
		lose func(l *replicaLease)
		want string
	}{
		{"its lease ran out", (*replicaLease).die, EUNAVAILABLE},
		{"the others saw it run out", (*replicaLease).forgotten, ECONFLICT},
	} {
		t.Run(tc.name, func(t *testing.T) { takenOverMidIssue(t, tc.lose, tc.want) })
	}
}

func takenOverMidIssue(t *testing.T, lose func(*replicaLease), want string) {
	ctx := context.Background()
	h := newHarness(t, nil)
	var set replicaSet
	leaseA, leaseB := set.join("replica-a"), set.join("replica-b")
	a, b := h.replica(t, leaseA, nil), h.replica(t, leaseB, nil)
	r, err := a.Raise(ctx, RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	if err != nil {
		t.Fatal(err)
	}
	// a's call to Graph hangs past its lease; b takes the request over.
	inGraph, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	h.tenant.createHook = func() {
		if first.CompareAndSwap(false, true) { // a's call; b's goes through
			close(inGraph)
			<-release
		}
	}
	approved := make(chan error, 1)
	go func() {
		_, err := a.Approve(ctx, r.ID, appr1)
		approved <- err
	}()
	<-inGraph
	lose(leaseA)
	if err := b.TakeOver(ctx); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-approved; ErrorCode(err) != want {
		t.Fatalf("the replica whose request was taken over got %v, want %s", err, want)
	}
	cur, _ := h.store.Get(r.ID)
	if cur.State != StateDelivered || h.chat.deliveredCount() != 1 {
		t.Fatalf("request %s with %d deliveries, want delivered once", cur.State, h.chat.deliveredCount())
	}
	h.tenant.mu.Lock()
	defer h.tenant.mu.Unlock()
	if len(h.tenant.created) != 2 || len(h.tenant.deleted) != 1 || h.tenant.deleted[0] == cur.MethodID {
		t.Fatalf("created %d, deleted %v (delivered %s): want the late replica's pass, and only it, deleted", len(h.tenant.created), h.tenant.deleted, cur.MethodID)
	}
}

func TestTwoReplicasTakingOverAtOnceFinishEachOrphanOnce(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	var set replicaSet
	dead := set.join("replica-dead")
	b, c := h.replica(t, set.join("replica-b"), nil), h.replica(t, set.join("replica-c"), nil)
	var ids []string
	for i := range 4 {
		r := h.raise(t, RaiseInput{UPN: "user" + string(rune('0'+i)) + "@contoso.com"})
		if _, err := h.store.Update(r.ID, func(r *Request) (Change, error) {
			r.State, r.Owner = StateIssuing, dead.Replica()
			return Change{}, nil
		}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	dead.die()
	var wg sync.WaitGroup
	for _, svc := range []*Service{b, c} {
		wg.Go(func() {
			if err := svc.TakeOver(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		if cur, _ := h.store.Get(id); cur.State != StateDelivered {
			t.Errorf("%s ended %s, want delivered", id, cur.State)
		}
	}
	if h.tenant.createdCount() != len(ids) || h.chat.deliveredCount() != len(ids) {
		t.Fatalf("%d passes created and %d delivered for %d orphans, want one each", h.tenant.createdCount(), h.chat.deliveredCount(), len(ids))
	}
}

// A pass is shown before it is recorded: killed between the two, the
// request is still issuing, and Resume hands the requester a fresh pass
// (which replaces the one shown) and records that one. Killed after a
// failed delivery was recorded, Resume revokes the pass nobody received.
func TestKilledAroundThePassResumeEndsEachRequestRight(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		point     string
		failing   bool  // the first delivery fails
		want      State // after Resume
		delivered int   // passes handed over in all
	}{
		{CrashCreated, false, StateDelivered, 1},
		{CrashDelivered, false, StateDelivered, 2},
		{CrashIssued, true, StateRevoked, 0},
	} {
		t.Run(tc.point, func(t *testing.T) {
			h := newHarness(t, nil)
			r := h.raise(t, RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
			if tc.failing {
				h.chat.deliverErr = errors.New("channel_not_found")
			}
			h.svc.crashAt = func(point string) {
				if point == tc.point {
					panic(point)
				}
			}
			func() {
				defer func() {
					if p := recover(); p != tc.point {
						t.Fatalf("the approval ended with %v, not killed at %s", p, tc.point)
					}
				}()
				_, _ = h.svc.Approve(ctx, r.ID, appr1)
			}()
			h.svc.crashAt, h.chat.deliverErr = nil, nil
			stored, _ := h.store.Get(r.ID)
			if want := map[string]State{CrashCreated: StateIssuing, CrashDelivered: StateIssuing, CrashIssued: StateIssued}[tc.point]; stored.State != want {
				t.Fatalf("killed at %s, the request is stored %s, want %s", tc.point, stored.State, want)
			}
			if err := h.svc.Resume(ctx); err != nil {
				t.Fatal(err)
			}
			got, _ := h.store.Get(r.ID)
			if got.State != tc.want || h.chat.deliveredCount() != tc.delivered {
				t.Fatalf("after Resume the request is %s with %d passes delivered, want %s and %d", got.State, h.chat.deliveredCount(), tc.want, tc.delivered)
			}
			h.tenant.mu.Lock()
			defer h.tenant.mu.Unlock()
			if tc.want == StateDelivered && got.MethodID != h.tenant.created[len(h.tenant.created)-1].MethodID {
				t.Errorf("the request records pass %s, want the last one created (%v)", got.MethodID, h.tenant.created)
			}
			if tc.want == StateRevoked && (len(h.tenant.deleted) != 1 || h.tenant.deleted[0] != stored.MethodID) {
				t.Errorf("deleted %v, want the undelivered pass %s", h.tenant.deleted, stored.MethodID)
			}
		})
	}
}
