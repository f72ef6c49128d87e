package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/approvals/pgstore"
	"github.com/tapbot/tapbot/internal/pgtest"
)

var auditKey = []byte("pgstore test audit key, 32 characters or more")

// script makes the same requests and decisions in any store, at fixed
// times, and returns its audit log.
func script(t *testing.T, st approvals.Store) []approvals.Event {
	t.Helper()
	at := time.Date(2026, 11, 22, 10, 0, 0, 123456789, time.UTC)
	for i, id := range []string{"TAP-SAME01", "TAP-SAME02"} {
		r := &approvals.Request{ID: id, Tenant: "contoso", State: approvals.StatePending, CreatedAt: at.Add(time.Duration(i) * time.Minute),
			Requester: approvals.Principal{Platform: "slack", ID: "UREQ1", Name: "rita"}, Target: approvals.Target{ID: "alice", UPN: "alice@contoso.com"},
			Reason: "invalid UTF-8 \xff and <!channel>", LifetimeMinutes: 60}
		if err := st.Create(r, approvals.Event{Time: r.CreatedAt, Type: approvals.EventRaised, Actor: "slack:UREQ1", RequestID: id, Detail: r.Reason}, at, nil); err != nil {
			t.Fatal(err)
		}
	}
	_, err := st.Update("TAP-SAME01", func(r *approvals.Request) (approvals.Change, error) {
		r.State = approvals.StateApproved
		return approvals.Change{Events: []approvals.Event{{Time: at.Add(time.Hour), Type: approvals.EventApproved, Actor: "slack:UAPP1", RequestID: r.ID, Detail: "approval 1 of 1"}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Record(approvals.Event{Time: at.Add(2 * time.Hour), Type: approvals.EventRevoked, Actor: "slack:UAPP1", TargetUPN: "alice@contoso.com"}); err != nil {
		t.Fatal(err)
	}
	events, err := st.AuditAfter(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func TestTheAuditChainIsTheSameInBboltAndPostgres(t *testing.T) {
	bolt, err := approvals.Open(filepath.Join(t.TempDir(), "tapbot.db"), approvals.WithAuditKey(auditKey))
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	pg, err := pgstore.Open(context.Background(), pgtest.URL(t), approvals.WithAuditKey(auditKey))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	fromBolt, fromPG := script(t, bolt), script(t, pg)
	a, _ := json.Marshal(fromBolt)
	b, _ := json.Marshal(fromPG)
	if string(a) != string(b) {
		t.Fatalf("the chains differ:\nbbolt    %s\npostgres %s", a, b)
	}
	head, _ := pg.AuditHead()
	if _, err := pg.VerifyAuditLog(approvals.VerifyOptions{Head: &head}); err != nil {
		t.Fatal(err)
	}
}

func TestTamperingInTheDatabaseShowsInVerify(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper string
		check  func(err error) bool
	}{
		{"edited event", `UPDATE tapbot_audit SET data = convert_to(replace(convert_from(data, 'UTF8'), '"slack:UAPP1"', '"slack:UEVIL"'), 'UTF8') WHERE seq = 3`,
			chainBreakAt(3)},
		{"deleted event", "DELETE FROM tapbot_audit WHERE seq = 2", chainBreakAt(3)},
		{"renumbered event", "UPDATE tapbot_audit SET seq = 40 WHERE seq = 4", chainBreakAt(40)},
		{"request edited to delivered", `UPDATE tapbot_requests SET data = convert_to(replace(convert_from(data, 'UTF8'), '"state":"approved"', '"state":"delivered"'), 'UTF8') WHERE id = 'TAP-SAME01'`,
			mismatchOf("TAP-SAME01")},
		{"request deleted", "DELETE FROM tapbot_requests WHERE id = 'TAP-SAME02'", mismatchOf("TAP-SAME02")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := pgtest.URL(t)
			s, err := pgstore.Open(context.Background(), url, approvals.WithAuditKey(auditKey))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			script(t, s)
			if _, err := s.VerifyAuditLog(approvals.VerifyOptions{}); err != nil {
				t.Fatalf("untouched: %v", err)
			}
			query(t, url, tc.tamper)
			if _, err := s.VerifyAuditLog(approvals.VerifyOptions{}); !tc.check(err) {
				t.Fatalf("verify after tampering: %v", err)
			}
		})
	}
}

func chainBreakAt(seq uint64) func(error) bool {
	return func(err error) bool {
		var ce *approvals.ChainError
		return errors.As(err, &ce) && ce.Seq == seq
	}
}

func mismatchOf(id string) func(error) bool {
	return func(err error) bool {
		var me *approvals.RequestMismatchError
		return errors.As(err, &me) && me.RequestID == id
	}
}
