package pgstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/approvals/pgstore"
	"github.com/tapbot/tapbot/internal/pgtest"
)

const copyKey = "copy-test-audit-key-0123456789abcdef"

var (
	copyAt    = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	requester = approvals.Principal{Platform: "slack", ID: "UREQ1", Name: "rita"}
	approver  = approvals.Principal{Platform: "slack", ID: "UAPP1", Name: "anna"}
)

// newRequest is a pending request of requester for target, raised at.
func newRequest(id, target string, at time.Time) (*approvals.Request, approvals.Event) {
	r := &approvals.Request{
		ID: id, Tenant: "contoso", Requester: requester, State: approvals.StatePending,
		Target:    approvals.Target{ID: "id-" + target, UPN: target + "@contoso.com", AccountEnabled: true},
		CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(30 * time.Minute), LifetimeMinutes: 60, ApprovalsRequired: 1,
	}
	return r, approvals.Event{Time: at, Type: approvals.EventRaised, Actor: requester.Key(), RequestID: id, TargetUPN: r.Target.UPN}
}

// approveOne is the compare-and-set of an approval.
func approveOne(r *approvals.Request) (approvals.Change, error) {
	if r.State != approvals.StatePending {
		return approvals.Change{}, approvals.Errorf(approvals.ECONFLICT, "request %s is %s", r.ID, r.State)
	}
	r.State = approvals.StateApproved
	return approvals.Change{Events: []approvals.Event{{Time: r.CreatedAt.Add(time.Minute), Type: approvals.EventApproved, Actor: approver.Key(), RequestID: r.ID, Detail: "approval 1 of 1"}}}, nil
}

// denyOne ends a request denied.
func denyOne(r *approvals.Request) (approvals.Change, error) {
	r.State = approvals.StateDenied
	return approvals.Change{Events: []approvals.Event{{Time: r.CreatedAt.Add(time.Minute), Type: approvals.EventDenied, Actor: approver.Key(), RequestID: r.ID}}}, nil
}

