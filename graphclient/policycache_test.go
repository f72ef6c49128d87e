package graphclient_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/graphclient/graphtest"
	"github.com/tapbot/tapbot/internal/fakeclock"
)

// policyReads counts the reads of the TAP policy Graph received for the
// tenant with that id ("" for the default one).
func policyReads(s *graphtest.Server, tenant string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Tenant == tenant && strings.HasSuffix(r.Path, "/authenticationMethodConfigurations/TemporaryAccessPass") {
			n++
		}
	}
	return n
}

func withClock(c *fakeclock.Clock) func(*graphclient.Config) {
	return func(cfg *graphclient.Config) { cfg.Now = c.Now }
}

func mustPolicy(t *testing.T, c *graphclient.Client) approvals.TAPPolicy {
	t.Helper()
	p, err := c.TAPPolicy(context.Background())
	if err != nil {
		t.Fatalf("TAPPolicy: %v", err)
	}
	return p
}

func TestTAPPolicyIsReadOnceWithinItsLifetime(t *testing.T) {
	clock := &fakeclock.Clock{}
	e := newEnv(t, withClock(clock))
	mustPolicy(t, e.c)
	mustPolicy(t, e.c)
	if n := policyReads(e.s, ""); n != 1 {
		t.Fatalf("two policy lookups within its lifetime read Graph %d times, want once", n)
	}
	clock.Advance(graphclient.DefaultPolicyCacheTTL + time.Second)
	mustPolicy(t, e.c)
	if n := policyReads(e.s, ""); n != 2 {
		t.Fatalf("a lookup after the cached policy's lifetime read Graph %d times in all, want 2", n)
	}
}

func TestConcurrentPolicyLookupsShareOneRead(t *testing.T) {
	e := newEnv(t)
	e.s.SetLatency(20 * time.Millisecond) // the lookups overlap the read; the count holds however they interleave
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := e.c.TAPPolicy(context.Background()); err != nil {
				t.Errorf("TAPPolicy: %v", err)
			}
		})
	}
	wg.Wait()
	if n := policyReads(e.s, ""); n != 1 {
		t.Errorf("50 concurrent policy lookups read Graph %d times, want once", n)
	}
}

func TestRefusedLifetimeRereadsThePolicyAtOnce(t *testing.T) {
	e := newEnv(t)
	if p := mustPolicy(t, e.c); p.MaxLifetime != 480 {
		t.Fatalf("max lifetime %d, want the default 480", p.MaxLifetime)
	}
	e.s.SetPolicy(graphtest.Policy{Max: 120}) // an administrator shortens passes
	if p := mustPolicy(t, e.c); p.MaxLifetime != 480 {
		t.Fatalf("max lifetime %d within the cached policy's lifetime, want the cached 480", p.MaxLifetime)
	}
	_, err := e.c.CreatePass(context.Background(), aliceID, approvals.PassParams{LifetimeMinutes: 240})
	wantError(t, err, approvals.EINVALID, "240 minutes (4h)", "to 120 minutes (2h)")
	if n := policyReads(e.s, ""); n != 2 {
		t.Fatalf("Graph's refusal made %d policy reads in all, want a fresh one (2)", n)
	}
	if p := mustPolicy(t, e.c); p.MaxLifetime != 120 {
		t.Errorf("after the refusal the policy allows %d minutes, want the fresh 120", p.MaxLifetime)
	}
	if n := policyReads(e.s, ""); n != 2 {
		t.Errorf("the policy read for the refusal was not reused: %d reads, want 2", n)
	}
}

func TestPolicyWithPassesOffOrAFailedReadIsNotReused(t *testing.T) {
	e := newEnv(t)
	e.s.Fail("TemporaryAccessPass", http.MethodGet, http.StatusForbidden, "Authorization_RequestDenied", 1)
	_, err := e.c.TAPPolicy(context.Background())
	wantError(t, err, approvals.EPERMISSION, "Policy.Read.AuthenticationMethod")
	e.s.SetPolicy(graphtest.Policy{State: "disabled"})
	if p := mustPolicy(t, e.c); p.Enabled {
		t.Fatal("the failed read was remembered: the policy still looks enabled")
	}
	e.s.SetPolicy(graphtest.Policy{}) // an administrator turns passes on
	if p := mustPolicy(t, e.c); !p.Enabled {
		t.Error("passes turned on in Entra still look off")
	}
	if n := policyReads(e.s, ""); n != 3 {
		t.Errorf("%d policy reads, want 3: neither the failure nor the disabled policy reused", n)
	}
}

func TestEachTenantCachesItsOwnPolicy(t *testing.T) {
	m := newMSP(t)
	m.contoso.SetPolicy(graphtest.Policy{Max: 240})
	m.fabrikam.SetPolicy(graphtest.Policy{Max: 720})
	contoso, fabrikam := m.consented(t)
	for range 2 {
		if p := mustPolicy(t, contoso); p.MaxLifetime != 240 {
			t.Fatalf("contoso's policy allows %d minutes, want its own 240", p.MaxLifetime)
		}
	}
	if p := mustPolicy(t, fabrikam); p.MaxLifetime != 720 {
		t.Fatalf("fabrikam's policy allows %d minutes, want its own 720", p.MaxLifetime)
	}
	if c, f := policyReads(m.s, contosoID), policyReads(m.s, fabrikamID); c != 1 || f != 1 {
		t.Fatalf("policy reads: contoso %d, fabrikam %d; want one each", c, f)
	}

	// A refusal in contoso rereads contoso's policy, not fabrikam's.
	alice, err := contoso.LookupUser(context.Background(), aliceUPN)
	if err != nil {
		t.Fatal(err)
	}
	m.contoso.SetPolicy(graphtest.Policy{Max: 60})
	_, err = contoso.CreatePass(context.Background(), alice.ID, approvals.PassParams{LifetimeMinutes: 120})
	wantError(t, err, approvals.EINVALID, "to 60 minutes")
	mustPolicy(t, fabrikam)
	if c, f := policyReads(m.s, contosoID), policyReads(m.s, fabrikamID); c != 2 || f != 1 {
		t.Errorf("policy reads after contoso's refusal: contoso %d, fabrikam %d; want 2 and 1", c, f)
	}
}
