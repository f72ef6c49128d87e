package graphclient_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/graphclient/graphtest"
	"github.com/tapbot/tapbot/internal/outbound"
)

// arrivals waits for n calls to arrive at the gate and returns their paths,
// sorted. A call that never comes fails the test after a generous wait:
// it means the calls were not all in flight at once.
func arrivals(t *testing.T, g *graphtest.Gate, n int) []string {
	t.Helper()
	var paths []string
	deadline := time.After(10 * time.Second)
	for len(paths) < n {
		select {
		case r := <-g.Arrived():
			paths = append(paths, r.Path)
		case <-deadline:
			t.Fatalf("only %d of %d calls were in flight at once: %v", len(paths), n, paths)
		}
	}
	slices.Sort(paths)
	return paths
}

func TestLookupReadsTheUserAndTheirPassesInOneRoundTrip(t *testing.T) {
	e := newEnv(t)
	mustPolicy(t, e.c) // gets the token, which the gate does not hold
	gate := e.s.Hold()
	done := make(chan approvals.Target, 1)
	go func() {
		u, err := e.c.LookupUser(context.Background(), "carol@contoso.com")
		if err != nil {
			t.Errorf("LookupUser: %v", err)
		}
		done <- u
	}()
	got := arrivals(t, gate, 2) // both held at once: neither waits for the other
	want := []string{"/v1.0/users/carol@contoso.com", "/v1.0/users/carol@contoso.com/authentication/temporaryAccessPassMethods"}
	if !slices.Equal(got, want) {
		t.Errorf("calls in flight %v, want %v", got, want)
	}
	gate.Release()
	if u := <-done; u.ID != carolID || !u.HasTAP {
		t.Errorf("carol = %+v, want her id and her pass", u)
	}
}

func TestLookupReportsTheUsersFailureBeforeThePasses(t *testing.T) {
	for _, tc := range []struct {
		name, upn  string
		code, part string
	}{
		{"unknown user, passes refused", "nobody@contoso.com", approvals.ENOTFOUND, "No user nobody@contoso.com"},
		{"user found, passes refused", "alice@contoso.com", approvals.EPERMISSION, "UserAuthMethod-TAP.ReadWrite.All"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.s.Fail("temporaryAccessPassMethods", http.MethodGet, http.StatusForbidden, "Authorization_RequestDenied", 1)
			_, err := e.c.LookupUser(context.Background(), tc.upn)
			wantError(t, err, tc.code, tc.part)
		})
	}
}

// tunedEnv is newEnv with the transport tapbot builds for itself
// (outbound), trusting the fake through SSL_CERT_FILE.
func tunedEnv(t *testing.T) *env {
	t.Helper()
	s := graphtest.NewServer()
	t.Cleanup(s.Close)
	graphtest.DemoTenant(s)
	ca := filepath.Join(t.TempDir(), "graph-ca.pem")
	if err := os.WriteFile(ca, s.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	tr, err := outbound.Settings{CertFile: ca}.Transport()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.CloseIdleConnections)
	cfg := fakeConfig(s)
	cfg.HTTPClient = &http.Client{Transport: tr}
	c, err := graphclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{s: s, c: c}
}

// lookupBurst looks up n users at once (2n Graph calls) and returns how
// many connections the fake accepted meanwhile.
func lookupBurst(t *testing.T, e *env, n int) int {
	t.Helper()
	before, calls := e.s.ConnsAccepted(), len(e.s.Requests())
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			upn := []string{"alice@contoso.com", "carol@contoso.com", "dan@contoso.com"}[i%3]
			if _, err := e.c.LookupUser(context.Background(), upn); err != nil {
				t.Errorf("LookupUser(%s): %v", upn, err)
			}
		})
	}
	wg.Wait()
	if got := len(e.s.Requests()) - calls; got != 2*n {
		t.Fatalf("%d Graph calls, want %d", got, 2*n)
	}
	return e.s.ConnsAccepted() - before
}

func TestABurstOfGraphCallsSharesOneConnection(t *testing.T) {
	e := tunedEnv(t)
	// The burst comes once tapbot has its token and a connection, as in
	// service.
	if _, err := e.c.LookupUser(context.Background(), "alice@contoso.com"); err != nil {
		t.Fatal(err)
	}
	// 200 calls fit in one HTTP/2 connection: the fake, like Go's server,
	// allows 250 at once on each.
	if fresh := lookupBurst(t, e, 100); fresh > 1 {
		t.Errorf("200 Graph calls at once opened %d new connections, want them to share the open one", fresh)
	}
	if fresh := lookupBurst(t, e, 100); fresh > 1 {
		t.Errorf("a second burst of 200 Graph calls opened %d new connections, want none", fresh)
	}
}
