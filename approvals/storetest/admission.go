package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// anyRequest is a keep that keeps everything.
func anyRequest(*approvals.Request) bool { return true }

// oneOpenPerTarget refuses r while another request for its target is open.
func oneOpenPerTarget(r *approvals.Request) func(*approvals.Others) error {
	return func(o *approvals.Others) error {
		open, err := o.OpenFor(r.Target.ID, anyRequest)
		if err != nil {
			return err
		}
		if open != nil {
			return approvals.Errorf(approvals.ECONFLICT, "%s already has an open request", r.Target.UPN)
		}
		return nil
	}
}

func testOneOpenPerTarget(t *testing.T, b Backend) {
	st := opened(t, b)
	m := newMeeting(b, st)
	errs := all(30, func(i int) error {
		by := rita
		by.ID = id("U", i) // thirty requesters: only the target is shared
		r := request(id("ONE", i), "alice", by, t0.Add(time.Duration(i)*time.Second), approvals.StatePending)
		return st.Create(r, raised(r), t0.Add(-time.Hour), func(o *approvals.Others) error {
			defer m.enter()()
			return oneOpenPerTarget(r)(o)
		})
	})
	if m.Overlapped() {
		t.Error("two requests for one target were admitted at once: the store does not serialise their admission")
	}
	if n := succeeded(t, errs, approvals.ECONFLICT); n != 1 {
		t.Fatalf("%d of 30 concurrent requests for one target were admitted, want 1", n)
	}
	if open, _ := st.ListOpen(nil); len(open) != 1 {
		t.Fatalf("%d open requests for the target, want 1", len(open))
	}
	verified(t, st, approvals.VerifyOptions{})
}

func testRateLimit(t *testing.T, b Backend) {
	st := opened(t, b)
	const limit = 3
	m := newMeeting(b, st)
	errs := all(20, func(i int) error {
		r := request(id("RATE", i), id("target", i), rita, t0.Add(time.Duration(i)*time.Second), approvals.StatePending)
		return st.Create(r, raised(r), t0.Add(-time.Hour), func(o *approvals.Others) error {
			defer m.enter()()
			if o.RaisedBy(rita, t0.Add(-time.Hour)) >= limit {
				return approvals.Errorf(approvals.EFORBIDDEN, "you asked for %d passes in the last hour", limit)
			}
			return nil
		})
	})
	if m.Overlapped() {
		t.Error("two requests of one requester were admitted at once: the store does not serialise their admission")
	}
	if n := succeeded(t, errs, approvals.EFORBIDDEN); n != limit {
		t.Fatalf("%d of 20 concurrent requests of one requester were admitted, want the limit, %d", n, limit)
	}
}

func testConcurrentReissues(t *testing.T, b Backend) {
	st := opened(t, b)
	for i := range 5 {
		create(t, st, request(id("RE", i), "alice", rita, t0.Add(time.Duration(i)*time.Minute), approvals.StateDelivered))
	}
	m := newMeeting(b, st)
	errs := all(5, func(i int) error {
		_, err := st.UpdateAdmitted(id("RE", i), t0.Add(-time.Hour), func(r *approvals.Request, o *approvals.Others) (approvals.Change, error) {
			defer m.enter()()
			if err := oneOpenPerTarget(r)(o); err != nil {
				return approvals.Change{}, err
			}
			r.State, r.Reissues = approvals.StateIssuing, r.Reissues+1
			return approvals.Change{Events: []approvals.Event{{Time: t0.Add(time.Hour), Type: approvals.EventReissued, Actor: rita.Key(), RequestID: r.ID}}}, nil
		})
		return err
	})
	if m.Overlapped() {
		t.Error("two re-issues for one target were admitted at once: the store does not serialise their admission")
	}
	if n := succeeded(t, errs, approvals.ECONFLICT); n != 1 {
		t.Fatalf("%d of 5 concurrent re-issues for one target were admitted, want 1", n)
	}
	verified(t, st, approvals.VerifyOptions{})
}