// boltSource is a bbolt store whose audit log was keyed only from its
// second event on, holding requests pending, approved and denied, an event of no
// request, references (one empty) and a follower's cursor.
func boltSource(t *testing.T) *approvals.BoltStore {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tapbot.db")
	unkeyed, err := approvals.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r, ev := newRequest("TAP-0", "zoe", copyAt)
	must(t, unkeyed.Create(r, ev, copyAt, nil))
	must(t, unkeyed.Close())
	src, err := approvals.Open(path, approvals.WithAuditKey([]byte(copyKey)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	for i := 1; i <= 4; i++ {
		r, ev := newRequest(fmt.Sprintf("TAP-%d", i), fmt.Sprintf("user%d", i), copyAt.Add(time.Duration(i)*time.Minute))
		must(t, src.Create(r, ev, copyAt, nil))
	}
	for id, fn := range map[string]func(*approvals.Request) (approvals.Change, error){"TAP-1": denyOne, "TAP-3": denyOne, "TAP-4": approveOne} {
		if _, err := src.Update(id, fn); err != nil {
			t.Fatal(err)
		}
	}
	must(t, src.Record(approvals.Event{Time: copyAt.Add(time.Hour), Type: approvals.EventPolicyReloaded, Actor: approvals.BotActor}))
	must(t, src.PutRef("teams-conversation", "29:1abc", []byte(`{"conversation":{"id":"a:1"}}`)))
	must(t, src.PutRef("slack-dm", "UREQ1", nil))
	must(t, src.SetAuditCursor("slack-audit-mirror", 5))
	return src
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// contents lists everything snap holds, as stored, one entry each.
func contents(snap approvals.StoreSnapshot) ([]string, error) {
	var out []string
	from, err := snap.KeyedFrom()
	if err != nil {
		return nil, err
	}
	out = append(out, fmt.Sprintf("keyed from %d", from))
	err = snap.Requests(func(raw []byte) error { out = append(out, "request "+string(raw)); return nil })
	if err != nil {
		return nil, err
	}
	err = snap.Events(func(seq uint64, raw []byte) error {
		out = append(out, fmt.Sprintf("event %d %s", seq, raw))
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = snap.Refs(func(name string, v []byte) error { out = append(out, fmt.Sprintf("ref %s=%q", name, v)); return nil })
	return out, err
}

func boltContents(t *testing.T, s *approvals.BoltStore) []string {
	t.Helper()
	var out []string
	must(t, s.Export(func(snap approvals.StoreSnapshot) (err error) { out, err = contents(snap); return err }))
	return out
}

func pgContents(t *testing.T, s *pgstore.Store) []string {
	t.Helper()
	var out []string
	must(t, s.Export(context.Background(), func(snap approvals.StoreSnapshot) (err error) { out, err = contents(snap); return err }))
	return out
}

func openPG(t *testing.T, url string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), url, approvals.WithAuditKey([]byte(copyKey)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestImportCopiesABoltStoreByteForByteAndItsChainGoesOn(t *testing.T) {
	src := boltSource(t)
	dst := openPG(t, pgtest.URL(t))
	must(t, src.Export(func(snap approvals.StoreSnapshot) error { return dst.Import(context.Background(), snap) }))

	want, got := boltContents(t, src), pgContents(t, dst)
	if !slices.Equal(got, want) {
		t.Fatalf("the copy differs from its source:\n got %q\nwant %q", got, want)
	}
	srcRep, err := src.VerifyAuditLog(approvals.VerifyOptions{})
	must(t, err)
	rep, err := dst.VerifyAuditLog(approvals.VerifyOptions{})
	if err != nil {
		t.Fatalf("the copied log does not verify: %v", err)
	}
	if rep.Head != srcRep.Head || rep.KeyedFrom != 2 || !rep.MACsProven || rep.Events != srcRep.Events {
		t.Errorf("copy's report %+v, want the source's head, events and keying %+v, with the MACs proven", rep, srcRep)
	}
	open, err := dst.ListOpen(nil)
	must(t, err)
	var ids []string
	for _, r := range open {
		ids = append(ids, r.ID)
	}
	if want := []string{"TAP-0", "TAP-2", "TAP-4"}; !slices.Equal(ids, want) {
		t.Errorf("open requests at the destination %v, want %v: its indexes were not built from the rows", ids, want)
	}
	if _, err := dst.Update("TAP-2", approveOne); err != nil {
		t.Fatalf("approving a copied request: %v", err)
	}
	if rep, err := dst.VerifyAuditLog(approvals.VerifyOptions{}); err != nil || rep.Events != srcRep.Events+1 {
		t.Errorf("after one more transition the log has %d events (%v), want %d that verify", rep.Events, err, srcRep.Events+1)
	}
}

func TestImportRefusesADatabaseThatHoldsAnything(t *testing.T) {
	for _, tc := range []struct {
		name string
		fill func(s *pgstore.Store) error
	}{
		{"a request", func(s *pgstore.Store) error {
			r, ev := newRequest("TAP-9", "other", copyAt)
			return s.Create(r, ev, copyAt, nil)
		}},
		{"an event of no request", func(s *pgstore.Store) error {
			return s.Record(approvals.Event{Time: copyAt, Type: approvals.EventPolicyReloaded, Actor: approvals.BotActor})
		}},
		{"a reference only", func(s *pgstore.Store) error { return s.PutRef("slack-dm", "UREQ1", []byte("D1")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := boltSource(t)
			dst := openPG(t, pgtest.URL(t))
			must(t, tc.fill(dst))
			before := pgContents(t, dst)
			err := src.Export(func(snap approvals.StoreSnapshot) error { return dst.Import(context.Background(), snap) })
			if approvals.ErrorCode(err) != approvals.ECONFLICT {
				t.Fatalf("import into a database holding %s: %v, want ECONFLICT", tc.name, err)
			}
			if after := pgContents(t, dst); !slices.Equal(after, before) {
				t.Errorf("the refused import changed the database:\n got %q\nwant %q", after, before)
			}
		})
	}
}
