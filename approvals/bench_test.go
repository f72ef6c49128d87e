package approvals

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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

// BenchmarkRaiseWithTenants measures a raise in MSP mode with 1 and 50
// customer tenants, each with its own Graph, domain and policy override
// (the same technicians, so that only the number of tenants changes); the
// request goes to the last tenant configured. The cost of a
// raise must not grow with the number of tenants: routing is a map lookup,
// a tenant's policy is derived once per global policy, and the technicians
// of every tenant are gathered once per global policy.
func BenchmarkRaiseWithTenants(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("tenants=%d", n), func(b *testing.B) {
			store, err := Open(b.TempDir() + "/tapbot.db")
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			cfgs := make([]TenantConfig, n)
			var last *fakeTenant
			for i := range cfgs {
				ft := newFakeTenant()
				last = ft
				cfgs[i] = TenantConfig{
					Name: fmt.Sprintf("customer-%d", i), ID: fmt.Sprintf("%08d-1111-1111-1111-111111111111", i),
					Domains: []string{fmt.Sprintf("customer%d.example", i)}, Graph: ft,
					Policy: func(p Policy) Policy {
						p.Authorizer = NewStaticAuthorizer([]string{req1.Key()}, []string{appr1.Key(), appr2.Key()})
						p.ApprovalsRequired = 1
						return p
					},
				}
			}
			tenants, err := NewTenants(cfgs)
			if err != nil {
				b.Fatal(err)
			}
			clk := &clock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
			svc := NewService(Config{
				Store: store, Tenants: tenants, Now: clk.Now, Notifiers: map[string]Notifier{"slack": newFakeNotifier()},
				Policy: Policy{Protect: []ProtectRule{}, Identities: emailIdentities{req1.Key(): "rita@msp.example"}},
				Logger: discardLogger(),
			})
			domain := cfgs[n-1].Domains[0]
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				upn := fmt.Sprintf("bench%d@%s", i, domain)
				last.mu.Lock()
				last.users[upn] = Target{ID: "id-" + upn, UPN: upn, AccountEnabled: true}
				last.mu.Unlock()
				if _, err := svc.Raise(ctx, RaiseInput{Requester: req1, UPN: upn}); err != nil {
					b.Fatal(err)
				}
				clk.Advance(time.Minute)
			}
		})
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
