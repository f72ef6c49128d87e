package approvals

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkRaiseWithOpenRequests measures one raise — the admission rules
// inside bbolt's write lock, the audit append, the card — against a store
// that already holds 100 000 finished requests and 0, 1 000 or 10 000 open
// ones. Every admission rule is on (one open request per user, a rate
// limit, a cooldown), so each lookup runs. Its cost must not grow with the
// open requests nor with the history.
//
// The file is not fsynced (bolt's NoSync): a raise's two commits cost the
// same whatever the store holds, and on a virtual disk their latency
// varies from run to run by more than the whole raise costs, which would
// hide what this measures. BenchmarkFlowsInParallel counts the commits.
func BenchmarkRaiseWithOpenRequests(b *testing.B) {
	for _, open := range []int{0, 1000, 10000} {
		b.Run(fmt.Sprintf("open=%d", open), func(b *testing.B) {
			bs := newBenchStore(b, func(p *Policy) {
				p.RequesterLimit = 1 << 30 // counted, never reached
				p.TargetCooldown = time.Hour
			})
			bs.loadHistory(b, 100_000, open)
			bs.store.db.NoSync = true
			// A ring of targets, each raised again only after the lookback
			// window (2h40m here) has passed it by.
			var upns []string
			for i := range 100 {
				upns = append(upns, bs.addUser(i))
			}
			runtime.GC() // the loader's garbage is not the raise's
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				upn := upns[i%len(upns)]
				r, err := bs.svc.Raise(ctx, RaiseInput{Requester: req1, UPN: upn})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				// Keep the open requests at open: the next raise must see
				// the same store.
				if _, err := bs.svc.Cancel(ctx, r.ID, req1); err != nil {
					b.Fatal(err)
				}
				bs.clock.Advance(2 * time.Minute) // the recent window slides, it does not grow
				b.StartTimer()
			}
		})
	}
}

// benchStore is a Service on a store in a temporary directory, with the
// domain's fakes, for benchmarks.
type benchStore struct {
	store  *BoltStore
	svc    *Service
	tenant *fakeTenant
	clock  *clock
}

func newBenchStore(b *testing.B, mutate func(*Policy)) *benchStore {
	b.Helper()
	store, err := Open(filepath.Join(b.TempDir(), "tapbot.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	pol := Policy{
		Authorizer: NewStaticAuthorizer([]string{req1.Key(), req2.Key()}, []string{appr1.Key(), appr2.Key()}),
		Protect:    []ProtectRule{},
	}
	if mutate != nil {
		mutate(&pol)
	}
	bs := &benchStore{store: store, tenant: newFakeTenant(), clock: &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}}
	bs.svc = NewService(Config{
		Store: store, Tenant: bs.tenant, TenantID: "contoso", Policy: pol,
		Notifiers: map[string]Notifier{"slack": newFakeNotifier()}, Now: bs.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return bs
}

// addUser makes the i-th benchmark target known to the fake tenant.
func (bs *benchStore) addUser(i int) string {
	upn := fmt.Sprintf("bench%d@contoso.com", i)
	bs.tenant.mu.Lock()
	bs.tenant.users[upn] = Target{ID: "id-" + upn, UPN: upn, AccountEnabled: true}
	bs.tenant.mu.Unlock()
	return upn
}

// loadHistory writes finished requests, one every 90 seconds back from
// now (100 000 of them reach 104 days back), by 50 requesters for 5 000
// targets, and open ones pending for targets of their own. It writes
// straight into bbolt in large transactions, with the store's own
// encoding and indexes: a raise per request would take minutes.
func (bs *benchStore) loadHistory(b *testing.B, finished, open int) {
	b.Helper()
	now := bs.clock.Now()
	finals := []State{StateDelivered, StateDenied, StateExpired, StateCancelled}
	var batch []*Request
	flush := func() {
		err := bs.store.db.Update(func(tx *bolt.Tx) error {
			for _, r := range batch {
				if err := storeNew(tx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	add := func(r *Request) {
		if batch = append(batch, r); len(batch) == 10_000 {
			flush()
		}
	}
	for i := range finished {
		created := now.Add(-time.Duration(finished-i) * 90 * time.Second)
		add(&Request{
			ID: fmt.Sprintf("TAP-H%06d", i), Tenant: "contoso", State: finals[i%len(finals)],
			Requester: Principal{Platform: "slack", ID: fmt.Sprintf("UHIST%02d", i%50)},
			Target:    Target{ID: fmt.Sprintf("id-hist%d", i%5000), UPN: fmt.Sprintf("hist%d@contoso.com", i%5000), AccountEnabled: true},
			CreatedAt: created, UpdatedAt: created.Add(5 * time.Minute), ExpiresAt: created.Add(30 * time.Minute),
			LifetimeMinutes: 60, ApprovalsRequired: 1,
		})
	}
	for i := range open {
		created := now.Add(-time.Duration(i%30) * time.Second)
		add(&Request{
			ID: fmt.Sprintf("TAP-O%06d", i), Tenant: "contoso", State: StatePending,
			Requester: Principal{Platform: "slack", ID: fmt.Sprintf("UOPEN%02d", i%50)},
			Target:    Target{ID: fmt.Sprintf("id-open%d", i), UPN: fmt.Sprintf("open%d@contoso.com", i), AccountEnabled: true},
			CreatedAt: created, UpdatedAt: created, ExpiresAt: now.Add(1000 * time.Hour), // open for the whole run
			LifetimeMinutes: 60, ApprovalsRequired: 1,
		})
	}
	flush()
}

// storeNew writes a new request and its index entries, as Create does.
func storeNew(tx *bolt.Tx, r *Request) error {
	if err := putRequest(tx, r); err != nil {
		return err
	}
	return reindex(tx, nil, indexEntries(r))
}

// BenchmarkFlowsInParallel runs whole flows — raise, approve, issue,
// deliver — from 100 goroutines at once against in-memory fakes of Graph
// and chat, as a burst of technicians would: what it shows is how the
// transitions of many requests share bbolt's one writer and its fsyncs.
func BenchmarkFlowsInParallel(b *testing.B) {
	bs := newBenchStore(b, nil)
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(50)
	b.ResetTimer()
	commits := bs.store.Commits()
	defer func() { b.ReportMetric(float64(bs.store.Commits()-commits)/float64(b.N), "commits/flow") }()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			upn := bs.addUser(int(next.Add(1)))
			r, err := bs.svc.Raise(ctx, RaiseInput{Requester: req1, UPN: upn})
			if err != nil {
				b.Error(err)
				return
			}
			if r, err = bs.svc.Approve(ctx, r.ID, appr1); err != nil || r.State != StateDelivered {
				b.Errorf("approve: %v, %v", r, err)
				return
			}
		}
	})
}
