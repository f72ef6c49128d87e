package approvals

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestReloadedPolicyIsInForceAndAudited(t *testing.T) {
	h := newHarness(t, nil)
	if _, err := h.svc.Raise(context.Background(), RaiseInput{Requester: appr2, UPN: "alice@contoso.com"}); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("raise by an approver before the reload: %v, want forbidden", err)
	}
	p := h.svc.policy()
	p.Authorizer = NewStaticAuthorizer([]string{appr2.Key()}, []string{appr1.Key()})
	if err := h.svc.ReloadPolicy(p, "policy.yaml sha256:abc"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Raise(context.Background(), RaiseInput{Requester: appr2, UPN: "alice@contoso.com"}); err != nil {
		t.Fatalf("raise after the reload made them a requester: %v", err)
	}
	events, err := h.store.Audit(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var reloads int
	for _, ev := range events {
		if ev.Type == EventPolicyReloaded {
			reloads++
			if ev.RequestID != "" || ev.Detail != "policy.yaml sha256:abc" {
				t.Errorf("reload event %+v", ev)
			}
		}
	}
	if reloads != 1 {
		t.Errorf("%d reload events, want 1", reloads)
	}
	if _, err := h.store.VerifyAudit(); err != nil {
		t.Errorf("audit log with a reload event: %v", err)
	}
}

func TestPolicyCanBeSwappedWhileRequestsRun(t *testing.T) {
	h := newHarness(t, nil)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); h.svc.SetPolicy(h.svc.policy()) }()
		go func() { defer wg.Done(); _, _ = h.svc.Open(context.Background(), req1) }()
	}
	wg.Wait()
}
