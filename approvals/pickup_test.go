package approvals

import (
	"context"
	"sync"
	"testing"
	"time"
)

// offeringNotifier is a fakeNotifier that offers passes for pickup.
type offeringNotifier struct {
	*fakeNotifier
	mu     sync.Mutex
	offers []string
}

func (n *offeringNotifier) OfferPass(_ context.Context, r *Request) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.offers = append(n.offers, r.ID)
	return nil
}

func (n *offeringNotifier) offered() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.offers)
}

// newPickupHarness is newHarness with DeliverOnClick and a notifier that
// offers passes.
func newPickupHarness(t *testing.T) (*harness, *offeringNotifier) {
	t.Helper()
	h := newHarness(t, nil)
	chat := &offeringNotifier{fakeNotifier: h.chat}
	_ = h.svc.Shutdown(context.Background())
	h.svc = NewService(Config{
		Store: h.store, Tenant: h.tenant, TenantID: "contoso", Policy: h.svc.Policy(),
		Notifiers: map[string]Notifier{"slack": chat}, Now: h.clock.Now, Logger: h.svc.log,
		Delivery: DeliverOnClick,
	})
	t.Cleanup(func() { _ = h.svc.Shutdown(context.Background()) })
	return h, chat
}

// shown records the passes a click was answered with.
type shown struct {
	mu     sync.Mutex
	passes []Pass
}

func (s *shown) deliver(_ context.Context, _ *Request, p Pass) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passes = append(s.passes, p)
	return nil
}

func TestShowPassCreatesThePassOnlyOnTheRequestersClick(t *testing.T) {
	ctx := context.Background()
	h, chat := newPickupHarness(t)
	r := h.raise(t, RaiseInput{})
	got, err := h.svc.Approve(ctx, r.ID, appr1)
	if err != nil || got.State != StateApproved {
		t.Fatalf("approve: %v %+v", err, got)
	}
	if h.tenant.createdCount() != 0 || chat.offered() != 1 || h.chat.deliveredCount() != 0 {
		t.Fatalf("after approval: created %d offered %d delivered %d, want 0 1 0", h.tenant.createdCount(), chat.offered(), h.chat.deliveredCount())
	}
	var click shown
	_, err = h.svc.ShowPass(ctx, r.ID, appr1, click.deliver)
	wantCode(t, err, EFORBIDDEN)
	if h.tenant.createdCount() != 0 {
		t.Fatal("a stranger's click created a pass")
	}
	got, err = h.svc.ShowPass(ctx, r.ID, req1, click.deliver)
	if err != nil || got.State != StateDelivered || len(click.passes) != 1 || h.chat.deliveredCount() != 0 {
		t.Fatalf("show pass: %v %+v, shown %d, sent elsewhere %d", err, got, len(click.passes), h.chat.deliveredCount())
	}
	got, err = h.svc.ShowPass(ctx, r.ID, req1, click.deliver)
	if err != nil || got.Reissues != 1 || len(click.passes) != 2 || click.passes[1].MethodID == click.passes[0].MethodID {
		t.Fatalf("second click: %v %+v", err, got)
	}
	h.clock.Advance(11 * time.Minute)
	_, err = h.svc.ShowPass(ctx, r.ID, req1, click.deliver)
	wantCode(t, err, ECONFLICT)
	if len(click.passes) != 2 {
		t.Fatal("a click after the window showed a pass")
	}
}

func TestShowPassAfterTheWindowExpiresWithoutAPass(t *testing.T) {
	ctx := context.Background()
	h, _ := newPickupHarness(t)
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(11 * time.Minute)
	var click shown
	got, err := h.svc.ShowPass(ctx, r.ID, req1, click.deliver)
	wantCode(t, err, ECONFLICT)
	if got.State != StateExpired || h.tenant.createdCount() != 0 {
		t.Fatalf("state %s, created %d; want expired and none", got.State, h.tenant.createdCount())
	}
}

func TestShowPassThatCannotBeShownIsRevoked(t *testing.T) {
	ctx := context.Background()
	h, _ := newPickupHarness(t)
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	got, err := h.svc.ShowPass(ctx, r.ID, req1, func(context.Context, *Request, Pass) error { return errChat })
	if err == nil || got.State != StateRevoked || len(h.tenant.deleted) != 1 {
		t.Fatalf("show failed: %v %+v deleted %v", err, got, h.tenant.deleted)
	}
}

func TestResumeCreatesNoPassForAnApprovalWaitingForItsClick(t *testing.T) {
	ctx := context.Background()
	h, chat := newPickupHarness(t)
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	cur, _ := h.store.Get(r.ID)
	if cur.State != StateApproved || h.tenant.createdCount() != 0 || chat.offered() != 2 {
		t.Fatalf("after resume: %s, created %d, offered %d; want approved, 0, offered again", cur.State, h.tenant.createdCount(), chat.offered())
	}
}

func TestResumeRevokesAPassCreatedButNotShown(t *testing.T) {
	ctx := context.Background()
	h, _ := newPickupHarness(t)
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	// The click's answer never comes back: as if tapbot died showing it.
	stuck, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		_, _ = h.svc.ShowPass(ctx, r.ID, req1, func(context.Context, *Request, Pass) error {
			close(stuck)
			<-release
			return errChat
		})
	}()
	<-stuck
	err := h.svc.Resume(ctx)
	close(release)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := h.store.Get(r.ID)
	if cur.State != StateRevoked || len(h.tenant.deleted) == 0 {
		t.Fatalf("after resume: %s, deleted %v; want revoked", cur.State, h.tenant.deleted)
	}
}
