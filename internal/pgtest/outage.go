package pgtest

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// testDatabase is the name of a database URL made.
var testDatabase = regexp.MustCompile(`^tapbot_test_[0-9]+_[0-9]+$`)

// Disconnect makes the database at dbURL, one that URL made, refuse new
// connections and ends every session it has, as a database that went away
// does; the server itself goes on serving the other tests. The returned
// reconnect lets connections in again (it runs when t ends, if the test
// did not call it).
func Disconnect(t testing.TB, dbURL string) (reconnect func()) {
	t.Helper()
	u, err := url.Parse(dbURL)
	name := strings.TrimPrefix(u.Path, "/")
	if err != nil || !testDatabase.MatchString(name) {
		t.Fatalf("pgtest: %q is not a database pgtest.URL made", name)
	}
	ident := pgx.Identifier{name}.Sanitize()
	if err := execSQL(admin, "ALTER DATABASE "+ident+" WITH ALLOW_CONNECTIONS false"); err != nil {
		t.Fatalf("pgtest: refuse connections to %s: %v", name, err)
	}
	terminate := fmt.Sprintf("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s' AND pid <> pg_backend_pid()", name)
	if err := execSQL(admin, terminate); err != nil {
		t.Fatalf("pgtest: end the sessions of %s: %v", name, err)
	}
	done := false
	reconnect = func() {
		t.Helper()
		if done {
			return
		}
		done = true
		if err := execSQL(admin, "ALTER DATABASE "+ident+" WITH ALLOW_CONNECTIONS true"); err != nil {
			t.Errorf("pgtest: let connections into %s again: %v", name, err)
		}
	}
	t.Cleanup(reconnect)
	return reconnect
}
