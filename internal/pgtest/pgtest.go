// Package pgtest gives tests a real PostgreSQL: the server named by
// TAPBOT_TEST_DATABASE_URL when it is set, else a throw-away cluster it
// starts itself (initdb in a temporary directory, listening only on
// 127.0.0.1 on a free port), one per test binary. Each test gets a database
// of its own, dropped when the test ends.
//
// A package that uses it stops the cluster after its tests:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// Without PostgreSQL a test is skipped with a message saying how to get
// one, except in CI (CI=true), where that is a failure.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names a server to use instead of a throw-away cluster: a URL of a
// role that may CREATE DATABASE, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvURL = "TAPBOT_TEST_DATABASE_URL"

// howToGet is what a test without PostgreSQL says.
const howToGet = "PostgreSQL is not installed: install it (apt-get install -y postgresql) or set " + EnvURL + " to a server where this role may CREATE DATABASE"

var (
	once     sync.Once
	admin    string   // the URL of the maintenance database
	cluster  *Cluster // started here; nil when EnvURL is used
	startErr error
	dbs      atomic.Uint64
)

// Main runs the package's tests and then stops the cluster, if one was
// started. It returns m.Run's exit code.
func Main(m *testing.M) int {
	code := m.Run()
	if cluster != nil {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	return code
}

// URL returns the URL of a new, empty database for t, dropped when t ends.
// It skips t when there is no PostgreSQL (fails it when CI=true).
func URL(t testing.TB) string {
	t.Helper()
	once.Do(start)
	if startErr != nil {
		unavailable(t, startErr)
	}
	name := fmt.Sprintf("tapbot_test_%d_%d", os.Getpid(), dbs.Add(1))
	if err := execSQL(admin, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := execSQL(admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// unavailable skips t, or fails it in CI, saying why.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNotInstalled) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgtest: %s (CI=true: the PostgreSQL tests must run)", howToGet)
		}
		t.Skip("pgtest: " + howToGet)
	}
	t.Fatalf("pgtest: %v", err)
}

func start() {
	if admin = os.Getenv(EnvURL); admin != "" {
		return
	}
	cluster, startErr = StartCluster()
	if startErr == nil {
		admin = cluster.URL("postgres")
	}
}

// execSQL runs one statement on the database at dsn.
func execSQL(dsn, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}
