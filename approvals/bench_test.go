package approvals

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkRaiseApproveDeliver measures one request's whole life in the
// domain: raise, approve, issue, deliver — five bbolt transactions with
// audit appends, against in-memory fakes of Graph and chat. Its cost must not
// grow with the number of requests ever made.
func BenchmarkRaiseApproveDeliver(b *testing.B) {
	h := newHarness(&testing.T{}, func(p *Policy) { p.Protect = []ProtectRule{} })
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		upn := fmt.Sprintf("bench%d@contoso.com", i)
		h.tenant.mu.Lock()
		h.tenant.users[upn] = Target{ID: "id-" + upn, UPN: upn, AccountEnabled: true}
		h.tenant.mu.Unlock()
		r, err := h.svc.Raise(ctx, RaiseInput{Requester: req1, UPN: upn})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
			b.Fatal(err)
		}
		h.clock.Advance(time.Minute) // a request a minute: history grows, the recent window does not
	}
}
