// Package storetest is the contract of approvals.Store: one set of tests
// that every implementation passes, run by each implementation's own tests
// (approvals for bbolt, approvals/pgstore for PostgreSQL).
//
//	func TestStoreContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Backend { … })
//	}
package storetest

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// Opener opens one store of the implementation under test: empty the first
// time, and the same store, with what was committed, after it was closed.
type Opener func(opts ...approvals.OpenOption) (approvals.Store, error)

// Backend is one store of the implementation under test.
type Backend struct {
	Open Opener
	// Waiting, if set, reports how many transactions of st wait for
	// another one to commit (for a lock, or for bbolt's one writer). The
	// concurrency tests then hold their first transaction until a second
	// one waits for it, so the two meet for certain and not by chance.
	Waiting func(st approvals.Store) (int, error)
}

// Run runs every test of the contract as a subtest of t. fresh returns a
// new, empty store; it may skip t (no database to test on).
func Run(t *testing.T, fresh func(t *testing.T) Backend) {
	for _, c := range contract {
		t.Run(c.name, func(t *testing.T) { c.test(t, fresh(t)) })
	}
}

// contract lists the tests: what each protects is its name.
var contract = []struct {
	name string
	test func(t *testing.T, b Backend)
}{
	{"CreateThenGetReturnsTheRequestAsStored", testCreateThenGet},
	{"ARequestIdIsTakenOnce", testIDTakenOnce},
	{"FiftyApprovalsAtOnceMakeOneTransition", testFiftyApprovals},
	{"ARefusedUpdateWritesNothing", testRefusedUpdate},
	{"ChangeErrIsReturnedAfterTheChangeIsCommitted", testChangeErr},
	{"ListsAreOldestFirstAndReadTheirRequests", testLists},
	{"ConcurrentRequestsForOneTargetAdmitOne", testOneOpenPerTarget},
	{"TheRequesterRateLimitHoldsUnderConcurrency", testRateLimit},
	{"ConcurrentReissuesOfOneTargetAdmitOne", testConcurrentReissues},
	{"OthersSeesUnfinishedAndRecentRequestsButNeverItsOwn", testOthersView},
	{"OnePersonIsCountedAcrossAccountsByEntraID", testRaisedByEntra},
	{"TheAuditChainHasOneTotalOrderUnderConcurrency", testChainOrder},
	{"AKeyedChainProvesItsHeadAndRefusesAnotherKey", testKeyedChain},
	{"AuditReadsReturnTheirPartOfTheLog", testAuditReads},
	{"RefsAreKeptAcrossReopening", testRefs},
	{"ConcurrentChangesOfOneRefLoseNothing", testUpdateRefs},
	{"FollowerCursorsMoveAndSurviveReopening", testCursors},
	{"TheObserverSeesEachCommittedEventOnly", testObserver},
	{"AppendedWakesFollowersAtTheNextCommit", testAppended},
}

// t0 is when the tests' requests are raised, give or take.
var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

var (
	rita = approvals.Principal{Platform: "slack", ID: "UREQ1", Name: "rita"}
	rob  = approvals.Principal{Platform: "slack", ID: "UREQ2", Name: "rob"}
	anna = approvals.Principal{Platform: "slack", ID: "UAPP1", Name: "anna"}
)

// opened opens a store and closes it when t ends, unless the test closed
// it itself (to reopen it).
func opened(t *testing.T, b Backend, opts ...approvals.OpenOption) *closer {
	t.Helper()
	st, err := b.Open(opts...)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	c := &closer{Store: st}
	t.Cleanup(c.close)
	return c
}

// closer is a store that is closed once.
type closer struct {
	approvals.Store
	once sync.Once
}

func (c *closer) close() { c.once.Do(func() { _ = c.Store.Close() }) }

