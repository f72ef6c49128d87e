package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

var testKey = []byte("storetest audit key: 32 characters or more")

// revoked is an audit event of no request.
func revoked(at time.Time, detail string) approvals.Event {
	return approvals.Event{Time: at, Type: approvals.EventRevoked, Actor: anna.Key(), TargetUPN: "alice@contoso.com", Detail: detail}
}

func testChainOrder(t *testing.T, b Backend) {
	st := opened(t, b)
	const n = 15
	errs := all(n, func(i int) error {
		r := request(id("ORD", i), id("target", i), rita, t0.Add(time.Duration(i)*time.Second), approvals.StatePending)
		if err := st.Create(r, raised(r), t0, nil); err != nil {
			return err
		}
		if err := st.Record(revoked(t0, r.ID)); err != nil {
			return err
		}
		_, err := st.Update(r.ID, approve)
		return err
	})
	if succeeded(t, errs, "") != n {
		t.FailNow()
	}
	events, err := st.AuditAfter(0, 10*n)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3*n {
		t.Fatalf("%d events, want %d", len(events), 3*n)
	}
	for i, ev := range events {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d: the sequence has a gap or a repeat", i+1, ev.Seq)
		}
		if i > 0 && ev.PrevHash != events[i-1].Hash {
			t.Fatalf("event %d does not link to event %d", ev.Seq, events[i-1].Seq)
		}
	}
	rep := verified(t, st, approvals.VerifyOptions{})
	if rep.Events != 3*n || rep.Requests != n || rep.Head.Seq != uint64(3*n) {
		t.Fatalf("report %+v, want %d events and %d requests", rep, 3*n, n)
	}
	if head, _ := st.AuditHead(); head != rep.Head {
		t.Fatalf("AuditHead %v, the verified log ends at %v", head, rep.Head)
	}
}

func testKeyedChain(t *testing.T, b Backend) {
	unkeyed := opened(t, b)
	if err := unkeyed.Record(revoked(t0, "before the key")); err != nil {
		t.Fatal(err)
	}
	unkeyed.close()

	st := opened(t, b, approvals.WithAuditKey(testKey))
	r := request("TAP-KEY001", "alice", rita, t0, approvals.StatePending)
	create(t, st, r)
	if _, err := st.Update(r.ID, approve); err != nil {
		t.Fatal(err)
	}
	head, err := st.AuditHead()
	if err != nil || head.Seq != 3 || len(head.MAC) != 64 {
		t.Fatalf("head %v (%v), want event 3 with a MAC", head, err)
	}
	if from, _ := st.AuditKeyedFrom(); from != 2 {
		t.Fatalf("keyed from %d, want 2: the first event appended with the key", from)
	}
	rep := verified(t, st, approvals.VerifyOptions{Head: &head})
	if !rep.MACsProven || rep.KeyedFrom != 2 || rep.Events != 3 {
		t.Fatalf("report %+v, want 3 events, MACs proven from event 2", rep)
	}
	st.close()

	if _, err := b.Open(approvals.WithAuditKey([]byte("another key, of 32 characters or more"))); err == nil || !strings.Contains(err.Error(), "TAPBOT_AUDIT_KEY is not the key") {
		t.Fatalf("open with another key: %v", err)
	}
	nokey := opened(t, b)
	if err := nokey.Record(revoked(t0, "without the key")); err == nil || !strings.Contains(err.Error(), "set TAPBOT_AUDIT_KEY") {
		t.Fatalf("append without the key: %v", err)
	}
	var unproven *approvals.UnprovenError
	if _, err := nokey.VerifyAuditLog(approvals.VerifyOptions{}); !errors.As(err, &unproven) || unproven.From != 2 {
		t.Fatalf("verify without the key: %v, want it unproven from event 2", err)
	}
	if _, err := nokey.VerifyAuditLog(approvals.VerifyOptions{Key: testKey, Head: &head}); err != nil {
		t.Fatalf("verify with the key given: %v", err)
	}
	forged := approvals.AuditHead{Seq: head.Seq, MAC: strings.Repeat("0", 64)}
	var ce *approvals.ChainError
	if _, err := nokey.VerifyAuditLog(approvals.VerifyOptions{Key: testKey, Head: &forged}); !errors.As(err, &ce) || ce.Seq != 3 {
		t.Fatalf("verify against another head: %v, want a break at event 3", err)
	}
}