func testOthersView(t *testing.T, b Backend) {
	st := opened(t, b)
	since := t0.Add(time.Hour)
	for _, r := range []*approvals.Request{
		request("TAP-OLDDONE", "alice", rita, t0, approvals.StateDelivered),               // finished before since: unseen
		request("TAP-OLDOPEN", "alice", rita, t0.Add(time.Minute), approvals.StateIssued), // open: seen however old
		request("TAP-NEWDONE", "alice", rob, since, approvals.StateDenied),                // finished at since: seen
		request("TAP-NEWER", "alice", rob, since.Add(time.Minute), approvals.StateExpired),
		request("TAP-SELF", "alice", rita, since.Add(2*time.Minute), approvals.StateDelivered),
	} {
		create(t, st, r)
	}
	type answers struct {
		open, created string
		raisedByRita  int
		raisedByRob   int
	}
	look := func(o *approvals.Others) (a answers, err error) {
		if r, err := o.OpenFor("alice", anyRequest); err != nil || r != nil {
			a.open = idOrNone(r)
		}
		if r, err := o.CreatedFor("alice", anyRequest); err == nil {
			a.created = idOrNone(r)
		}
		notRob, err := o.CreatedFor("alice", func(r *approvals.Request) bool { return !r.Requester.Same(rob) })
		if err == nil && notRob != nil {
			a.created += "/" + notRob.ID
		}
		a.raisedByRita, a.raisedByRob = o.RaisedBy(rita, t0.Add(-time.Hour)), o.RaisedBy(rob, since)
		return a, err
	}
	want := answers{open: "TAP-OLDOPEN", created: "TAP-NEWDONE", raisedByRita: 1, raisedByRob: 1}
	var got answers
	_, err := st.UpdateAdmitted("TAP-SELF", since, func(r *approvals.Request, o *approvals.Others) (approvals.Change, error) {
		var err error
		got, err = look(o)
		return approvals.Change{}, err
	})
	if err != nil || got != want {
		t.Fatalf("UpdateAdmitted's view = %+v (%v), want %+v", got, err, want)
	}
	r := request("TAP-BRANDNEW", "alice", rita, since.Add(3*time.Minute), approvals.StatePending)
	err = st.Create(r, raised(r), since, func(o *approvals.Others) error {
		var err error
		got, err = look(o)
		return err
	})
	want = answers{open: "TAP-OLDOPEN", created: "TAP-NEWDONE/TAP-SELF", raisedByRita: 2, raisedByRob: 1}
	if err != nil || got != want {
		t.Fatalf("Create's view = %+v (%v), want %+v", got, err, want)
	}
}

func testRaisedByEntra(t *testing.T, b Backend) {
	st := opened(t, b)
	onSlack := approvals.Principal{Platform: "slack", ID: "UREQ9", EntraID: "AbCd-Ef01"}
	onTeams := approvals.Principal{Platform: "teams", ID: "29:teams-user", EntraID: "abcd-EF01"}
	unknown := approvals.Principal{Platform: "slack", ID: "UREQ8"} // Entra user not known: counted by account only
	for i, by := range []approvals.Principal{onSlack, onTeams, unknown} {
		create(t, st, request(id("ENTRA", i), id("target", i), by, t0.Add(time.Duration(i)*time.Minute), approvals.StatePending))
	}
	asked := approvals.Principal{Platform: "teams", ID: "29:another-account", EntraID: "ABCD-ef01"}
	var counts []int
	r := request("TAP-ENTRA9", "target9", asked, t0.Add(time.Hour), approvals.StatePending)
	err := st.Create(r, raised(r), t0, func(o *approvals.Others) error {
		counts = []int{o.RaisedBy(asked, t0.Add(-time.Minute)), o.RaisedBy(onSlack, t0), o.RaisedBy(unknown, t0.Add(-time.Minute))}
		return nil
	})
	// onSlack's count starts after t0: its own request at t0 is not after it.
	if want := []int{2, 1, 1}; err != nil || !slices.Equal(counts, want) {
		t.Fatalf("RaisedBy = %v (%v), want %v: one Entra user across accounts and case, an unknown one by account", counts, err, want)
	}
}

func idOrNone(r *approvals.Request) string {
	if r == nil {
		return "none"
	}
	return r.ID
}
