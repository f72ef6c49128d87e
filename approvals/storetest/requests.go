package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

func testCreateThenGet(t *testing.T, b Backend) {
	st := opened(t, b)
	r := request("TAP-GET001", "alice", rita, t0, approvals.StatePending)
	r.Requester.EntraID = "6f1c0d9e-0000-4000-8000-000000000001"
	create(t, st, r)
	got, err := st.Get(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := asJSON(t, got), asJSON(t, r); a != b {
		t.Fatalf("stored %s\nread back %s", b, a)
	}
	_, err = st.Get("TAP-NOSUCH")
	wantCode(t, err, approvals.ENOTFOUND)
	_, err = st.Update("TAP-NOSUCH", approve)
	wantCode(t, err, approvals.ENOTFOUND)
}

func testIDTakenOnce(t *testing.T, b Backend) {
	st := opened(t, b)
	create(t, st, request("TAP-DUP001", "alice", rita, t0, approvals.StatePending))
	again := request("TAP-DUP001", "bob", rob, t0.Add(time.Minute), approvals.StatePending)
	wantCode(t, st.Create(again, raised(again), t0, nil), approvals.ECONFLICT)
	errs := all(10, func(int) error {
		r := request("TAP-DUP002", "carol", rob, t0, approvals.StatePending)
		return st.Create(r, raised(r), t0, nil)
	})
	if n := succeeded(t, errs, approvals.ECONFLICT); n != 1 {
		t.Fatalf("%d of 10 creates of one id succeeded, want 1", n)
	}
	if got, _ := st.Get("TAP-DUP001"); got.Target.ID != "alice" {
		t.Fatalf("the first request was overwritten: %+v", got)
	}
	if rep := verified(t, st, approvals.VerifyOptions{}); rep.Events != 2 {
		t.Fatalf("%d audit events, want one per request", rep.Events)
	}
}

func testFiftyApprovals(t *testing.T, b Backend) {
	st := opened(t, b)
	r := request("TAP-CAS001", "alice", rita, t0, approvals.StatePending)
	create(t, st, r)
	m := newMeeting(b, st)
	errs := all(50, func(int) error {
		_, err := st.Update(r.ID, func(r *approvals.Request) (approvals.Change, error) {
			defer m.enter()()
			return approve(r)
		})
		return err
	})
	if m.Overlapped() {
		t.Error("two approvals of one request decided at once: the store does not lock the request")
	}
	if n := succeeded(t, errs, approvals.ECONFLICT); n != 1 {
		t.Fatalf("%d of 50 approvals went through, want 1", n)
	}
	got, _ := st.Get(r.ID)
	if got.State != approvals.StateApproved || len(got.Approvals) != 1 {
		t.Fatalf("after 50 approvals: %s with %d approvals, want approved with 1", got.State, len(got.Approvals))
	}
	events, _ := st.AuditAfter(0, 100)
	if types := eventTypes(events); !slices.Equal(types, []string{approvals.EventRaised, approvals.EventApproved}) {
		t.Fatalf("audit log %v, want one raised and one approved", types)
	}
	verified(t, st, approvals.VerifyOptions{})
}

func testRefusedUpdate(t *testing.T, b Backend) {
	st := opened(t, b)
	r := request("TAP-REF001", "alice", rita, t0, approvals.StatePending)
	create(t, st, r)
	commits := st.Commits()
	_, err := st.Update(r.ID, func(r *approvals.Request) (approvals.Change, error) {
		r.State = approvals.StateDenied // changed, then refused: none of it may stay
		return approvals.Change{Events: []approvals.Event{{Time: t0, Type: approvals.EventDenied, RequestID: r.ID}}},
			approvals.Errorf(approvals.EFORBIDDEN, "you may not")
	})
	wantCode(t, err, approvals.EFORBIDDEN)
	if got, _ := st.Get(r.ID); got.State != approvals.StatePending {
		t.Fatalf("a refused update left the request %s", got.State)
	}
	if head, _ := st.AuditHead(); head.Seq != 1 {
		t.Fatalf("a refused update appended to the audit log: head %d", head.Seq)
	}
	if n := st.Commits() - commits; n != 0 {
		t.Fatalf("a refused update committed %d transactions", n)
	}
}

func testChangeErr(t *testing.T, b Backend) {
	st := opened(t, b)
	r := request("TAP-LATE01", "alice", rita, t0, approvals.StatePending)
	create(t, st, r)
	late := approvals.Errorf(approvals.ECONFLICT, "This request expired.")
	got, err := st.Update(r.ID, func(r *approvals.Request) (approvals.Change, error) {
		r.State = approvals.StateExpired
		return approvals.Change{Events: []approvals.Event{{Time: t0.Add(time.Hour), Type: approvals.EventExpired, RequestID: r.ID}}, Err: late}, nil
	})
	if err != late || got == nil || got.State != approvals.StateExpired {
		t.Fatalf("update = %v, %v; want the expired request and Change.Err", got, err)
	}
	if stored, _ := st.Get(r.ID); stored.State != approvals.StateExpired {
		t.Fatalf("stored as %s, want expired", stored.State)
	}
	if rep := verified(t, st, approvals.VerifyOptions{}); rep.Events != 2 || rep.Requests != 1 {
		t.Fatalf("report %+v, want 2 events and 1 request matching them", rep)
	}
}

func testLists(t *testing.T, b Backend) {
	st := opened(t, b)
	// Raised out of order; ids out of order too, so the order is the time's.
	for _, r := range []*approvals.Request{
		request("TAP-L3", "carol", rita, t0.Add(3*time.Hour), approvals.StatePending),
		request("TAP-L1", "alice", rita, t0.Add(1*time.Hour), approvals.StateDelivered),
		request("TAP-L0", "zed", rob, t0, approvals.StateIssued),
		request("TAP-L2", "bob", rob, t0.Add(2*time.Hour), approvals.StateDenied),
	} {
		create(t, st, r)
	}
	byRita := func(r *approvals.Request) bool { return r.Requester.Same(rita) }
	for _, tc := range []struct {
		name string
		list func() ([]*approvals.Request, error)
		want []string
	}{
		{"List", func() ([]*approvals.Request, error) { return st.List(nil) }, []string{"TAP-L0", "TAP-L1", "TAP-L2", "TAP-L3"}},
		{"List kept", func() ([]*approvals.Request, error) { return st.List(byRita) }, []string{"TAP-L1", "TAP-L3"}},
		{"ListOpen", func() ([]*approvals.Request, error) { return st.ListOpen(nil) }, []string{"TAP-L0", "TAP-L3"}},
		{"ListOpen kept", func() ([]*approvals.Request, error) { return st.ListOpen(byRita) }, []string{"TAP-L3"}},
		{"ListRecent: open, and finished since", func() ([]*approvals.Request, error) {
			return st.ListRecent(t0.Add(2*time.Hour), func(*approvals.Request) bool { return true })
		}, []string{"TAP-L0", "TAP-L2", "TAP-L3"}},
		{"ListRecent from the very instant", func() ([]*approvals.Request, error) {
			return st.ListRecent(t0.Add(1*time.Hour), byRita)
		}, []string{"TAP-L1", "TAP-L3"}},
		{"RequestsFor a target", func() ([]*approvals.Request, error) { return approvals.RequestsFor(st, "alice", t0) }, []string{"TAP-L1"}},
		{"Stranded", func() ([]*approvals.Request, error) { return approvals.Stranded(st, "teams") }, []string{"TAP-L0", "TAP-L3"}},
	} {
		got, err := tc.list()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if ids := idsOf(got); !slices.Equal(ids, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, ids, tc.want)
		}
	}
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func idsOf(rs []*approvals.Request) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

func eventTypes(events []approvals.Event) []string {
	var types []string
	for _, ev := range events {
		types = append(types, ev.Type)
	}
	return types
}

// id is the i-th id of a series.
func id(prefix string, i int) string { return fmt.Sprintf("TAP-%s%03d", prefix, i) }
