package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/approvals/pgstore"
	"github.com/tapbot/tapbot/internal/pgtest"
)

// onPostgres is the environment of a tapbot on a PostgreSQL database of
// its own instead of the bbolt file.
func onPostgres(t *testing.T) map[string]string {
	return map[string]string{"TAPBOT_DB": "", "TAPBOT_DATABASE_URL": pgtest.URL(t)}
}

// storedBytes is everything e's tapbot stored: the bbolt file, or every
// value of every tapbot table in PostgreSQL.
func storedBytes(e *env) ([]byte, error) {
	url := e.vars["TAPBOT_DATABASE_URL"]
	if url == "" {
		return os.ReadFile(e.dbPath)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	// encode(…, 'escape') keeps printable ASCII, which every pass is, as it is.
	var all string
	err = conn.QueryRow(ctx, `SELECT concat_ws(E'\n',
		(SELECT string_agg(concat_ws(' ', id, state, tenant, target_id, target_upn, requester_platform, requester_id, requester_entra, encode(data, 'escape')), E'\n') FROM tapbot_requests),
		(SELECT string_agg(concat_ws(' ', seq, type, request_id, encode(data, 'escape')), E'\n') FROM tapbot_audit),
		(SELECT string_agg(concat_ws(' ', name, encode(value, 'escape')), E'\n') FROM tapbot_refs))`).Scan(&all)
	return []byte(all), err
}

func TestDoctorChecksThePostgresDatabaseWithoutChangingIt(t *testing.T) {
	for _, tc := range []struct {
		name     string
		setup    func(t *testing.T, e *env) map[string]string
		wantCode int
		want     []string
	}{
		{"the database of a running bot passes, shared by replicas", nil, 0,
			[]string{"✓ database postgres@127.0.0.1:", fmt.Sprintf("reachable PostgreSQL tapbot database (schema %d); replicas may share it", pgstore.SchemaVersion), "✓ stranded requests: none"}},
		{"an empty database passes: serve creates the tables", func(t *testing.T, e *env) map[string]string {
			return map[string]string{"TAPBOT_DATABASE_URL": pgtest.URL(t)}
		}, 0, []string{fmt.Sprintf("reachable; its schema is 0, and tapbot serve brings it to %d at start", pgstore.SchemaVersion)}},
		{"another audit key fails", func(t *testing.T, e *env) map[string]string {
			e.command(requester, "alice@contoso.com 1h") // one keyed event
			e.card()
			return map[string]string{"TAPBOT_AUDIT_KEY_FILE": "", "TAPBOT_AUDIT_KEY": "another-audit-key-0123456789abcdefgh"}
		}, 1, []string{"✗ database postgres@127.0.0.1:", "TAPBOT_AUDIT_KEY is not the key this database's audit log was written with"}},
		{"a server nobody answers at fails with where to look", func(t *testing.T, e *env) map[string]string {
			return map[string]string{"TAPBOT_DATABASE_URL": "postgres://tapbot:pw-of-db@127.0.0.1:1/tapbot?sslmode=disable&connect_timeout=5"}
		}, 1, []string{"✗ database tapbot@127.0.0.1:1/tapbot: cannot connect", "fix: check TAPBOT_DATABASE_URL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEnv(t, onPostgres(t))
			var overrides map[string]string
			if tc.setup != nil {
				overrides = tc.setup(t, e)
			}
			code, out := runDoctor(t, e, overrides)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d:\n%s", code, tc.wantCode, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "pw-of-db") {
				t.Errorf("doctor printed the database password:\n%s", out)
			}
			if u := overrides["TAPBOT_DATABASE_URL"]; tc.wantCode == 0 && u != "" {
				if n := tableCount(t, u); n != 0 {
					t.Errorf("doctor created %d tables in the database it checked", n)
				}
			}
		})
	}
}

// tableCount is how many tapbot tables the database at url has.
func tableCount(t *testing.T, url string) int {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'tapbot_%'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAuditVerifyAndExportReadPostgresWhileTheBotRuns(t *testing.T) {
	e := startEnv(t, onPostgres(t))
	e.deliverOne()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", "verify"}, "MACs verified with TAPBOT_AUDIT_KEY"},
		{[]string{"audit", "export", "--format", "csv"}, "delivered"},
	} {
		var out, errOut bytes.Buffer
		code := run(tc.args, func(k string) string { return e.vars[k] }, &out, &errOut)
		if code != 0 || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%v: exit %d, want %q in\n%s%s", tc.args, code, tc.want, out.String(), errOut.String())
		}
		if strings.Contains(errOut.String(), "asking it at") {
			t.Errorf("%v asked the running bot instead of reading the database: %s", tc.args, errOut.String())
		}
	}
}
