package identity

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/fakeclock"
)

func TestIdentityCacheSharesLookupsAndForgetsFailuresAndOldAnswers(t *testing.T) {
	clock := &fakeclock.Clock{}
	c := newTTLCache[string](5*time.Minute, clock.Now)
	var calls atomic.Int32
	release := make(chan struct{})
	fetch := func() (string, error) { calls.Add(1); <-release; return "answer", nil }
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := c.get(context.Background(), "U1", fetch); v != "answer" || err != nil {
				t.Errorf("get = %q, %v", v, err)
			}
		}()
	}
	close(release) // callers still waiting share the first lookup; later ones find its answer
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d lookups for one key asked at once, want 1", n)
	}

	clock.Advance(6 * time.Minute)
	if _, _ = c.get(context.Background(), "U1", fetch); calls.Load() != 2 {
		t.Fatal("an answer older than the cache's lifetime was reused")
	}
	failing := func() (string, error) { calls.Add(1); return "", errors.New("slack is down") }
	if _, err := c.get(context.Background(), "U2", failing); err == nil {
		t.Fatal("the failure was not returned")
	}
	if _, _ = c.get(context.Background(), "U2", failing); calls.Load() != 4 {
		t.Fatal("a failed lookup was remembered")
	}
}
