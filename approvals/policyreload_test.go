package approvals

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// onlyRequester is the harness policy with p as the one requester.
func onlyRequester(p Principal) Policy {
	return Policy{Authorizer: NewStaticAuthorizer([]string{p.Key()}, []string{appr1.Key(), appr2.Key()})}
}

func TestReplacedPolicyGovernsTheNextRequestAndIsAudited(t *testing.T) {
	h := newHarness(t, nil)
	h.raise(t, RaiseInput{Requester: req1, UPN: "user0@contoso.com"})

	if err := h.svc.ReplacePolicy(onlyRequester(req2), "policy.yaml sha256:abc"); err != nil {
		t.Fatal(err)
	}
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "user1@contoso.com"})
	wantCode(t, err, EFORBIDDEN)
	h.raise(t, RaiseInput{Requester: req2, UPN: "user2@contoso.com"})

	events, err := h.store.Audit(h.clock.Now().Add(-1))
	if err != nil {
		t.Fatal(err)
	}
	var reloads []Event
	for _, ev := range events {
		if ev.Type == EventPolicyReloaded {
			reloads = append(reloads, ev)
		}
	}
	if len(reloads) != 1 || reloads[0].Actor != BotActor || reloads[0].RequestID != "" || reloads[0].Detail != "policy.yaml sha256:abc" {
		t.Fatalf("policy-reloaded events = %+v, want one by the bot with the file and hash", reloads)
	}
	if _, err := h.store.VerifyAuditLog(VerifyOptions{}); err != nil {
		t.Fatalf("audit log with a policy reload does not verify: %v", err)
	}
}

func TestPolicyChangeThatCannotBeAuditedLeavesThePolicy(t *testing.T) {
	h := newHarness(t, nil)
	h.store.Close() // every audit write fails from now on
	if err := h.svc.ReplacePolicy(onlyRequester(req2), "policy.yaml"); err == nil {
		t.Fatal("policy replaced without an audit event")
	}
	ok, err := h.svc.Policy().Authorizer.CanRequest(context.Background(), req1)
	if err != nil || !ok {
		t.Fatalf("running policy changed: req1 may request = %v, %v", ok, err)
	}
}

// Run with -race: operations read the policy while it is replaced.
func TestReplacingPolicyWhileRequestsRunIsRaceFree(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 20 {
			p := onlyRequester(req1)
			p.ApprovalsRequired = 1 + i%2
			if err := h.svc.ReplacePolicy(p, fmt.Sprintf("reload %d", i)); err != nil {
				t.Error(err)
			}
		}
	}()
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := h.svc.Raise(ctx, RaiseInput{Requester: req1, UPN: fmt.Sprintf("user%d@contoso.com", i)})
			if err != nil {
				t.Errorf("raise under either policy: %v", err)
				return
			}
			if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
				t.Errorf("approve under either policy: %v", err)
			}
			if _, err := h.svc.Open(ctx, appr2); err != nil {
				t.Errorf("open: %v", err)
			}
		}()
	}
	wg.Wait()
	if _, err := h.store.VerifyAuditLog(VerifyOptions{}); err != nil {
		t.Fatalf("audit log: %v", err)
	}
}