// request is a request of by for target, raised at, in state.
func request(id, target string, by approvals.Principal, at time.Time, state approvals.State) *approvals.Request {
	return &approvals.Request{
		ID: id, Tenant: "contoso", Requester: by,
		Target:    approvals.Target{ID: target, UPN: target + "@contoso.com", DisplayName: target, AccountEnabled: true},
		State:     state,
		CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(30 * time.Minute),
		LifetimeMinutes: 60, UsableOnce: true, ApprovalsRequired: 1, Reason: "new phone",
	}
}

// raised is r's first audit event.
func raised(r *approvals.Request) approvals.Event {
	return approvals.Event{Time: r.CreatedAt, Type: approvals.EventRaised, Actor: r.Requester.Key(), ActorName: r.Requester.Name,
		RequestID: r.ID, Tenant: r.Tenant, TargetUPN: r.Target.UPN, TargetID: r.Target.ID, LifetimeMinutes: r.LifetimeMinutes, UsableOnce: r.UsableOnce}
}

// create stores r with its raised event and no admission check.
func create(t *testing.T, st approvals.Store, r *approvals.Request) {
	t.Helper()
	if err := st.Create(r, raised(r), r.CreatedAt, nil); err != nil {
		t.Fatalf("create %s: %v", r.ID, err)
	}
}

// approve is the compare-and-set of an approval: pending → approved.
func approve(r *approvals.Request) (approvals.Change, error) {
	if r.State != approvals.StatePending {
		return approvals.Change{}, approvals.Errorf(approvals.ECONFLICT, "request %s is %s, no longer pending", r.ID, r.State)
	}
	r.State = approvals.StateApproved
	r.Approvals = append(r.Approvals, approvals.Approval{By: anna, At: r.CreatedAt.Add(time.Minute)})
	return approvals.Change{Events: []approvals.Event{{Time: r.CreatedAt.Add(time.Minute), Type: approvals.EventApproved, Actor: anna.Key(), RequestID: r.ID, Detail: "approval 1 of 1"}}}, nil
}

// verified fails t unless the store's audit log verifies whole; it
// returns the report.
func verified(t *testing.T, st approvals.Store, opts approvals.VerifyOptions) approvals.AuditReport {
	t.Helper()
	rep, err := st.VerifyAuditLog(opts)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

// wantCode fails t unless err has code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if approvals.ErrorCode(err) != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
}

// all runs fn n times at once and returns each run's error, in order.
func all(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// succeeded counts the nil errors and fails t on any error without code.
func succeeded(t *testing.T, errs []error, refusal string) int {
	t.Helper()
	n := 0
	for _, err := range errs {
		switch approvals.ErrorCode(err) {
		case "":
			n++
		case refusal:
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	return n
}

// meeting is where concurrent transactions of one request, or of one
// admission, decide. The first to enter waits there until another
// transaction waits for it (the store serialises them, as it must), or
// until another one enters beside it (the store does not: Overlapped).
type meeting struct {
	waiting func() (int, error) // nil: no waiting, the meeting is by chance

	mu         sync.Mutex
	inside     int
	started    bool
	overlapped bool
}

func newMeeting(b Backend, st *closer) *meeting {
	m := &meeting{}
	if b.Waiting != nil {
		m.waiting = func() (int, error) { return b.Waiting(st.Store) }
	}
	return m
}

// enter is called at the start of a decision; leave at its end.
func (m *meeting) enter() (leave func()) {
	m.mu.Lock()
	m.inside++
	m.overlapped = m.overlapped || m.inside > 1
	first := !m.started
	m.started = true
	m.mu.Unlock()
	for first && m.waiting != nil && !m.Overlapped() {
		if n, err := m.waiting(); err != nil || n > 0 {
			break
		}
		runtime.Gosched()
	}
	return func() {
		m.mu.Lock()
		m.inside--
		m.mu.Unlock()
	}
}

// Overlapped reports whether two decisions ran at once.
func (m *meeting) Overlapped() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.overlapped
}
