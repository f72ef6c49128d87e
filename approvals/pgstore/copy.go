package pgstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/approvals"
)

// copyBatch is how many rows Import sends in one COPY: a large database
// streams through in bounded memory.
const copyBatch = 1000

// Export runs fn with everything the database holds, as stored, in one
// REPEATABLE READ, read-only transaction (approvals.StoreSnapshot):
// requests in id order, audit events in sequence order, references by
// name, all in byte order as the bbolt store keeps them. It returns fn's
// error.
func (s *Store) Export(ctx context.Context, fn func(snap approvals.StoreSnapshot) error) error {
	return s.snapshot(ctx, func(snap *snapshot) error { return fn(snap) })
}

// Refs is approvals.StoreSnapshot.Refs.
func (s *snapshot) Refs(fn func(name string, value []byte) error) error {
	rows, err := s.tx.Query(s.ctx, "SELECT name, value FROM tapbot_refs ORDER BY name")
	if err != nil {
		return fmt.Errorf("read the references: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var value []byte
		if err := rows.Scan(&name, &value); err != nil {
			return err
		}
		if err := fn(name, value); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Import copies snap into the database in one transaction, for tapbot
// migrate: every request with the columns its indexes need read from its
// JSON, every audit event under its sequence number, every reference, and
// where keyed chaining began. The JSON is kept byte for byte, so events
// keep their hashes and MACs: nothing is chained again, and the log
// verifies here exactly as it did in snap.
//
// The database must hold nothing yet. Import locks the tables against
// every other writer until it commits (a tapbot started on the database
// meanwhile waits) and returns ECONFLICT, changing nothing, when any
// request, audit event or reference is there already. Any other failure
// rolls the whole copy back.
func (s *Store) Import(ctx context.Context, snap approvals.StoreSnapshot) error {
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if err := s.lockEmpty(ctx, tx); err != nil {
			return err
		}
		if err := copyRequests(ctx, tx, snap); err != nil {
			return err
		}
		if err := copyEvents(ctx, tx, snap); err != nil {
			return err
		}
		if err := copyRefs(ctx, tx, snap); err != nil {
			return err
		}
		return copyKeyedFrom(ctx, tx, snap)
	})
	if err != nil {
		return err
	}
	s.commits.Add(1)
	return nil
}

// lockEmpty locks every table tapbot writes until the transaction ends,
// the chain's row among them, and refuses a database that holds anything.
func (s *Store) lockEmpty(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, "LOCK TABLE tapbot_requests, tapbot_audit, tapbot_refs, tapbot_audit_chain IN EXCLUSIVE MODE"); err != nil {
		return fmt.Errorf("lock the tables: %w", err)
	}
	var requests, events, refs int64
	err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM tapbot_requests), (SELECT count(*) FROM tapbot_audit),
		(SELECT count(*) FROM tapbot_refs)`).Scan(&requests, &events, &refs)
	if err != nil {
		return fmt.Errorf("count what the database holds: %w", err)
	}
	if requests+events+refs > 0 {
		return approvals.Errorf(approvals.ECONFLICT, "the database %s is not empty: it holds %d request(s), %d audit event(s) and %d reference(s); a copy goes only into an empty database, so point it at a new one (CREATE DATABASE) and leave this one as it is", s.where, requests, events, refs)
	}
	return nil
}

// copyRequests copies every request's JSON as it is, with the columns
// read from it.
func copyRequests(ctx context.Context, tx pgx.Tx, snap approvals.StoreSnapshot) error {
	b := newCopier(ctx, tx, "tapbot_requests", requestColumns)
	err := snap.Requests(func(raw []byte) error {
		r := new(approvals.Request)
		if err := json.Unmarshal(raw, r); err != nil {
			return fmt.Errorf("decode request: %w", err)
		}
		return b.add(columnsOf(r, bytes.Clone(raw)))
	})
	if err != nil {
		return err
	}
	return b.flush()
}

// copyEvents copies every audit event's JSON as it is, under the
// sequence number snap orders it by.
func copyEvents(ctx context.Context, tx pgx.Tx, snap approvals.StoreSnapshot) error {
	b := newCopier(ctx, tx, "tapbot_audit", []string{"seq", "at_ns", "type", "request_id", "data"})
	err := snap.Events(func(seq uint64, raw []byte) error {
		var ev approvals.Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return fmt.Errorf("decode audit event %d: %w", seq, err)
		}
		return b.add([]any{int64(seq), nanos(ev.Time), ev.Type, ev.RequestID, bytes.Clone(raw)})
	})
	if err != nil {
		return err
	}
	return b.flush()
}

// copyRefs copies every reference and follower's cursor.
func copyRefs(ctx context.Context, tx pgx.Tx, snap approvals.StoreSnapshot) error {
	b := newCopier(ctx, tx, "tapbot_refs", []string{"name", "value"})
	err := snap.Refs(func(name string, value []byte) error {
		v := bytes.Clone(value)
		if v == nil {
			v = []byte{} // stored empty, as putRef stores it
		}
		return b.add([]any{name, v})
	})
	if err != nil {
		return err
	}
	return b.flush()
}

// copyKeyedFrom records where snap's keyed chaining began.
func copyKeyedFrom(ctx context.Context, tx pgx.Tx, snap approvals.StoreSnapshot) error {
	from, err := snap.KeyedFrom()
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE tapbot_audit_chain SET keyed_from = $1", int64(from)); err != nil {
		return fmt.Errorf("record where keyed chaining began: %w", err)
	}
	return nil
}

// copier sends rows to one table with COPY, copyBatch at a time.
type copier struct {
	ctx   context.Context
	tx    pgx.Tx
	table string
	cols  []string
	rows  [][]any
}

func newCopier(ctx context.Context, tx pgx.Tx, table string, cols []string) *copier {
	return &copier{ctx: ctx, tx: tx, table: table, cols: cols}
}

func (c *copier) add(row []any) error {
	c.rows = append(c.rows, row)
	if len(c.rows) < copyBatch {
		return nil
	}
	return c.flush()
}

func (c *copier) flush() error {
	if len(c.rows) == 0 {
		return nil
	}
	if _, err := c.tx.CopyFrom(c.ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
		return fmt.Errorf("copy into %s: %w", c.table, err)
	}
	c.rows = c.rows[:0]
	return nil
}
