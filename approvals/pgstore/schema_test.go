package pgstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/approvals/pgstore"
	"github.com/tapbot/tapbot/internal/pgtest"
)

// query runs one statement on the database at url and scans its row, if
// dst names where.
func query(t *testing.T, url, sql string, dst ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if len(dst) == 0 {
		_, err = conn.Exec(ctx, sql)
	} else {
		err = conn.QueryRow(ctx, sql).Scan(dst...)
	}
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestReplicasStartingTogetherMigrateTheSchemaOnce(t *testing.T) {
	url := pgtest.URL(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := pgstore.Open(context.Background(), url)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("a replica failed to start: %v", err)
		}
	}
	var version, chainRows int
	query(t, url, "SELECT version, (SELECT count(*) FROM tapbot_audit_chain) FROM tapbot_schema", &version, &chainRows)
	if version != pgstore.SchemaVersion || chainRows != 1 {
		t.Fatalf("schema %d with %d chain rows, want %d with 1", version, chainRows, pgstore.SchemaVersion)
	}
}

func TestADatabaseOfANewerTapbotIsRefused(t *testing.T) {
	url := pgtest.URL(t)
	s, err := pgstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	query(t, url, "UPDATE tapbot_schema SET version = 99")
	_, err = pgstore.Open(context.Background(), url)
	if err == nil || !strings.Contains(err.Error(), "the database has schema 99 but this tapbot knows only up to") || !strings.Contains(err.Error(), "upgrade tapbot") {
		t.Fatalf("open of a newer database: %v", err)
	}
}

func TestOpenSaysWhatIsWrongWithTheURLOrTheServerWithoutThePassword(t *testing.T) {
	for _, tc := range []struct {
		name, url, want string
	}{
		{"unreadable", "postgres://tapbot:s3cret-pw@db:notaport/tapbot", "the database URL cannot be read"},
		{"nobody listening", "postgres://tapbot:s3cret-pw@127.0.0.1:1/tapbot?sslmode=disable&connect_timeout=5", "tapbot@127.0.0.1:1/tapbot: cannot connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pgstore.Open(context.Background(), tc.url)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("open: %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret-pw") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

func TestRequestRowsCarryWhatTheIndexesNeed(t *testing.T) {
	url := pgtest.URL(t)
	s, err := pgstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := &approvals.Request{ID: "TAP-ROW001", Tenant: "contoso", State: approvals.StateIssued,
		Requester: approvals.Principal{Platform: "teams", ID: "29:x", EntraID: "AbC-9"}, Target: approvals.Target{ID: "alice-id", UPN: "alice@contoso.com"}}
	if err := s.Create(r, approvals.Event{Type: approvals.EventRaised, RequestID: r.ID}, r.CreatedAt, nil); err != nil {
		t.Fatal(err)
	}
	var state, entra, target string
	var open bool
	query(t, url, "SELECT state, open, requester_entra, target_id FROM tapbot_requests WHERE id = 'TAP-ROW001'", &state, &open, &entra, &target)
	if state != "issued" || !open || entra != approvals.FoldID("AbC-9") || target != "alice-id" {
		t.Fatalf("row: state %s, open %v, entra %q, target %s", state, open, entra, target)
	}
}
