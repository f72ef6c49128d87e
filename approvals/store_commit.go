package approvals

import bolt "go.etcd.io/bbolt"

// step is one change of the store: a request's transition, an audit
// event, a reference.
type step struct {
	// decide reads what the step depends on and may refuse: its error is
	// the step's answer, and it must not have written anything.
	decide func(tx *bolt.Tx) error
	// write makes the change decide allowed. Its error fails the
	// transaction.
	write func(tx *bolt.Tx) error
}

// do runs st in one read-write transaction and returns its answer once the
// transaction is committed (or has failed).
func (s *Store) do(st *step) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := st.decide(tx); err != nil {
			return err
		}
		return st.write(tx)
	})
}

// writeOnly is a step that refuses nothing.
func writeOnly(write func(tx *bolt.Tx) error) *step {
	return &step{decide: func(*bolt.Tx) error { return nil }, write: write}
}
