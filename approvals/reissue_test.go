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

func TestReissueAfterRevokeIsRefused(t *testing.T) {
	for _, undelivered := range []bool{false, true} {
		h := newHarness(t, nil)
		ctx := context.Background()
		if undelivered { // the pass never arrived, so its request is re-issuable until revoked
			h.chat.deliverErr = errChat
		}
		r := h.raise(t, RaiseInput{})
		_, _ = h.svc.Approve(ctx, r.ID, appr1)
		h.chat.deliverErr = nil
		if _, err := h.svc.Revoke(ctx, appr2, "alice@contoso.com"); err != nil {
			t.Fatal(err)
		}
		got, _ := h.store.Get(r.ID)
		if got.State != StateRevoked || got.RevokedBy == nil || got.RevokedBy.Key() != appr2.Key() || h.card(r.ID) != StateRevoked {
			t.Fatalf("after revoke: %+v", got)
		}
		for range 2 {
			_, err := h.svc.Reissue(ctx, r.ID, req1)
			wantCode(t, err, ECONFLICT)
			if !strings.Contains(ErrorMessage(err), "arno revoked the pass of alice@contoso.com") {
				t.Fatalf("message %q", ErrorMessage(err))
			}
		}
		if h.tenant.createdCount() != 1 {
			t.Fatalf("%d passes created; a revoke must end re-issue", h.tenant.createdCount())
		}
	}
}

func TestRevokeStopsAnIssuanceInFlightAndResumeLeavesItRevoked(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	r := h.raise(t, RaiseInput{})
	// A re-issue (or approval) was writing issuing when tapbot died.
	if _, err := h.store.Update(r.ID, func(r *Request) (Change, error) {
		r.State, r.Approvals = StateIssuing, []Approval{{By: appr1, At: h.clock.Now()}}
		return Change{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Revoke(ctx, appr1, "alice@contoso.com"); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.store.Get(r.ID); got.State != StateRevoked || h.tenant.createdCount() != 0 {
		t.Fatalf("state %s, %d passes created after the revoke", got.State, h.tenant.createdCount())
	}
}

func TestReissueByRemovedRequesterIsRefused(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	delete(h.svc.pol().Authorizer.(*StaticAuthorizer).Requesters, req1.Key())
	_, err := h.svc.Reissue(ctx, r.ID, req1)
	wantCode(t, err, EFORBIDDEN)
	if !strings.Contains(ErrorMessage(err), "not allowed to request") || h.tenant.createdCount() != 1 {
		t.Fatalf("message %q, %d passes", ErrorMessage(err), h.tenant.createdCount())
	}
}

func TestReissueRerunsTheTargetChecks(t *testing.T) {
	tests := []struct {
		name   string
		policy func(*Policy)
		change func(h *harness)
		want   string
	}{
		{"target became an admin", nil, func(h *harness) {
			h.tenant.roles["id-alice"] = []DirectoryRole{{TemplateID: "62e90394-69f5-4237-9190-012177145e10", Name: "Global Administrator"}}
		}, "Global Administrator"},
		{"target was disabled", nil, func(h *harness) {
			u := h.tenant.users["alice@contoso.com"]
			u.AccountEnabled = false
			h.tenant.users["alice@contoso.com"] = u
		}, "disabled"},
		{"target became a technician", func(p *Policy) { p.Identities = withPeople(nil) }, func(h *harness) {
			h.svc.pol().Identities.(fakeIdentities).people[appr2.Key()] = Identity{EntraID: "id-alice"}
		}, "is the account of slack:UAPP2"},
		{"target now needs more approvals", func(p *Policy) {
			p.Protect = []ProtectRule{{Name: "finance", Groups: []string{"grp-finance"}, ApprovalsRequired: 2}}
		}, func(h *harness) { h.tenant.groups["id-alice"] = []string{"grp-finance"} }, "now needs 2 approvals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHarness(t, tt.policy)
			h.tenant.groups["id-alice"] = nil
			r := h.raise(t, RaiseInput{})
			if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
				t.Fatal(err)
			}
			tt.change(h)
			_, err := h.svc.Reissue(ctx, r.ID, req1)
			if ErrorCode(err) == "" || !strings.Contains(ErrorMessage(err), tt.want) {
				t.Fatalf("reissue: %v, want a refusal saying %q", err, tt.want)
			}
			if h.tenant.createdCount() != 1 {
				t.Fatalf("%d passes created", h.tenant.createdCount())
			}
		})
	}
}

func TestReissueRespectsTheRateLimits(t *testing.T) {
	ctx := context.Background()
	t.Run("another open request for the user", func(t *testing.T) {
		h := newHarness(t, nil)
		r := h.raise(t, RaiseInput{})
		if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
			t.Fatal(err)
		}
		h.raise(t, RaiseInput{Requester: req2})
		_, err := h.svc.Reissue(ctx, r.ID, req1)
		wantCode(t, err, ECONFLICT)
		if !strings.Contains(ErrorMessage(err), "is already open") {
			t.Fatalf("message %q", ErrorMessage(err))
		}
	})
	t.Run("requester limit", func(t *testing.T) {
		h := newHarness(t, func(p *Policy) { p.RequesterLimit, p.RequesterWindow = 1, 5*time.Minute })
		r := h.raise(t, RaiseInput{})
		if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(6 * time.Minute)
		h.raise(t, RaiseInput{UPN: "user0@contoso.com"})
		_, err := h.svc.Reissue(ctx, r.ID, req1)
		wantCode(t, err, EFORBIDDEN)
		if !strings.Contains(ErrorMessage(err), "1 requests in the last 5m") {
			t.Fatalf("message %q", ErrorMessage(err))
		}
	})
	t.Run("the request's own pass does not start a cooldown for itself", func(t *testing.T) {
		h := newHarness(t, func(p *Policy) { p.TargetCooldown = time.Hour })
		r := h.raise(t, RaiseInput{})
		if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
			t.Fatal(err)
		}
		if got, err := h.svc.Reissue(ctx, r.ID, req1); err != nil || got.State != StateDelivered {
			t.Fatalf("reissue: %v %+v", err, got)
		}
	})
}
