package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/approvals"
)

// appendEvents appends events of r (nil: of no request) to the audit log
// inside tx, stamping each with r's state as approvals.AuditChain.Append
// does. The first one locks the chain's row until tx ends.
func (s *Store) appendEvents(ctx context.Context, tx pgx.Tx, r *approvals.Request, events []approvals.Event) error {
	if len(events) == 0 {
		return nil
	}
	t := &tail{ctx: ctx, tx: tx}
	for i := range events {
		if err := s.chain.Append(t, r, &events[i]); err != nil {
			return err
		}
	}
	return nil
}

// tail is the end of the audit log inside a write transaction: its first
// read locks the row of tapbot_audit_chain, which every appender locks, so
// the events after it are this transaction's until it commits.
type tail struct {
	ctx    context.Context
	tx     pgx.Tx
	locked bool
	from   uint64           // where keyed chaining began, as locked
	last   *approvals.Event // the newest event, once read or put
}

func (t *tail) lock() error {
	if t.locked {
		return nil
	}
	var from int64
	err := t.tx.QueryRow(t.ctx, "SELECT keyed_from FROM tapbot_audit_chain FOR UPDATE").Scan(&from)
	if errors.Is(err, pgx.ErrNoRows) {
		return approvals.Errorf(approvals.EINTERNAL, "the row of tapbot_audit_chain is missing, so the audit log cannot be extended: it was deleted outside tapbot; run tapbot audit verify")
	}
	if err != nil {
		return fmt.Errorf("lock the audit log: %w", err)
	}
	t.locked, t.from = true, uint64(from)
	return nil
}

func (t *tail) Last() (approvals.Event, error) {
	if err := t.lock(); err != nil {
		return approvals.Event{}, err
	}
	if t.last == nil {
		ev, err := lastEvent(t.ctx, t.tx)
		if err != nil {
			return ev, err
		}
		t.last = &ev
	}
	return *t.last, nil
}

func (t *tail) KeyedFrom() (uint64, error) {
	err := t.lock()
	return t.from, err
}

func (t *tail) SetKeyedFrom(seq uint64) error {
	if _, err := t.tx.Exec(t.ctx, "UPDATE tapbot_audit_chain SET keyed_from = $1", int64(seq)); err != nil {
		return fmt.Errorf("record where keyed chaining began: %w", err)
	}
	t.from = seq
	return nil
}

func (t *tail) Put(ev approvals.Event, raw []byte) error {
	_, err := t.tx.Exec(t.ctx, "INSERT INTO tapbot_audit (seq, at_ns, type, request_id, data) VALUES ($1, $2, $3, $4, $5)",
		int64(ev.Seq), nanos(ev.Time), ev.Type, ev.RequestID, raw)
	if err != nil {
		return fmt.Errorf("append audit event %d: %w", ev.Seq, err)
	}
	t.last = &ev
	return nil
}

// querier is a transaction or the pool.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// lastEvent is the newest audit event with its sequence number as the
// table orders it; Seq 0 when the log is empty.
func lastEvent(ctx context.Context, q querier) (approvals.Event, error) {
	var last approvals.Event
	var seq int64
	var data []byte
	err := q.QueryRow(ctx, "SELECT seq, data FROM tapbot_audit ORDER BY seq DESC LIMIT 1").Scan(&seq, &data)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return last, nil
	case err != nil:
		return last, fmt.Errorf("read the last audit event: %w", err)
	}
	if err := json.Unmarshal(data, &last); err != nil {
		return last, fmt.Errorf("decode last audit event: %w", err)
	}
	last.Seq = uint64(seq)
	return last, nil
}

// snapshot is the audit log and the requests in one REPEATABLE READ
// transaction: the end approvals.AuditChain.CheckKey proves and the
// snapshot it verifies.
type snapshot struct {
	ctx context.Context
	tx  pgx.Tx
}

func (s *snapshot) KeyedFrom() (uint64, error) {
	var from int64
	if err := s.tx.QueryRow(s.ctx, "SELECT keyed_from FROM tapbot_audit_chain").Scan(&from); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("read where keyed chaining began: %w", err)
	}
	return uint64(from), nil
}

func (s *snapshot) LastTwo() (seq uint64, last, prev []byte, err error) {
	rows, err := s.tx.Query(s.ctx, "SELECT seq, data FROM tapbot_audit ORDER BY seq DESC LIMIT 2")
	if err != nil {
		return 0, nil, nil, fmt.Errorf("read the last audit events: %w", err)
	}
	var found [][]byte
	err = eachRow(rows, func(n int64, data []byte) error {
		if found = append(found, data); len(found) == 1 {
			seq = uint64(n)
		}
		return nil
	})
	if len(found) > 0 {
		last = found[0]
	}
	if len(found) > 1 {
		prev = found[1]
	}
	return seq, last, prev, err
}

