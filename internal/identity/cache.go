package identity

import (
	"context"
	"sync"
	"time"
)

// ttlCache remembers answers for a while. Callers that ask for the same
// key at the same time share one call; failures are not remembered.
type ttlCache[V any] struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*cacheEntry[V]
}

type cacheEntry[V any] struct {
	done    chan struct{} // closed once value and err are set
	value   V
	err     error
	expires time.Time
}

func newTTLCache[V any](ttl time.Duration, now func() time.Time) ttlCache[V] {
	return ttlCache[V]{ttl: ttl, now: now, entries: map[string]*cacheEntry[V]{}}
}

// get returns the remembered answer for key, or fetches it.
func (c *ttlCache[V]) get(ctx context.Context, key string, fetch func() (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if ok && c.fresh(e) {
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.value, e.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	e = &cacheEntry[V]{done: make(chan struct{})}
	c.entries[key] = e
	c.mu.Unlock()
	e.value, e.err = fetch()
	e.expires = c.now().Add(c.ttl)
	close(e.done)
	if e.err != nil {
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
	}
	return e.value, e.err
}

// fresh reports whether e is being fetched or still valid; c.mu held.
func (c *ttlCache[V]) fresh(e *cacheEntry[V]) bool {
	select {
	case <-e.done:
		return c.now().Before(e.expires)
	default:
		return true
	}
}
