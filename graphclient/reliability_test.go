package graphclient_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// callsTo counts the recorded Graph calls whose path contains part.
func callsTo(s *graphtest.Server, method, part string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && strings.Contains(r.Path, part) {
			n++
		}
	}
	return n
}

func TestThrottledCallWaitsForRetryAfterThenSucceeds(t *testing.T) {
	e := newEnv(t)
	e.s.Throttle("/users/alice@contoso.com", 1, time.Second)
	start := time.Now()
	if _, err := e.c.LookupUser(context.Background(), "alice@contoso.com"); err != nil {
		t.Fatalf("LookupUser: %v", err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %s, before the 1s Graph asked for", d)
	}
	// The lookup reads the user and their passes at once; one of the two
	// is throttled and retried.
	if n := callsTo(e.s, "GET", "/users/alice@contoso.com"); n != 3 {
		t.Errorf("%d reads, want the user, their passes and the throttled one's retry", n)
	}
}

func TestRetryAfterBeyondTheDeadlineFailsAtOnce(t *testing.T) {
	e := newEnv(t, func(cfg *graphclient.Config) { cfg.Timeout = 5 * time.Second })
	e.s.Throttle("/policies/", 1, 20*time.Second)
	start := time.Now()
	_, err := e.c.TAPPolicy(context.Background())
	wantError(t, err, approvals.EUNAVAILABLE, "Microsoft Graph is not answering (HTTP 429 TooManyRequests); try again in a minute.")
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("waited %s for a retry that could not fit in the deadline", d)
	}
}

func TestServerErrorsExhaustRetriesToUnavailable(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
	}{
		{503, "serviceNotAvailable"},
		{500, "generalException"},
		{504, "UnknownError"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			e := newEnv(t, func(cfg *graphclient.Config) { cfg.MaxRetries = 2 })
			e.s.Fail("/policies/", "GET", tc.status, tc.code, 100)
			start := time.Now()
			_, err := e.c.TAPPolicy(context.Background())
			wantError(t, err, approvals.EUNAVAILABLE, "Microsoft Graph is not answering (HTTP", tc.code, "try again in a minute")
			if n := callsTo(e.s, "GET", "/policies/"); n != 3 {
				t.Errorf("%d calls, want 1 + 2 retries", n)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s to give up", d)
			}
		})
	}
}

func TestCreateRetriedAfterTransientFailureSendsTheSameRequest(t *testing.T) {
	e := newEnv(t)
	e.s.Fail("/temporaryAccessPassMethods", "POST", 503, "serviceNotAvailable", 1)
	pass, err := e.c.CreatePass(context.Background(), aliceID, approvals.PassParams{LifetimeMinutes: 240, UsableOnce: true})
	if err != nil {
		t.Fatalf("CreatePass: %v", err)
	}
	issued := e.s.Issued()
	if len(issued) != 1 || issued[0].LifetimeMinutes != 240 || !issued[0].UsableOnce || pass.MethodID != issued[0].MethodID {
		t.Errorf("issued %+v, want one 240-minute one-time pass", issued)
	}
	if n := callsTo(e.s, "POST", "/temporaryAccessPassMethods"); n != 2 {
		t.Errorf("%d POSTs, want the failed one and its retry", n)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	e := newEnv(t)
	e.s.Fail("/policies/", "GET", 400, "badRequest", 100)
	_, err := e.c.TAPPolicy(context.Background())
	wantError(t, err, approvals.EINVALID, "HTTP 400 badRequest")
	if n := callsTo(e.s, "GET", "/policies/"); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}
