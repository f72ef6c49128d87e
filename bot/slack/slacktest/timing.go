package slacktest

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Call is one request the fake served: a Web API call or a post to a
// response URL, with when it arrived and when its handling ended.
type Call struct {
	Method string // the Web API method, e.g. "chat.postMessage"; KindResponseURL for a response URL post
	// Start is when the call arrived, End when its answer was ready (zero
	// while it is being handled). Together they show which calls a bot
	// made one after another and which side by side.
	Start, End time.Time
}

// timing is the fake's latency and its record of calls.
type timing struct {
	mu      sync.Mutex
	latency time.Duration
	calls   []Call
	closed  chan struct{} // closed by Close: waiting calls return at once
	once    sync.Once
}

// SetLatency makes every Web API call and every post to a response URL
// wait d before the fake looks at it, as a faraway Slack would. Calls wait
// side by side, not behind one another; a call stops waiting when its
// client goes away or the server closes. Socket Mode is not delayed.
func (s *Server) SetLatency(d time.Duration) {
	s.timing.mu.Lock()
	defer s.timing.mu.Unlock()
	s.timing.latency = d
}

// Calls returns every Web API call and response URL post received so far,
// in the order they arrived, whatever the answer.
func (s *Server) Calls() []Call {
	s.timing.mu.Lock()
	defer s.timing.mu.Unlock()
	return slices.Clone(s.timing.calls)
}

// Watch makes the fake call fn with every message it records from now on,
// in the order it records them. It suits a caller that follows thousands
// of messages at once, where a WaitFor per message would rescan the log at
// every new one. fn runs while the fake holds its locks: it must return
// quickly and must not call the Server.
func (s *Server) Watch(fn func(Message)) { s.rec.Watch(fn) }

// timed records and delays the Web API calls and response URL posts that
// reach next.
func (s *Server) timed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, ok := callName(r.URL.Path)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		defer s.recordCall(method)()
		if !s.wait(r) {
			// The caller has gone or the fake is closing: abort rather
			// than answer, as an unreachable Slack would.
			panic(http.ErrAbortHandler)
		}
		next.ServeHTTP(w, r)
	})
}

// callName names the call a request path makes; false for Socket Mode.
func callName(path string) (string, bool) {
	if method, ok := strings.CutPrefix(path, "/api/"); ok {
		return method, true
	}
	if strings.HasPrefix(path, "/response/") {
		return KindResponseURL, true
	}
	return "", false
}

// recordCall adds a call as it arrives and returns a function that notes
// the end of its handling.
func (s *Server) recordCall(method string) (done func()) {
	t := &s.timing
	t.mu.Lock()
	defer t.mu.Unlock()
	i := len(t.calls)
	t.calls = append(t.calls, Call{Method: method, Start: time.Now()})
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.calls[i].End = time.Now()
	}
}

// wait applies the latency; false means the call was abandoned.
func (s *Server) wait(r *http.Request) bool {
	t := &s.timing
	t.mu.Lock()
	d := t.latency
	t.mu.Unlock()
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
	case <-t.closed:
	}
	return false
}
