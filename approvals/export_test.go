package approvals

// WaitingSteps is how many steps wait for bbolt's writer behind the ones
// being committed, for the store contract's concurrency tests.
func WaitingSteps(s *BoltStore) int {
	s.queue.mu.Lock()
	defer s.queue.mu.Unlock()
	return max(len(s.queue.steps)-1, 0)
}
