package approvals

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	req1   = Principal{Platform: "slack", ID: "UREQ1", Name: "rita"}
	req2   = Principal{Platform: "slack", ID: "UREQ2", Name: "rob"}
	appr1  = Principal{Platform: "slack", ID: "UAPP1", Name: "anna"}
	appr2  = Principal{Platform: "slack", ID: "UAPP2", Name: "arno"}
	nobody = Principal{Platform: "slack", ID: "UNOBODY", Name: "nina"}
)

type harness struct {
	svc    *Service
	store  *BoltStore
	tenant *fakeTenant
	chat   *fakeNotifier
	clock  *clock
	logs   *bytes.Buffer
}

func newHarness(t *testing.T, mutate func(*Policy)) *harness {
	t.Helper()
	store, err := Open(filepath.Join(t.TempDir(), "tapbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	pol := Policy{
		Authorizer: NewStaticAuthorizer(
			[]string{req1.Key(), req2.Key(), appr1.Key()},
			[]string{appr1.Key(), appr2.Key(), req2.Key()}),
	}
	if mutate != nil {
		mutate(&pol)
	}
	h := &harness{store: store, tenant: newFakeTenant(), chat: newFakeNotifier(),
		clock: &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}, logs: &bytes.Buffer{}}
	h.svc = NewService(Config{
		Store: store, Tenant: h.tenant, TenantID: "contoso", Policy: pol,
		Notifiers: map[string]Notifier{"slack": h.chat}, Now: h.clock.Now,
		Logger: slog.New(slog.NewTextHandler(h.logs, nil)),
	})
	t.Cleanup(func() { _ = h.svc.Shutdown(context.Background()) }) // before the store closes
	return h
}

// settle waits until the card redraws asked for so far are drawn.
func (h *harness) settle() { h.svc.cards.wait() }

// card is the state request id's card shows once the redraws asked for so
// far are drawn.
func (h *harness) card(id string) State {
	h.settle()
	return h.chat.card(id)
}

func (h *harness) raise(t *testing.T, in RaiseInput) *Request {
	t.Helper()
	if in.Requester.ID == "" {
		in.Requester = req1
	}
	if in.UPN == "" {
		in.UPN = "alice@contoso.com"
	}
	r, err := h.svc.Raise(context.Background(), in)
	if err != nil {
		t.Fatalf("raise: %v", err)
	}
	return r
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestApprovedRequestIsIssuedAndDeliveredOnce(t *testing.T) {
	h := newHarness(t, nil)
	r := h.raise(t, RaiseInput{Lifetime: 2 * time.Hour, Reason: "new phone"})
	if r.State != StatePending || r.Card.ID == "" || r.LifetimeMinutes != 120 {
		t.Fatalf("raised request = %+v", r)
	}
	got, err := h.svc.Approve(context.Background(), r.ID, appr1)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateDelivered || got.MethodID != "method-1" || got.PassEnd.Sub(got.PassStart) != 2*time.Hour {
		t.Fatalf("approved request = %+v", got)
	}
	if h.tenant.createdCount() != 1 || h.chat.deliveredCount() != 1 {
		t.Fatalf("created %d delivered %d, want 1 and 1", h.tenant.createdCount(), h.chat.deliveredCount())
	}
	if h.card(r.ID) != StateDelivered {
		t.Fatalf("card shows %s", h.card(r.ID))
	}
	events, _ := h.store.Audit(time.Time{})
	var types []string
	for _, ev := range events {
		types = append(types, ev.Type)
	}
	want := []string{EventRaised, EventApproved, EventIssuing, EventIssued, EventDelivered}
	if len(types) != len(want) {
		t.Fatalf("audit = %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("audit = %v, want %v", types, want)
		}
	}
	if events[3].MethodID != "method-1" {
		t.Fatalf("issued event lacks method id: %+v", events[3])
	}
}

func TestApproveBySameUserIsRefused(t *testing.T) {
	h := newHarness(t, nil)
	r := h.raise(t, RaiseInput{Requester: req2}) // req2 is both requester and approver
	_, err := h.svc.Approve(context.Background(), r.ID, req2)
	wantCode(t, err, EFORBIDDEN)
	if got, _ := h.store.Get(r.ID); got.State != StatePending || len(got.Approvals) != 0 {
		t.Fatalf("request changed: %+v", got)
	}
	if h.tenant.createdCount() != 0 {
		t.Fatal("a pass was created")
	}
}

func TestDefaultDenyRefusesEveryone(t *testing.T) {
	h := newHarness(t, func(p *Policy) { p.Authorizer = nil })
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	wantCode(t, err, EFORBIDDEN)
	if all, _ := h.store.List(nil); len(all) != 0 {
		t.Fatalf("stored %d requests", len(all))
	}
	_, err = h.svc.Open(context.Background(), appr1)
	wantCode(t, err, EFORBIDDEN)
}

func TestNonRequesterAndNonApproverAreRefused(t *testing.T) {
	h := newHarness(t, nil)
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: appr2, UPN: "alice@contoso.com"})
	wantCode(t, err, EFORBIDDEN)
	r := h.raise(t, RaiseInput{})
	_, err = h.svc.Approve(context.Background(), r.ID, nobody)
	wantCode(t, err, EFORBIDDEN)
	_, err = h.svc.Deny(context.Background(), r.ID, nobody, "")
	wantCode(t, err, EFORBIDDEN)
	_, err = h.svc.Cancel(context.Background(), r.ID, appr1)
	wantCode(t, err, EFORBIDDEN)
	if got, _ := h.store.Get(r.ID); got.State != StatePending {
		t.Fatalf("state = %s", got.State)
	}
}