func testAuditReads(t *testing.T, b Backend) {
	st := opened(t, b)
	for i := range 5 {
		if err := st.Record(revoked(t0.Add(time.Duration(i)*time.Hour), id("R", i))); err != nil {
			t.Fatal(err)
		}
	}
	since, err := st.Audit(t0.Add(3 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if details := eventDetails(since); !slices.Equal(details, []string{"TAP-R003", "TAP-R004"}) {
		t.Fatalf("Audit(since the 4th) = %v", details)
	}
	after, err := st.AuditAfter(1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if details := eventDetails(after); !slices.Equal(details, []string{"TAP-R001", "TAP-R002"}) {
		t.Fatalf("AuditAfter(1, 2) = %v", details)
	}
	if none, err := st.AuditAfter(5, 10); err != nil || len(none) != 0 {
		t.Fatalf("AuditAfter the end = %v, %v; want none", none, err)
	}
	if every, _ := st.Audit(time.Time{}); len(every) != 5 || every[0].Hash == "" || every[0].State != "" {
		t.Fatalf("Audit of everything: %+v", every)
	}
}

func testCursors(t *testing.T, b Backend) {
	st := opened(t, b)
	for i := range 3 {
		if err := st.Record(revoked(t0, id("C", i))); err != nil {
			t.Fatal(err)
		}
	}
	const name = "webhook/storetest"
	if seq, err := st.AuditCursor(name); err != nil || seq != 0 {
		t.Fatalf("a new cursor is %d (%v), want 0", seq, err)
	}
	if lag, _ := st.AuditLag(name); lag != 3 {
		t.Fatalf("lag %d, want 3", lag)
	}
	seqs := make(chan uint64, 10)
	ctx, stop := context.WithCancel(context.Background())
	f := approvals.Follower{Store: st, Name: name, Interval: time.Hour, Handle: func(_ context.Context, ev approvals.Event) error {
		seqs <- ev.Seq
		return nil
	}}
	var done sync.WaitGroup
	done.Go(func() { f.Run(ctx) })
	for want := uint64(1); want <= 3; want++ {
		if got := <-seqs; got != want {
			t.Fatalf("follower took event %d, want %d", got, want)
		}
	}
	if err := st.Record(revoked(t0, "appended while followed")); err != nil {
		t.Fatal(err)
	}
	if got := <-seqs; got != 4 {
		t.Fatalf("follower took event %d, want the one appended, 4", got)
	}
	stop()
	done.Wait()
	if err := st.SetAuditCursor("other/storetest", 2); err != nil {
		t.Fatal(err)
	}
	st.close()
	again := opened(t, b)
	for name, want := range map[string]uint64{name: 4, "other/storetest": 2} {
		if seq, err := again.AuditCursor(name); err != nil || seq != want {
			t.Errorf("cursor %s after reopening = %d (%v), want %d", name, seq, err, want)
		}
	}
	if lag, _ := again.AuditLag("other/storetest"); lag != 2 {
		t.Fatalf("lag %d, want 2", lag)
	}
}

// observed records what an Observer is told.
type observed struct {
	mu   sync.Mutex
	seen []string
}

func (o *observed) Transition(r *approvals.Request, ev approvals.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, r.ID+" "+ev.Type+"/"+string(ev.State))
}

func testObserver(t *testing.T, b Backend) {
	st := opened(t, b)
	o := &observed{}
	st.SetObserver(o)
	r := request("TAP-OBS001", "alice", rita, t0, approvals.StatePending)
	create(t, st, r)
	if _, err := st.Update(r.ID, approve); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Update(r.ID, approve); approvals.ErrorCode(err) != approvals.ECONFLICT {
		t.Fatalf("second approval: %v", err)
	}
	if err := st.Record(revoked(t0, "no request's")); err != nil {
		t.Fatal(err)
	}
	want := []string{"TAP-OBS001 raised/pending", "TAP-OBS001 approved/approved"}
	if !slices.Equal(o.seen, want) {
		t.Fatalf("observer saw %v, want %v", o.seen, want)
	}
}

func testAppended(t *testing.T, b Backend) {
	st := opened(t, b)
	woken := st.Appended()
	if err := st.PutRef("teams-conversation", "someone", []byte("ref")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woken:
		t.Fatal("a reference woke the audit followers")
	default:
	}
	if err := st.Record(revoked(t0, "wake")); err != nil {
		t.Fatal(err)
	}
	<-woken // the test's deadline is the failure if it never closes
}

func eventDetails(events []approvals.Event) []string {
	var ds []string
	for _, ev := range events {
		ds = append(ds, ev.Detail)
	}
	return ds
}