func (s *snapshot) Events(fn func(seq uint64, raw []byte) error) error {
	rows, err := s.tx.Query(s.ctx, "SELECT seq, data FROM tapbot_audit ORDER BY seq")
	if err != nil {
		return fmt.Errorf("read the audit log: %w", err)
	}
	return eachRow(rows, func(seq int64, data []byte) error { return fn(uint64(seq), data) })
}

func (s *snapshot) Requests(fn func(raw []byte) error) error {
	rows, err := s.tx.Query(s.ctx, "SELECT 0, data FROM tapbot_requests ORDER BY id")
	if err != nil {
		return fmt.Errorf("read the requests: %w", err)
	}
	return eachRow(rows, func(_ int64, data []byte) error { return fn(data) })
}

// eachRow hands fn each row of (number, bytes) until fn fails.
func eachRow(rows pgx.Rows, fn func(n int64, data []byte) error) error {
	defer rows.Close()
	for rows.Next() {
		var n int64
		var data []byte
		if err := rows.Scan(&n, &data); err != nil {
			return err
		}
		if err := fn(n, data); err != nil {
			return err
		}
	}
	return rows.Err()
}

// VerifyAuditLog is approvals.Store.VerifyAuditLog: approvals.AuditChain.Verify
// over one REPEATABLE READ transaction, so appends of other replicas
// meanwhile are not seen half.
func (s *Store) VerifyAuditLog(opts approvals.VerifyOptions) (approvals.AuditReport, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var rep approvals.AuditReport
	var verr error
	err := s.snapshot(ctx, func(snap *snapshot) error {
		rep, verr = s.chain.Verify(snap, opts)
		return nil
	})
	if err != nil {
		return rep, err
	}
	return rep, verr
}

// AuditKeyedFrom is approvals.Store.AuditKeyedFrom.
func (s *Store) AuditKeyedFrom() (uint64, error) {
	return read(func(ctx context.Context) (uint64, error) {
		var from int64
		if err := s.pool.QueryRow(ctx, "SELECT keyed_from FROM tapbot_audit_chain").Scan(&from); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("read where keyed chaining began: %w", err)
		}
		return uint64(from), nil
	})
}

// AuditHead is approvals.Store.AuditHead.
func (s *Store) AuditHead() (approvals.AuditHead, error) {
	return read(func(ctx context.Context) (approvals.AuditHead, error) {
		last, err := lastEvent(ctx, s.pool)
		return approvals.AuditHead{Seq: last.Seq, MAC: last.MAC}, err
	})
}

// Audit is approvals.Store.Audit.
func (s *Store) Audit(since time.Time) ([]approvals.Event, error) {
	return s.events("SELECT data FROM tapbot_audit WHERE at_ns >= $1 ORDER BY seq", nanos(since))
}

// AuditAfter is approvals.AuditLog.AuditAfter.
func (s *Store) AuditAfter(seq uint64, limit int) ([]approvals.Event, error) {
	return s.events("SELECT data FROM tapbot_audit WHERE seq > $1 ORDER BY seq LIMIT $2", int64(seq), limit)
}

func (s *Store) events(query string, args ...any) ([]approvals.Event, error) {
	return read(func(ctx context.Context) ([]approvals.Event, error) {
		rows, err := s.pool.Query(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("read the audit log: %w", err)
		}
		return pgx.CollectRows(rows, func(row pgx.CollectableRow) (approvals.Event, error) {
			var data []byte
			var ev approvals.Event
			if err := row.Scan(&data); err != nil {
				return ev, err
			}
			if err := json.Unmarshal(data, &ev); err != nil {
				return ev, fmt.Errorf("decode audit event: %w", err)
			}
			return ev, nil
		})
	})
}

// AuditCursor is approvals.Store.AuditCursor.
func (s *Store) AuditCursor(name string) (uint64, error) {
	v, err := s.getRef(name)
	seq, _ := strconv.ParseUint(string(v), 10, 64) // the decimal the Slack mirror has always stored
	return seq, err
}

// SetAuditCursor is approvals.Store.SetAuditCursor.
func (s *Store) SetAuditCursor(name string, seq uint64) error {
	return s.putRef(name, []byte(strconv.FormatUint(seq, 10)))
}

// AuditLag is approvals.Store.AuditLag.
func (s *Store) AuditLag(name string) (uint64, error) {
	return read(func(ctx context.Context) (uint64, error) {
		var last int64
		var cursor []byte
		err := s.pool.QueryRow(ctx, `SELECT COALESCE((SELECT max(seq) FROM tapbot_audit), 0),
			COALESCE((SELECT value FROM tapbot_refs WHERE name = $1), '')`, name).Scan(&last, &cursor)
		if err != nil {
			return 0, fmt.Errorf("read the lag of %s: %w", name, err)
		}
		c, _ := strconv.ParseUint(string(cursor), 10, 64)
		if uint64(last) > c {
			return uint64(last) - c, nil
		}
		return 0, nil
	})
}