func TestRaiseRefusesWhatTheTenantPolicyForbids(t *testing.T) {
	multi := false
	tests := []struct {
		name   string
		policy func(*TAPPolicy)
		in     RaiseInput
		code   string
		msg    string
	}{
		{"lifetime above max", nil, RaiseInput{Lifetime: 12 * time.Hour}, EINVALID, "it allows 10m to 8h (default 1h)"},
		{"lifetime below min", func(p *TAPPolicy) { p.MinLifetime = 60 }, RaiseInput{Lifetime: 30 * time.Minute}, EINVALID, "it allows 1h to 8h"},
		{"multi when one-time forced", func(p *TAPPolicy) { p.UsableOnce = true }, RaiseInput{Once: &multi}, EINVALID, "only allows one-time passes"},
		{"policy disabled", func(p *TAPPolicy) { p.Enabled = false }, RaiseInput{}, EINVALID, "Authentication methods"},
		{"start in the past", nil, RaiseInput{Start: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}, EINVALID, "in the past"},
		{"unknown user", nil, RaiseInput{UPN: "zed@contoso.com"}, ENOTFOUND, "zed@contoso.com"},
		{"disabled account", nil, RaiseInput{UPN: "bob@contoso.com"}, EINVALID, "disabled"},
		{"guest account", nil, RaiseInput{UPN: "guest_x.com#EXT#@contoso.com"}, EFORBIDDEN, "guest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			if tt.policy != nil {
				tt.policy(&h.tenant.policy)
			}
			tt.in.Requester = req1
			if tt.in.UPN == "" {
				tt.in.UPN = "alice@contoso.com"
			}
			_, err := h.svc.Raise(context.Background(), tt.in)
			wantCode(t, err, tt.code)
			if !bytes.Contains([]byte(ErrorMessage(err)), []byte(tt.msg)) {
				t.Fatalf("message %q lacks %q", ErrorMessage(err), tt.msg)
			}
			if all, _ := h.store.List(nil); len(all) != 0 {
				t.Fatal("a refused request was stored")
			}
		})
	}
}

func TestRaiseUsesTenantDefaults(t *testing.T) {
	h := newHarness(t, nil)
	h.tenant.policy.UsableOnce = true
	r := h.raise(t, RaiseInput{})
	if r.LifetimeMinutes != 60 || !r.UsableOnce {
		t.Fatalf("defaults not applied: %+v", r)
	}
}

func TestTwoApprovalsMustComeFromDistinctApprovers(t *testing.T) {
	h := newHarness(t, func(p *Policy) { p.ApprovalsRequired = 2 })
	r := h.raise(t, RaiseInput{})
	got, err := h.svc.Approve(context.Background(), r.ID, appr1)
	if err != nil || got.State != StatePending {
		t.Fatalf("first approval: %v %+v", err, got)
	}
	_, err = h.svc.Approve(context.Background(), r.ID, appr1)
	wantCode(t, err, ECONFLICT)
	if h.tenant.createdCount() != 0 {
		t.Fatal("pass created after one approver")
	}
	got, err = h.svc.Approve(context.Background(), r.ID, appr2)
	if err != nil || got.State != StateDelivered {
		t.Fatalf("second approval: %v %+v", err, got)
	}
}

