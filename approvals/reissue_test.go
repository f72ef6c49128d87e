package approvals

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestReissueGivesAFreshPassWithinLimits(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, func(p *Policy) { p.MaxReissues = 1; p.ReissueWindow = 10 * time.Minute })
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	_, err := h.svc.Reissue(ctx, r.ID, appr1)
	wantCode(t, err, EFORBIDDEN)

	got, err := h.svc.Reissue(ctx, r.ID, req1)
	if err != nil || got.State != StateDelivered || got.Reissues != 1 || got.MethodID != "method-2" {
		t.Fatalf("reissue: %v %+v", err, got)
	}
	if h.tenant.createdCount() != 2 || h.chat.deliveredCount() != 2 {
		t.Fatalf("created %d delivered %d", h.tenant.createdCount(), h.chat.deliveredCount())
	}
	_, err = h.svc.Reissue(ctx, r.ID, req1)
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), "re-issued 1 time") {
		t.Fatalf("message %q", ErrorMessage(err))
	}
	events, _ := h.store.Audit(time.Time{})
	reissued := 0
	for _, ev := range events {
		if ev.Type == EventReissued {
			reissued++
		}
	}
	if reissued != 1 {
		t.Fatalf("%d reissued audit events, want 1", reissued)
	}
}

func TestReissueAfterWindowIsRefused(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(11 * time.Minute)
	_, err := h.svc.Reissue(ctx, r.ID, req1)
	wantCode(t, err, ECONFLICT)
	if h.tenant.createdCount() != 1 {
		t.Fatal("a late reissue created a pass")
	}
}

func TestReissueOfUndeliveredPassAfterRevoke(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	h.chat.deliverErr = errChat
	r := h.raise(t, RaiseInput{})
	if got, _ := h.svc.Approve(ctx, r.ID, appr1); got.State != StateRevoked {
		t.Fatalf("state %s", got.State)
	}
	h.chat.deliverErr = nil
	got, err := h.svc.Reissue(ctx, r.ID, req1)
	if err != nil || got.State != StateDelivered {
		t.Fatalf("reissue after failed delivery: %v %+v", err, got)
	}
}

func TestReissueOfDeniedRequestIsRefused(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Deny(ctx, r.ID, appr1, ""); err != nil {
		t.Fatal(err)
	}
	_, err := h.svc.Reissue(ctx, r.ID, req1)
	wantCode(t, err, ECONFLICT)
}
