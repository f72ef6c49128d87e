package approvals

import (
	"context"
	"strings"
	"sync"
	"testing"
)

// orderNotifier records, in order, what the service asked of the chat, and
// can hold card redraws until the test lets them go.
type orderNotifier struct {
	*fakeNotifier
	mu    sync.Mutex
	calls []string      // "post", "update:<state>", "tell", "deliver"
	gate  chan struct{} // non-nil: UpdateCard waits for it
	drawn chan State    // each redraw's state as it begins, when non-nil
}

func (n *orderNotifier) note(call string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls = append(n.calls, call)
}

func (n *orderNotifier) log() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.calls...)
}

func (n *orderNotifier) PostCard(ctx context.Context, r *Request) (MessageRef, error) {
	n.note("post")
	return n.fakeNotifier.PostCard(ctx, r)
}

func (n *orderNotifier) UpdateCard(ctx context.Context, r *Request) error {
	if n.drawn != nil {
		n.drawn <- r.State
	}
	if n.gate != nil {
		<-n.gate
	}
	n.note("update:" + string(r.State))
	return n.fakeNotifier.UpdateCard(ctx, r)
}

func (n *orderNotifier) TellRequester(ctx context.Context, no Notice) error {
	n.note("tell")
	return n.fakeNotifier.TellRequester(ctx, no)
}

func (n *orderNotifier) DeliverPass(ctx context.Context, r *Request, p Pass) error {
	n.note("deliver")
	return n.fakeNotifier.DeliverPass(ctx, r, p)
}

// withOrderNotifier replaces h's service by one telling an orderNotifier.
func withOrderNotifier(t *testing.T, h *harness, mutate func(*Policy)) *orderNotifier {
	t.Helper()
	n := &orderNotifier{fakeNotifier: h.chat}
	pol := h.svc.Policy()
	if mutate != nil {
		mutate(&pol)
	}
	h.svc = NewService(Config{Store: h.store, Tenant: h.tenant, TenantID: "contoso", Policy: pol,
		Notifiers: map[string]Notifier{"slack": n}, Now: h.clock.Now})
	t.Cleanup(func() { _ = h.svc.Shutdown(context.Background()) })
	return n
}

func countPrefix(calls []string, prefix string) int {
	n := 0
	for _, c := range calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

func TestFinalApprovalCallsGraphAndDeliversBeforeAnyChatCallAndRedrawsOnceAfter(t *testing.T) {
	h := newHarness(t, nil)
	n := withOrderNotifier(t, h, nil)
	r := h.raise(t, RaiseInput{})
	var atCreate []string
	h.tenant.createHook = func() { atCreate = n.log() }
	if _, err := h.svc.Approve(context.Background(), r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if len(atCreate) != 1 || atCreate[0] != "post" {
		t.Fatalf("chat calls before Graph created the pass: %v, want only the card's post", atCreate)
	}
	calls := n.log()
	want := []string{"post", "deliver", "update:delivered"}
	if len(calls) != len(want) {
		t.Fatalf("chat calls %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Fatalf("chat calls %v, want %v", calls, want)
		}
	}
}

func TestEachApprovalOfSeveralRedrawsTheCardOnce(t *testing.T) {
	h := newHarness(t, nil)
	n := withOrderNotifier(t, h, func(p *Policy) { p.ApprovalsRequired = 2 })
	r := h.raise(t, RaiseInput{})
	for _, by := range []Principal{appr1, appr2} {
		if _, err := h.svc.Approve(context.Background(), r.ID, by); err != nil {
			t.Fatal(err)
		}
		h.settle()
	}
	calls := n.log()
	if got := countPrefix(calls, "update:"); got != 2 {
		t.Fatalf("%d card redraws for two approvals (%v), want 2", got, calls)
	}
	if last := calls[len(calls)-1]; last != "update:delivered" {
		t.Fatalf("the card was last drawn as %s (%v), want delivered", last, calls)
	}
}

func TestRedrawsAskedForDuringADrawBecomeOneOfTheLatestState(t *testing.T) {
	h := newHarness(t, nil)
	n := withOrderNotifier(t, h, nil)
	r := h.raise(t, RaiseInput{})
	n.gate, n.drawn = make(chan struct{}), make(chan State, 10)
	h.svc.cards.redraw(r.ID)
	if got := <-n.drawn; got != StatePending {
		t.Fatalf("first redraw drew %s", got)
	}
	// While that draw hangs, the request is denied and redrawn three times.
	if _, err := h.svc.Deny(context.Background(), r.ID, appr1, "no ticket"); err != nil {
		t.Fatal(err)
	}
	h.svc.cards.redraw(r.ID)
	h.svc.cards.redraw(r.ID)
	close(n.gate)
	h.settle()
	if got := countPrefix(n.log(), "update:"); got != 2 {
		t.Fatalf("%d draws (%v), want the one in flight and one more", got, n.log())
	}
	if <-n.drawn != StateDenied || h.card(r.ID) != StateDenied {
		t.Fatalf("the last draw does not show the denial: %v", n.log())
	}
}

func TestShutdownWaitsForTheRedrawsLeftBehind(t *testing.T) {
	h := newHarness(t, nil)
	n := withOrderNotifier(t, h, nil)
	r := h.raise(t, RaiseInput{})
	n.gate, n.drawn = make(chan struct{}), make(chan State, 1)
	if _, err := h.svc.Deny(context.Background(), r.ID, appr1, ""); err != nil {
		t.Fatal(err)
	}
	<-n.drawn
	done := make(chan error, 1)
	go func() {
		err := h.svc.Shutdown(context.Background())
		n.note("shutdown returned")
		done <- err
	}()
	close(n.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	calls := n.log()
	if calls[len(calls)-1] != "shutdown returned" || h.chat.card(r.ID) != StateDenied {
		t.Fatalf("Shutdown returned before the redraw was done: %v", calls)
	}
}