func TestDenyCancelAndLateClicks(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	r := h.raise(t, RaiseInput{})
	got, err := h.svc.Deny(ctx, r.ID, appr1, "not a real ticket")
	if err != nil || got.State != StateDenied || got.DecisionReason != "not a real ticket" {
		t.Fatalf("deny: %v %+v", err, got)
	}
	_, err = h.svc.Approve(ctx, r.ID, appr2)
	wantCode(t, err, ECONFLICT)
	if !bytes.Contains([]byte(ErrorMessage(err)), []byte("denied by anna")) {
		t.Fatalf("late approve message: %q", ErrorMessage(err))
	}

	r2 := h.raise(t, RaiseInput{UPN: "user0@contoso.com"})
	if got, err := h.svc.Cancel(ctx, r2.ID, req1); err != nil || got.State != StateCancelled {
		t.Fatalf("cancel: %v %+v", err, got)
	}
	_, err = h.svc.Deny(ctx, r2.ID, appr1, "")
	wantCode(t, err, ECONFLICT)
	if h.tenant.createdCount() != 0 {
		t.Fatal("pass created")
	}
}

func TestExpiryIsEnforcedOnEveryActionAndBySweeper(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, func(p *Policy) { p.RequestTTL = 30 * time.Minute })
	r1 := h.raise(t, RaiseInput{})
	r2 := h.raise(t, RaiseInput{UPN: "user0@contoso.com"})
	h.clock.Advance(31 * time.Minute)

	_, err := h.svc.Approve(ctx, r1.ID, appr1)
	wantCode(t, err, ECONFLICT)
	if got, _ := h.store.Get(r1.ID); got.State != StateExpired {
		t.Fatalf("r1 state = %s", got.State)
	}
	n, err := h.svc.ExpireDue(ctx)
	if err != nil || n != 1 {
		t.Fatalf("ExpireDue = %d, %v; want 1", n, err)
	}
	if got, _ := h.store.Get(r2.ID); got.State != StateExpired || h.card(r2.ID) != StateExpired {
		t.Fatalf("r2 state = %s card %s", got.State, h.card(r2.ID))
	}
	if h.tenant.createdCount() != 0 {
		t.Fatal("expired request issued a pass")
	}
}

func TestFiftySimultaneousApprovalsIssueOnePass(t *testing.T) {
	ctx := context.Background()
	approvers := []string{}
	for i := range 50 {
		approvers = append(approvers, Principal{Platform: "slack", ID: "UA" + string(rune('A'+i%26)) + string(rune('A'+i/26))}.Key())
	}
	h := newHarness(t, func(p *Policy) { p.Authorizer = NewStaticAuthorizer([]string{req1.Key()}, approvers) })
	r := h.raise(t, RaiseInput{})
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			p := Principal{Platform: "slack", ID: "UA" + string(rune('A'+i%26)) + string(rune('A'+i/26))}
			_, _ = h.svc.Approve(ctx, r.ID, p)
		}()
	}
	close(start)
	wg.Wait()
	got, _ := h.store.Get(r.ID)
	if got.State != StateDelivered || len(got.Approvals) != 1 {
		t.Fatalf("state %s with %d approvals", got.State, len(got.Approvals))
	}
	if h.tenant.createdCount() != 1 || h.chat.deliveredCount() != 1 {
		t.Fatalf("created %d delivered %d", h.tenant.createdCount(), h.chat.deliveredCount())
	}
}

func TestCancelRacingApproveHasOneWinner(t *testing.T) {
	ctx := context.Background()
	for range 20 {
		h := newHarness(t, nil)
		r := h.raise(t, RaiseInput{})
		var wg sync.WaitGroup
		var approveErr, cancelErr error
		wg.Add(2)
		go func() { defer wg.Done(); _, approveErr = h.svc.Approve(ctx, r.ID, appr1) }()
		go func() { defer wg.Done(); _, cancelErr = h.svc.Cancel(ctx, r.ID, req1) }()
		wg.Wait()
		got, _ := h.store.Get(r.ID)
		switch got.State {
		case StateDelivered:
			wantCode(t, cancelErr, ECONFLICT)
		case StateCancelled:
			wantCode(t, approveErr, ECONFLICT)
			if h.tenant.createdCount() != 0 {
				t.Fatal("cancelled request got a pass")
			}
		default:
			t.Fatalf("state %s", got.State)
		}
	}
}

func TestUndeliverablePassIsRevoked(t *testing.T) {
	h := newHarness(t, nil)
	h.chat.deliverErr = Errorf(EUNAVAILABLE, "user_not_found")
	r := h.raise(t, RaiseInput{})
	got, err := h.svc.Approve(context.Background(), r.ID, appr1)
	wantCode(t, err, EUNAVAILABLE)
	if got.State != StateRevoked || len(h.tenant.deleted) != 1 || h.tenant.deleted[0] != got.MethodID {
		t.Fatalf("state %s deleted %v", got.State, h.tenant.deleted)
	}
	if h.card(r.ID) != StateRevoked {
		t.Fatalf("card shows %s", h.card(r.ID))
	}
}

