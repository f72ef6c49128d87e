// Package pgstore is the approvals.Store in PostgreSQL, for two or more
// tapbot replicas sharing one database (Azure Database for PostgreSQL, or
// any PostgreSQL 13 or newer), through pgx.
//
// It keeps the promises of the bbolt store across processes:
//
//   - Every transition is one READ COMMITTED transaction that first locks
//     the request's row (SELECT … FOR UPDATE), so fn in Update sees the
//     state as the last committed transition left it and no other replica
//     can change it before this one commits: 50 simultaneous approvals make
//     one transition.
//   - Create and UpdateAdmitted take transaction-scoped advisory locks on
//     the target and on the requester (chat account and Entra user) before
//     they read the other requests, so the admission rules (one open request
//     per target, the cooldown, the rate limit) are checked and written by
//     one transaction at a time per target and per person.
//   - Every transaction that appends audit events locks the one row of
//     tapbot_audit_chain until it commits, so events get their sequence
//     numbers in one total order and are committed in it; the chain itself
//     is approvals.AuditChain's, the same as bbolt's.
//   - Deadlocks and serialisation failures (40P01, 40001) run the
//     transaction again.
//   - Appended wakes the audit followers of this process only: a follower
//     on another replica finds the events at its next look
//     (approvals.Follower.Interval). Each follower runs on one replica, the
//     holder of its lease (Leases), so none is woken twice.
//   - Leases (leases.go) tell which replicas are alive and give each
//     background loop to one of them; FirstSeen (seen.go) is the replay
//     memory they share.
//
// The schema is embedded (migrations/) and applied at Open under an
// advisory lock; a database of a newer tapbot is refused.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tapbot/tapbot/approvals"
)

// opTimeout bounds one store operation, so that a database that stopped
// answering fails a transition instead of holding it forever.
const opTimeout = 30 * time.Second

// maxAttempts is how often a transaction runs when PostgreSQL aborted it
// for a deadlock or a serialisation failure.
const maxAttempts = 10

// Store is the approvals.Store in a PostgreSQL database. It is safe for
// concurrent use, and for several processes on one database.
type Store struct {
	approvals.Signals // the observer and this process's audit followers

	pool    *pgxpool.Pool
	chain   approvals.AuditChain
	where   string // user@host:port/database, for messages
	commits atomic.Uint64
	seen    seenSweep // when this process last forgot the one-time keys that ran out (seen.go)
}

var _ approvals.Store = (*Store)(nil)

// Open connects to the database at url (postgres://user@host/db?sslmode=…,
// or key=value settings; pgx reads PG* environment variables and
// ~/.pgpass for what it leaves out), applies pending migrations, and with
// an audit key (approvals.WithAuditKey) proves the key against the end of
// the audit log. It fails with a clear message when the URL is wrong, the
// database cannot be reached, was written by a newer tapbot, or the key is
// not the log's.
func Open(ctx context.Context, url string, opts ...approvals.OpenOption) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, approvals.Errorf(approvals.EINVALID, "the database URL cannot be read: %v", err)
	}
	s := &Store{chain: approvals.NewAuditChain(approvals.OptionsOf(opts...).AuditKey), where: where(cfg)}
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("database %s: %w", s.where, err)
	}
	if err := s.open(ctx); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("database %s: %w", s.where, err)
	}
	return s, nil
}

// open checks the connection, migrates and checks the audit key.
func (s *Store) open(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("cannot connect: %w", err)
	}
	if err := migrate(ctx, s.pool); err != nil {
		return err
	}
	if !s.chain.Keyed() {
		return nil
	}
	return s.snapshot(ctx, func(snap *snapshot) error { return s.chain.CheckKey(snap) })
}

// where names the database without its password.
func where(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// Describe names the database at url as user@host:port/database, never
// with its password; "" when url cannot be read.
func Describe(url string) string {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return ""
	}
	return where(cfg)
}

// Close is approvals.Store.Close: it waits for the connections in use and
// closes them all.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Commits is approvals.Store.Commits.
func (s *Store) Commits() uint64 { return s.commits.Load() }

// Ping checks that the database answers, within ctx.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// write runs fn in one READ COMMITTED transaction and commits it. An error
// of fn (a refusal, or a failed statement) rolls the transaction back and
// is returned, but a deadlock or a serialisation failure runs fn again in a
// new transaction: fn must be safe to run more than once.
func (s *Store) write(fn func(ctx context.Context, tx pgx.Tx) error) error {
	var err error
	for range maxAttempts {
		if err = s.writeOnce(fn); !retryable(err) {
			return err
		}
	}
	return fmt.Errorf("gave up after %d attempts: %w", maxAttempts, err)
}

func (s *Store) writeOnce(fn func(ctx context.Context, tx pgx.Tx) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }() // does nothing after Commit
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	s.commits.Add(1)
	return nil
}

// retryable reports whether PostgreSQL aborted a transaction that may
// succeed when run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// read runs fn with a context bounded by opTimeout.
func read[T any](fn func(ctx context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return fn(ctx)
}

// snapshot runs fn in one REPEATABLE READ, read-only transaction: every
// statement in it sees the database as it was at its first.
func (s *Store) snapshot(ctx context.Context, fn func(snap *snapshot) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		return fn(&snapshot{ctx: ctx, tx: tx})
	})
}

// CheckURL reports whether url can be read as a database URL, without
// connecting. Its error never shows the password.
func CheckURL(url string) error {
	if _, err := pgxpool.ParseConfig(url); err != nil {
		return approvals.Errorf(approvals.EINVALID, "the database URL cannot be read: %v", err)
	}
	return nil
}

// Status is what Inspect found.
type Status struct {
	Where  string // user@host:port/database
	Schema int    // the database's schema; 0: tapbot never used it
}

// Inspect connects to the database at url and reads its schema without
// changing anything (tapbot doctor); with an audit key, on a database of
// this schema, it proves the key as Open does. It fails as Open would for
// a database of a newer tapbot.
func Inspect(ctx context.Context, url string, opts ...approvals.OpenOption) (Status, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return Status{}, approvals.Errorf(approvals.EINVALID, "the database URL cannot be read: %v", err)
	}
	st := Status{Where: where(cfg)}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return st, fmt.Errorf("cannot connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if st.Schema, err = schemaVersion(ctx, conn); err != nil {
		return st, err
	}
	switch chain := approvals.NewAuditChain(approvals.OptionsOf(opts...).AuditKey); {
	case st.Schema > SchemaVersion:
		return st, newerSchema(st.Schema)
	case st.Schema == SchemaVersion && chain.Keyed():
		return st, pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			return chain.CheckKey(&snapshot{ctx: ctx, tx: tx})
		})
	}
	return st, nil
}
