package bot

import (
	"errors"
	"sync"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// ErrReplayed is Check's answer to a key seen within the window.
var ErrReplayed = errors.New("replayed request")

// ReplayGuard remembers the requests a chat platform sent within a window,
// by a key that identifies each one (Slack's signature, Teams' activity id).
// Neither platform sends the same request twice, so a repeat inside the
// window is a replay of a captured request. The memory is the process's
// (a restart forgets it), and with Share also the store's, which every
// replica sharing the store consults: behind a load balancer a replay may
// reach any of them.
type ReplayGuard struct {
	window time.Duration
	kind   string            // the shared memory's kind of key
	shared approvals.Replays // nil: this process's memory only

	mu        sync.Mutex
	seen      map[string]time.Time
	lastSweep time.Time
}

// NewReplayGuard remembers each key for at least window.
func NewReplayGuard(window time.Duration) *ReplayGuard {
	return &ReplayGuard{window: window, seen: map[string]time.Time{}}
}

// Share makes g consult, besides its own memory, the memory m that every
// replica of a store shares, under kind. Call it before serving.
func (g *ReplayGuard) Share(kind string, m approvals.Replays) {
	g.kind, g.shared = kind, m
}

// Check records key, seen at now, and returns nil when it is new,
// ErrReplayed when this process or, with Share, any replica saw it within
// the window, and the shared memory's error when it cannot be asked: the
// request must then be refused too.
func (g *ReplayGuard) Check(key string, now time.Time) error {
	if !g.First(key, now) {
		return ErrReplayed
	}
	if g.shared == nil {
		return nil
	}
	first, err := g.shared.FirstSeen(g.kind, []byte(key), g.window)
	switch {
	case err != nil:
		return err
	case !first:
		return ErrReplayed
	}
	return nil
}

// First records key, seen at now, in this process's memory and reports
// whether it is new there. Keys older than the window are dropped at most
// once per window, so the cost of a request does not grow with the traffic
// of the last window.
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
