package pgstore_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/approvals/pgstore"
	"github.com/tapbot/tapbot/approvals/storetest"
	"github.com/tapbot/tapbot/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestPostgresStoreKeepsTheStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		url := pgtest.URL(t)
		return storetest.Backend{Open: opener(url), Waiting: lockWaits(t, url)}
	})
}

// opener opens the store of the database at url.
func opener(url string) storetest.Opener {
	return func(opts ...approvals.OpenOption) (approvals.Store, error) {
		s, err := pgstore.Open(context.Background(), url, opts...)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

// lockWaits counts the sessions of the database at url that wait for a
// lock (a row's, or an advisory one), over a connection of its own.
func lockWaits(t *testing.T, url string) func(approvals.Store) (int, error) {
	var once sync.Once
	var conn *pgx.Conn
	var err error
	return func(approvals.Store) (int, error) {
		once.Do(func() {
			if conn, err = pgx.Connect(context.Background(), url); err == nil {
				t.Cleanup(func() { conn.Close(context.Background()) })
			}
		})
		if err != nil {
			return 0, err
		}
		var n int
		err := conn.QueryRow(context.Background(),
			"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&n)
		return n, err
	}
}
