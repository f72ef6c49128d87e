package approvals

// Observer learns of every committed change of a request that appends an
// audit event: one call per event, after the transaction has committed, on
// the goroutine that made the change. The wiring uses it for metrics
// (outcomes, time to approval, time to delivery).
//
// r is the request as committed and ev the event as appended, without its
// sequence number and hashes. Neither holds a pass. Transition must be quick,
// must not block and must not change r; it cannot fail the transition.
type Observer interface {
	Transition(r *Request, ev Event)
}

// attachObserver makes st tell o about committed events. Config.Observer
// arrives here through NewService; nil o (or st) changes nothing.
func attachObserver(st Store, o Observer) {
	if st != nil && o != nil {
		st.SetObserver(o)
	}
}
