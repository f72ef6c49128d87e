package approvals

import (
	"bytes"
	"time"
)

// Store keeps requests, the audit log, and the small references and
// cursors of the front-ends. The domain depends on this interface, not on a
// database: BoltStore (Open) keeps everything in one bbolt file that one
// process holds; pgstore.Store keeps it in PostgreSQL, which several
// replicas share. The suite in approvals/storetest holds both to the same
// contract.
//
// Every method that changes something is one serialisable transaction:
// all or nothing, seeing every transaction committed before it, and
// returning only once it is durable. That is what makes the state
// machine's compare-and-set (Update) and the admission rules (Others) safe
// against concurrent clicks, in one process or across replicas. The audit
// chain (hashes, the keyed MAC, verification) is written once, in
// AuditChain; a store only keeps the events in one total order.
type Store interface {
	RefStore
	AuditLog

	// Create stores a new request and its audit event in one transaction.
	// admit, when not nil, is handed inside that transaction the other
	// requests — every unfinished one and every one created since since —
	// and may refuse the new one (rate limits, one open request per user)
	// without a concurrent Create slipping past it. Returns ECONFLICT if
	// the id is taken, or admit's error.
	Create(r *Request, ev Event, since time.Time, admit func(others *Others) error) error
	// Get returns the request with id, or ENOTFOUND.
	Get(id string) (*Request, error)
	// Update loads request id, lets fn look at and change it, and saves it
	// with fn's audit events, all in one transaction: fn sees the state no
	// other writer can change underneath it, so checks in fn are
	// compare-and-set. If fn returns an error nothing is written. fn may run
	// more than once (when the transaction failed for a reason of the
	// store's and is run again); only its last run counts. Returns
	// ENOTFOUND for an unknown id, fn's error, or Change.Err after a
	// successful commit.
	Update(id string, fn func(r *Request) (Change, error)) (*Request, error)
	// UpdateAdmitted is Update for a change that also depends on other
	// requests, such as a re-issue that must respect the rate limits: fn is
	// handed, inside the same transaction, every other unfinished request
	// and every other request created since since (as Create's admit is).
	UpdateAdmitted(id string, since time.Time, fn func(r *Request, others *Others) (Change, error)) (*Request, error)
	// List returns the requests for which keep returns true (all when keep
	// is nil), oldest first.
	List(keep func(*Request) bool) ([]*Request, error)
	// ListOpen is List over the requests not in a final state only; it
	// reads an index of them, not every request.
	ListOpen(keep func(*Request) bool) ([]*Request, error)
	// ListRecent returns the requests keep accepts among those unfinished
	// and those created since since, oldest first; it reads indexes, not
	// every request.
	ListRecent(since time.Time, keep func(*Request) bool) ([]*Request, error)
	// Record appends an audit event that belongs to no request transition,
	// such as a revoke by UPN.
	Record(ev Event) error

	// Audit returns the audit events at or after since, oldest first.
	Audit(since time.Time) ([]Event, error)
	// AuditHead returns the head of the audit log: its last event's
	// sequence number and MAC (empty while the log is unkeyed; Seq 0 while
	// it is empty). Published outside the database, it lets VerifyAuditLog
	// prove later that nothing up to it was cut or rewritten.
	AuditHead() (AuditHead, error)
	// AuditKeyedFrom returns the sequence number of the first audit event
	// chained with an audit key, or 0 when none is.
	AuditKeyedFrom() (uint64, error)
	// VerifyAuditLog walks the whole audit log and the stored requests in
	// one consistent read, as AuditChain.Verify describes.
	VerifyAuditLog(opts VerifyOptions) (AuditReport, error)

	// AuditCursor returns the sequence number of the last event the
	// follower named name took; 0 when it took none.
	AuditCursor(name string) (uint64, error)
	// SetAuditCursor records that the follower named name took every event
	// up to seq. The cursor is a reference (GetRef) holding seq in decimal.
	SetAuditCursor(name string, seq uint64) error
	// AuditLag returns how many events the follower named name has still
	// to take: the log's last sequence number minus its cursor.
	AuditLag(name string) (uint64, error)
	// Appended returns a channel closed when this store next commits audit
	// events, so that followers take each event as it is appended.
	Appended() <-chan struct{}
	// SetObserver makes the store tell o of each event it commits
	// (Observer); call it before the store is used.
	SetObserver(o Observer)

	// Commits is how many write transactions the store has committed since
	// it was opened.
	Commits() uint64
	// Close releases the store. Transactions in flight finish first.
	Close() error
}

// Change is what a mutation of a request decided: the audit events to append
// (none for bookkeeping such as remembering a card), and a domain error to
// return after the change is committed (e.g. "expired" after marking a late
// request expired).
type Change struct {
	Events []Event
	Err    error
}

// StoreOptions are what OpenOptions set; every Store implementation opens
// with them (OptionsOf).
type StoreOptions struct {
	// AuditKey chains every audit event the store appends with an HMAC
	// under it (AuditChain); nil: events are hash-chained only.
	AuditKey []byte
}

// OpenOption changes how a store opens (Open, pgstore.Open).
type OpenOption func(*StoreOptions)

// OptionsOf applies opts in order.
func OptionsOf(opts ...OpenOption) StoreOptions {
	var o StoreOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithAuditKey makes the store chain every audit event it appends with an
// HMAC under key, which must not be kept in the database. Opening then
// fails unless the last keyed event verifies under key, so a wrong key
// stops tapbot at start instead of forking the chain. An empty key changes
// nothing.
func WithAuditKey(key []byte) OpenOption {
	return func(o *StoreOptions) {
		if len(key) > 0 {
			o.AuditKey = bytes.Clone(key)
		}
	}
}

// Signals is how a store tells the process what it committed: the Observer
// of each transition, and the audit followers waiting for new events.
// Every Store implementation embeds one, so both tell it alike. The zero
// value is ready to use.
type Signals struct {
	observer Observer // nil: nobody
	appended appendNotice
}

// SetObserver makes the store tell o of each committed event; nil changes
// nothing. Call it before the store is used.
func (s *Signals) SetObserver(o Observer) {
	if o != nil {
		s.observer = o
	}
}

// Appended returns a channel closed at the store's next commit of audit
// events.
func (s *Signals) Appended() <-chan struct{} { return s.appended.wait() }

// Committed is called by a store after it committed events: it tells the
// observer of those that belong to r (nil r: events of no request, such as
// Record's, which no observer is told of) and wakes the followers.
func (s *Signals) Committed(r *Request, events ...Event) {
	if len(events) > 0 {
		s.appended.notify() // audit followers (follower.go) take them now
	}
	if s.observer == nil || r == nil {
		return
	}
	for _, ev := range events {
		s.observer.Transition(r, ev)
	}
}
