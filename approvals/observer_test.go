package approvals

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
)

// recordingObserver remembers "event/state" for every transition it sees.
type recordingObserver struct {
	mu   sync.Mutex
	seen []string
}

func (o *recordingObserver) Transition(r *Request, ev Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, ev.Type+"/"+string(r.State))
}

func (o *recordingObserver) transitions() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.seen)
}

// observed rebuilds h's service with an observer, as the wiring does.
func observed(h *harness) *recordingObserver {
	obs := &recordingObserver{}
	h.svc = NewService(Config{
		Store: h.store, Tenant: h.tenant, TenantID: "contoso",
		Policy: Policy{Authorizer: NewStaticAuthorizer(
			[]string{req1.Key(), req2.Key()}, []string{appr1.Key(), appr2.Key(), req2.Key()})},
		Notifiers: map[string]Notifier{"slack": h.chat}, Now: h.clock.Now, Observer: obs,
		Logger: slog.New(slog.NewTextHandler(h.logs, nil)),
	})
	return obs
}

func TestObserverSeesEveryCommittedTransitionAndNothingRefused(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		act  func(t *testing.T, h *harness, id string)
		want []string
	}{
		{"approved request walks to delivered", func(t *testing.T, h *harness, id string) {
			if _, err := h.svc.Approve(ctx, id, appr1); err != nil {
				t.Fatal(err)
			}
		}, // the final approval and issuing are one commit: both events see it issuing
			[]string{"raised/pending", "approved/issuing", "issuing/issuing", "issued/delivered", "delivered/delivered"}},
		{"self-approval changes nothing and is not observed", func(t *testing.T, h *harness, id string) {
			_, err := h.svc.Approve(ctx, id, req2)
			wantCode(t, err, EFORBIDDEN)
		}, []string{"raised/pending"}},
		{"denial ends the request", func(t *testing.T, h *harness, id string) {
			if _, err := h.svc.Deny(ctx, id, appr1, "no ticket"); err != nil {
				t.Fatal(err)
			}
		}, []string{"raised/pending", "denied/denied"}},
		{"late approval expires the request", func(t *testing.T, h *harness, id string) {
			h.clock.Advance(time.Hour)
			_, err := h.svc.Approve(ctx, id, appr1)
			wantCode(t, err, ECONFLICT)
		}, []string{"raised/pending", "expired/expired"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			obs := observed(h)
			r := h.raise(t, RaiseInput{Requester: req2})
			tc.act(t, h, r.ID)
			if got := obs.transitions(); !slices.Equal(got, tc.want) {
				t.Fatalf("observed %v, want %v", got, tc.want)
			}
		})
	}
}
