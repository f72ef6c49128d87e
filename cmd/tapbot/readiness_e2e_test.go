package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/pgtest"
)

// probe GETs path of e's tapbot as the kubelet does and returns the
// status and body.
func (e *env) probe(path string) (int, string) {
	e.t.Helper()
	resp, err := http.Get(e.base + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// probeUntil asks /readyz until it answers status, and returns the body.
func (e *env) probeUntil(status int) string {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		got, body := e.probe("/readyz")
		if got == status {
			return body
		}
		select {
		case <-ctx.Done():
			e.t.Fatalf("/readyz kept answering %d %q, want %d\nlogs:\n%s", got, body, status, e.logs.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestReadinessFollowsThePostgresDatabaseButLivenessDoesNot(t *testing.T) {
	vars := onPostgres(t)
	e := startEnv(t, vars)
	if status, body := e.probe("/readyz"); status != http.StatusOK || body != "ready\n" {
		t.Fatalf("/readyz with the database up: %d %q, want 200 ready", status, body)
	}

	reconnect := pgtest.Disconnect(t, vars["TAPBOT_DATABASE_URL"])
	if body := e.probeUntil(http.StatusServiceUnavailable); !strings.Contains(body, "the database does not answer") {
		t.Errorf("/readyz without the database says %q, want why", body)
	}
	if status, _ := e.probe("/healthz"); status != http.StatusOK {
		t.Errorf("/healthz without the database: %d, want 200: a restart would not bring the database back", status)
	}
	e.waitLog("the outage logged", "the database does not answer", "db=\"PostgreSQL postgres@127.0.0.1:")

	reconnect()
	e.probeUntil(http.StatusOK)
	e.waitLog("the recovery logged", "the database answers again")
	if n := strings.Count(e.logs.String(), "the database does not answer"); n != 1 {
		t.Errorf("the outage was logged %d times, want once", n)
	}
}

func TestReadinessOnBboltIsTheOpenFile(t *testing.T) {
	e := startEnv(t, nil)
	for _, path := range []string{"/readyz", "/healthz"} {
		if status, _ := e.probe(path); status != http.StatusOK {
			t.Errorf("%s on bbolt: %d, want 200", path, status)
		}
	}
}
