package approvals

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// historySize is how many finished requests the growth benchmark's
// database holds besides the open ones: years of a busy helpdesk.
const historySize = 100_000

// BenchmarkRaiseWithOpenRequests measures one raise (Graph and chat are
// in-memory fakes, the store is a real bbolt file) with 0, 1 000 and 10 000
// requests open and 100 000 in history. It is the "raise cost" row of
// tapbot bench (issue 13): the figure should not grow with the open ones.
// Each raised request is cancelled outside the timer, so the number open
// stays what the sub-benchmark's name says.
//
//	go test -run '^$' -bench RaiseWithOpenRequests -benchtime 200x ./approvals
func BenchmarkRaiseWithOpenRequests(b *testing.B) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	history := filepath.Join(b.TempDir(), "history.db")
	seedStore(b, history, func(s *Store) {
		for i := range historySize {
			// One request a minute going back: the last hundred or so are
			// inside the window rate limits look at, the rest are older.
			seed(b, s, fmt.Sprintf("TAP-H%06d", i), StateDelivered, now.Add(-time.Duration(i+1)*time.Minute), i)
		}
	})
	for _, open := range []int{0, 1_000, 10_000} {
		path := filepath.Join(b.TempDir(), fmt.Sprintf("open%d.db", open))
		copyFile(b, history, path)
		seedStore(b, path, func(s *Store) {
			for i := range open {
				seed(b, s, fmt.Sprintf("TAP-O%06d", i), StatePending, now.Add(-time.Duration(i+1)*time.Second), historySize+i)
			}
		})
		b.Run(fmt.Sprintf("open=%d/history=%d", open, historySize), func(b *testing.B) {
			benchRaise(b, path, now)
		})
	}
}

// benchRaise raises b.N requests on the store at path, cancelling each
// outside the timer.
func benchRaise(b *testing.B, path string, now time.Time) {
	store, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	tenant, clk := newFakeTenant(), &clock{t: now}
	svc := NewService(Config{
		Store: store, Tenant: tenant, TenantID: "contoso", Now: clk.Now,
		Policy:    Policy{Authorizer: NewStaticAuthorizer([]string{req1.Key()}, []string{appr1.Key()})},
		Notifiers: map[string]Notifier{"slack": newFakeNotifier()},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		upn := fmt.Sprintf("raise%d@contoso.com", i)
		tenant.mu.Lock()
		tenant.users[upn] = Target{ID: "id-" + upn, UPN: upn, DisplayName: upn, AccountEnabled: true, UserType: "Member"}
		tenant.mu.Unlock()
		b.StartTimer()
		r, err := svc.Raise(ctx, RaiseInput{Requester: req1, UPN: upn, Reason: "new phone"})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if _, err := svc.Cancel(ctx, r.ID, req1); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// seedStore opens the store at path, lets fill add to it without waiting
// for the disk after each request (it is set-up, not what is measured), and
// closes it synced.
func seedStore(b *testing.B, path string, fill func(s *Store)) {
	b.Helper()
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	s.db.NoSync = true
	fill(s)
	s.db.NoSync = false
	if err := s.db.Sync(); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
}

// seed stores one request in state, created at, through Create so that
// every index the store keeps sees it; n picks its target and requester.
func seed(b *testing.B, s *Store, id string, state State, at time.Time, n int) {
	who := Principal{Platform: "slack", ID: fmt.Sprintf("UTECH%03d", n%50), Name: "tech"}
	r := &Request{
		ID: id, Tenant: "contoso", Requester: who, State: state, Reason: "new phone, INC-4711",
		Target:          Target{ID: fmt.Sprintf("id-seed-%d", n), UPN: fmt.Sprintf("seed%d@contoso.com", n), DisplayName: "Seeded user", AccountEnabled: true, UserType: "Member"},
		LifetimeMinutes: 60, UsableOnce: true, CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(30 * time.Minute), ApprovalsRequired: 1,
	}
	if state == StatePending {
		r.ExpiresAt = at.Add(24 * time.Hour) // still open when the benchmark raises
	} else {
		r.Approvals = []Approval{{By: appr1, At: at}}
		r.MethodID, r.PassStart, r.PassEnd = "method-"+id, at, at.Add(time.Hour)
	}
	if err := s.Create(r, eventFor(EventRaised, r, who, at, ""), at, nil); err != nil {
		b.Fatal(err)
	}
}

func copyFile(b *testing.B, from, to string) {
	data, err := os.ReadFile(from)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		b.Fatal(err)
	}
}
