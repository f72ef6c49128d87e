// Package fakeclock is a clock tests can move forward. It starts at the
// real time, so that signatures, tokens and pass times checked against the
// real clock by the fakes still agree with it.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is the real time plus an offset tests advance. It is safe for
// concurrent use; the zero value is the real time.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the real time plus the offset.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}
