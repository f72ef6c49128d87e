package verifiedid

import (
	"sync"
	"time"
)

// finishedRequests remembers which presentation requests reached a
// terminal status, so a callback repeated (by the service or by someone
// who captured it) is passed on once. The memory is the process's: the
// domain still treats a repeat after a restart as the no-op it is.
type finishedRequests struct {
	window time.Duration

	mu        sync.Mutex
	byID      map[string]finished
	lastSweep time.Time
}

type finished struct {
	status string
	at     time.Time
}

func newFinishedRequests(window time.Duration) *finishedRequests {
	return &finishedRequests{window: window, byID: map[string]finished{}}
}

// claim records that requestID finished with status at now, unless it
// already had; then it returns the status it finished with and true.
// Entries older than the window are dropped at most once per window.
func (f *finishedRequests) claim(requestID, status string, now time.Time) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if now.Sub(f.lastSweep) > f.window {
		for id, e := range f.byID {
			if now.Sub(e.at) > f.window {
				delete(f.byID, id)
			}
		}
		f.lastSweep = now
	}
	if e, ok := f.byID[requestID]; ok {
		return e.status, true
	}
	f.byID[requestID] = finished{status: status, at: now}
	return "", false
}

// release forgets requestID, when the domain did not take its terminal
// callback: a retry must reach it.
func (f *finishedRequests) release(requestID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.byID, requestID)
}
