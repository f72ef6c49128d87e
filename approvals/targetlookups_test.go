package approvals

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestStatusNamesTheRequestBehindTapbotsPassAndTheOpenRequests(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	first := h.raise(t, RaiseInput{Reason: "new phone"})
	if _, err := h.svc.Approve(ctx, first.ID, appr1); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)
	second := h.raise(t, RaiseInput{Requester: req2, Reason: "and again"})
	h.raise(t, RaiseInput{UPN: "user0@contoso.com"}) // someone else's

	st, err := h.svc.Status(ctx, appr2, "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Passes) != 1 {
		t.Fatalf("passes = %+v", st.Passes)
	}
	by := st.IssuedBy[st.Passes[0].MethodID]
	if by == nil || by.ID != first.ID || !by.Requester.Same(req1) || len(by.Approvals) != 1 || !by.Approvals[0].By.Same(appr1) {
		t.Fatalf("IssuedBy = %+v, want %s raised by rita, approved by anna", by, first.ID)
	}
	if len(st.Open) != 1 || st.Open[0].ID != second.ID {
		t.Fatalf("Open = %v, want only %s", ids(st.Open), second.ID)
	}

	// An expired request is not open, and a pass made outside tapbot has
	// no request.
	h.clock.Advance(time.Hour)
	h.tenant.mu.Lock()
	h.tenant.passes["id-alice"] = PassInfo{MethodID: "made-in-the-portal", Usable: true}
	h.tenant.mu.Unlock()
	st, err = h.svc.Status(ctx, appr2, "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Open) != 0 || len(st.IssuedBy) != 0 {
		t.Fatalf("Open = %v, IssuedBy = %v: want neither", ids(st.Open), st.IssuedBy)
	}
}

func TestStatusFindsThePassOfARequestRaisedLongBeforeIt(t *testing.T) {
	h := newHarness(t, func(p *Policy) { p.RequestTTL = 4 * time.Hour })
	ctx := context.Background()
	r := h.raise(t, RaiseInput{})
	h.clock.Advance(3 * time.Hour) // approved near the end of the request's life
	if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	h.tenant.mu.Lock()
	p := h.tenant.passes["id-alice"]
	p.Created = h.clock.Now()
	h.tenant.passes["id-alice"] = p
	h.tenant.mu.Unlock()
	h.clock.Advance(20 * 24 * time.Hour) // a long pass, looked at weeks later
	st, err := h.svc.Status(ctx, req1, "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if got := st.IssuedBy[p.MethodID]; got == nil || got.ID != r.ID {
		t.Fatalf("IssuedBy = %v, want %s", st.IssuedBy, r.ID)
	}
}

func TestWaitingForNamesTheApproversWhoCouldStillApprove(t *testing.T) {
	h := newHarness(t, func(p *Policy) { p.ApprovalsRequired = 2 })
	ctx := context.Background()
	r := h.raise(t, RaiseInput{Requester: req2}) // req2 is an approver too, but not of their own request
	if got, want := h.svc.WaitingFor(r), []string{appr1.Key(), appr2.Key()}; !slices.Equal(got, want) {
		t.Fatalf("WaitingFor = %v, want %v", got, want)
	}
	r, err := h.svc.Approve(ctx, r.ID, appr1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.svc.WaitingFor(r), []string{appr2.Key()}; !slices.Equal(got, want) {
		t.Fatalf("after anna approved, WaitingFor = %v, want %v", got, want)
	}
	r, err = h.svc.Approve(ctx, r.ID, appr2)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.svc.WaitingFor(r); got != nil {
		t.Fatalf("an approved request waits for %v", got)
	}
}
