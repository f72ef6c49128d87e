package slacktest

import (
	"slices"
	"time"
)

// fault is one injected answer waiting for a call.
type fault struct {
	slackError string // answer {"ok":false,"error":slackError}
	retryAfter int    // >0: answer HTTP 429 with this Retry-After in seconds
}

// FailMethod makes the next n calls to method (e.g. "chat.postEphemeral")
// answer {"ok":false,"error":slackError}. Calls rejected for their token do
// not use one up. Faults queue behind those already injected.
func (s *Server) FailMethod(method, slackError string, n int) {
	s.addFaults(method, fault{slackError: slackError}, n)
}

// RateLimit makes the next n calls to method answer HTTP 429 with a
// Retry-After header of retryAfter in whole seconds (rounded up, at least 1),
// which slack-go reports as *slack.RateLimitedError.
func (s *Server) RateLimit(method string, n int, retryAfter time.Duration) {
	secs := int((retryAfter + time.Second - 1) / time.Second)
	s.addFaults(method, fault{retryAfter: max(secs, 1)}, n)
}

// CallCount is how many requests reached method so far, whatever the answer.
func (s *Server) CallCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// CallNames returns the name of every Web API method called so far, in the
// order the calls arrived, whatever the answer; a response URL post is
// KindResponseURL. Tests count the calls between two events with it, e.g.
// those that came before a pass was shown. Calls adds when each started
// and ended.
func (s *Server) CallNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.callLog)
}

// count notes a call to method; s.mu held.
func (s *Server) count(method string) {
	s.calls[method]++
	s.callLog = append(s.callLog, method)
}

func (s *Server) addFaults(method string, f fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], f)
	}
}

// takeFault pops the fault waiting for method; s.mu must be held.
func (s *Server) takeFault(method string) (fault, bool) {
	queue := s.faults[method]
	if len(queue) == 0 {
		return fault{}, false
	}
	s.faults[method] = queue[1:]
	return queue[0], true
}