func TestGraphFailureEndsInFailedWithReason(t *testing.T) {
	h := newHarness(t, nil)
	h.tenant.createErr = Errorf(EPERMISSION, "tapbot lacks UserAuthMethod-TAP.ReadWrite.All")
	r := h.raise(t, RaiseInput{})
	got, err := h.svc.Approve(context.Background(), r.ID, appr1)
	wantCode(t, err, EPERMISSION)
	if got.State != StateFailed || got.FailureReason != "tapbot lacks UserAuthMethod-TAP.ReadWrite.All" {
		t.Fatalf("request = %+v", got)
	}
}

func TestUnpostableCardFailsTheRequestAndSaysWhy(t *testing.T) {
	h := newHarness(t, nil)
	h.chat.postErr = Errorf(EUNAVAILABLE, "channel_not_found")
	got, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	wantCode(t, err, EUNAVAILABLE)
	if got == nil || got.State != StateFailed {
		t.Fatalf("request = %+v", got)
	}
	if !bytes.Contains([]byte(ErrorMessage(err)), []byte("channel_not_found")) {
		t.Fatalf("message %q", ErrorMessage(err))
	}
}

func TestResumeFinishesInterruptedRequests(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	approved := h.raise(t, RaiseInput{UPN: "user0@contoso.com"})
	issuing := h.raise(t, RaiseInput{UPN: "user1@contoso.com"})
	issued := h.raise(t, RaiseInput{UPN: "user2@contoso.com"})
	pending := h.raise(t, RaiseInput{UPN: "user3@contoso.com"})
	set := func(id string, st State, method string) {
		if _, err := h.store.Update(id, func(r *Request) (Change, error) {
			r.State, r.MethodID = st, method
			return Change{}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	set(approved.ID, StateApproved, "")
	set(issuing.ID, StateIssuing, "")
	set(issued.ID, StateIssued, "method-old")
	if err := h.svc.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]State{approved.ID: StateDelivered, issuing.ID: StateDelivered, issued.ID: StateRevoked, pending.ID: StatePending} {
		if got, _ := h.store.Get(id); got.State != want {
			t.Errorf("%s: state %s, want %s", id, got.State, want)
		}
	}
	if h.tenant.createdCount() != 2 || h.chat.deliveredCount() != 2 {
		t.Fatalf("created %d delivered %d, want 2 and 2", h.tenant.createdCount(), h.chat.deliveredCount())
	}
	if len(h.tenant.deleted) != 1 || h.tenant.deleted[0] != "method-old" {
		t.Fatalf("deleted %v", h.tenant.deleted)
	}
}

func TestPassNeverReachesDatabaseOrLogs(t *testing.T) {
	h := newHarness(t, nil)
	for range 3 {
		r := h.raise(t, RaiseInput{})
		if _, err := h.svc.Approve(context.Background(), r.ID, appr1); err != nil {
			t.Fatal(err)
		}
	}
	h.settle()
	path := h.store.Path()
	h.store.Close()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db, _ := io.ReadAll(f)
	f.Close()
	for _, p := range h.tenant.created {
		secret := []byte(p.Secret.Reveal())
		if bytes.Contains(db, secret) || bytes.Contains(h.logs.Bytes(), secret) {
			t.Fatalf("pass %s leaked", p.MethodID)
		}
	}
}

func TestStatusAndRevoke(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	st, err := h.svc.Status(ctx, req1, "alice@contoso.com")
	if err != nil || len(st.Passes) != 1 {
		t.Fatalf("status: %v %+v", err, st)
	}
	_, err = h.svc.Revoke(ctx, req1, "alice@contoso.com") // requesters may not revoke
	wantCode(t, err, EFORBIDDEN)
	if _, err := h.svc.Revoke(ctx, appr1, "alice@contoso.com"); err != nil {
		t.Fatal(err)
	}
	st, _ = h.svc.Status(ctx, req1, "alice@contoso.com")
	if len(st.Passes) != 0 {
		t.Fatal("pass still there")
	}
	events, _ := h.store.Audit(time.Time{})
	if last := events[len(events)-1]; last.Type != EventRevoked || last.Actor != appr1.Key() {
		t.Fatalf("last audit event %+v", last)
	}
}
