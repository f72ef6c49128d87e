package bot

import (
	"sync"
	"time"
)

// ReplayGuard remembers the requests a chat platform sent within a window,
// by a key that identifies each one (Slack's signature, Teams' activity id).
// Neither platform sends the same request twice, so a repeat inside the
// window is a replay of a captured request. The memory is the process's: a
// restart forgets it.
type ReplayGuard struct {
	window time.Duration

	mu        sync.Mutex
	seen      map[string]time.Time
	lastSweep time.Time
}

// NewReplayGuard remembers each key for at least window.
func NewReplayGuard(window time.Duration) *ReplayGuard {
	return &ReplayGuard{window: window, seen: map[string]time.Time{}}
}

// First records key, seen at now, and reports whether it is new. Keys older
// than the window are dropped at most once per window, so the cost of a
// request does not grow with the traffic of the last window.
func (g *ReplayGuard) First(key string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.lastSweep) > g.window {
		for k, t := range g.seen {
			if now.Sub(t) > g.window {
				delete(g.seen, k)
			}
		}
		g.lastSweep = now
	}
	if _, dup := g.seen[key]; dup {
		return false
	}
	g.seen[key] = now
	return true
}
