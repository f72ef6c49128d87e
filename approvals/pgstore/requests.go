package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/approvals"
)

// Create is approvals.Store.Create. admit runs after the advisory locks of
// the new request's target and requester are taken (admission.go).
func (s *Store) Create(r *approvals.Request, ev approvals.Event, since time.Time, admit func(others *approvals.Others) error) error {
	var committed approvals.Event
	err := s.write(func(ctx context.Context, tx pgx.Tx) error {
		if err := absent(ctx, tx, r.ID); err != nil {
			return err
		}
		if admit != nil {
			others, err := admission(ctx, tx, r, since)
			if err != nil {
				return err
			}
			err = admit(others)
			if oerr := others.Err(); oerr != nil {
				return oerr
			}
			if err != nil {
				return err
			}
		}
		if err := insertRequest(ctx, tx, r); err != nil {
			return err
		}
		events := []approvals.Event{ev} // a fresh copy for each run
		if err := s.appendEvents(ctx, tx, r, events); err != nil {
			return err
		}
		committed = events[0]
		return nil
	})
	if err == nil {
		s.Committed(r, committed)
	}
	return err
}

// Get is approvals.Store.Get.
func (s *Store) Get(id string) (*approvals.Request, error) {
	return read(func(ctx context.Context) (*approvals.Request, error) {
		var data []byte
		err := s.pool.QueryRow(ctx, "SELECT data FROM tapbot_requests WHERE id = $1", id).Scan(&data)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, notFound(id)
		}
		if err != nil {
			return nil, fmt.Errorf("read request %s: %w", id, err)
		}
		return decodeRequest(id, data)
	})
}

// Update is approvals.Store.Update. fn runs again when PostgreSQL aborted
// the transaction for a deadlock.
func (s *Store) Update(id string, fn func(r *approvals.Request) (approvals.Change, error)) (*approvals.Request, error) {
	return s.update(id, nil, func(r *approvals.Request, _ *approvals.Others) (approvals.Change, error) { return fn(r) })
}

// UpdateAdmitted is approvals.Store.UpdateAdmitted: after the request's
// row, it takes the advisory locks of its target and requester.
func (s *Store) UpdateAdmitted(id string, since time.Time, fn func(r *approvals.Request, others *approvals.Others) (approvals.Change, error)) (*approvals.Request, error) {
	return s.update(id, &since, fn)
}

// update is Update and UpdateAdmitted; since is nil when fn needs no
// other requests.
func (s *Store) update(id string, since *time.Time, fn func(r *approvals.Request, others *approvals.Others) (approvals.Change, error)) (*approvals.Request, error) {
	var r *approvals.Request
	var change approvals.Change
	err := s.write(func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if r, err = lockRequest(ctx, tx, id); err != nil {
			return err
		}
		var others *approvals.Others
		if since != nil {
			if others, err = admission(ctx, tx, r, *since); err != nil {
				return err
			}
		}
		change, err = fn(r, others)
		if others != nil && others.Err() != nil {
			return others.Err()
		}
		if err != nil {
			return err
		}
		if err := updateRequest(ctx, tx, r); err != nil {
			return err
		}
		return s.appendEvents(ctx, tx, r, change.Events)
	})
	if err != nil {
		return nil, err
	}
	s.Committed(r, change.Events...)
	return r, change.Err
}

// List is approvals.Store.List.
func (s *Store) List(keep func(*approvals.Request) bool) ([]*approvals.Request, error) {
	return s.list("true", keep)
}

// ListOpen is approvals.Store.ListOpen; it reads the open index.
func (s *Store) ListOpen(keep func(*approvals.Request) bool) ([]*approvals.Request, error) {
	return s.list("open", keep)
}

// ListRecent is approvals.Store.ListRecent.
func (s *Store) ListRecent(since time.Time, keep func(*approvals.Request) bool) ([]*approvals.Request, error) {
	return s.list("open OR created_ns >= $1", keep, nanos(since))
}

// list returns the requests that where selects and keep accepts (nil: all),
// oldest first.
func (s *Store) list(where string, keep func(*approvals.Request) bool, args ...any) ([]*approvals.Request, error) {
	return read(func(ctx context.Context) ([]*approvals.Request, error) {
		rows, err := s.pool.Query(ctx, "SELECT id, data FROM tapbot_requests WHERE "+where+" ORDER BY created_ns, id", args...)
		if err != nil {
			return nil, fmt.Errorf("list requests: %w", err)
		}
		return filterRequests(rows, keep)
	})
}

// filterRequests decodes rows of (id, data) and keeps those keep accepts
// (nil: all).
func filterRequests(rows pgx.Rows, keep func(*approvals.Request) bool) ([]*approvals.Request, error) {
	defer rows.Close()
	var out []*approvals.Request
	for rows.Next() {
		var id string
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return nil, err
		}
		r, err := decodeRequest(id, data)
		if err != nil {
			return nil, err
		}
		if keep == nil || keep(r) {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}

// Record is approvals.Store.Record.
func (s *Store) Record(ev approvals.Event) error {
	var committed approvals.Event
	err := s.write(func(ctx context.Context, tx pgx.Tx) error {
		events := []approvals.Event{ev}
		if err := s.appendEvents(ctx, tx, nil, events); err != nil {
			return err
		}
		committed = events[0]
		return nil
	})
	if err == nil {
		s.Committed(nil, committed)
	}
	return err
}

// absent returns ECONFLICT when a request with id exists.
func absent(ctx context.Context, tx pgx.Tx, id string) error {
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM tapbot_requests WHERE id = $1)", id).Scan(&exists); err != nil {
		return fmt.Errorf("read request %s: %w", id, err)
	}
	if exists {
		return taken(id)
	}
	return nil
}

// lockRequest reads request id and locks its row until the transaction
// ends. If another transaction changed the row meanwhile, it waits for it
// and reads what it committed.
func lockRequest(ctx context.Context, tx pgx.Tx, id string) (*approvals.Request, error) {
	var data []byte
	err := tx.QueryRow(ctx, "SELECT data FROM tapbot_requests WHERE id = $1 FOR UPDATE", id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("lock request %s: %w", id, err)
	}
	return decodeRequest(id, data)
}

// columns are r's row: the JSON and the copies the indexes need.
func columns(r *approvals.Request) ([]any, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode request %s: %w", r.ID, err)
	}
	return columnsOf(r, data), nil
}

// requestColumns name the values of columnsOf, in order.
var requestColumns = []string{
	"id", "state", "open", "tenant", "target_id", "target_upn",
	"requester_platform", "requester_id", "requester_entra", "created_ns", "expires_ns", "data",
}

// columnsOf is the row of r whose JSON is data.
func columnsOf(r *approvals.Request, data []byte) []any {
	return []any{
		r.ID, string(r.State), !r.State.Final(), r.Tenant, r.Target.ID, r.Target.UPN,
		r.Requester.Platform, r.Requester.ID, approvals.FoldID(r.Requester.EntraID),
		nanos(r.CreatedAt), nanos(r.ExpiresAt), data,
	}
}

// insertRequest adds r; ECONFLICT when a concurrent Create took its id.
func insertRequest(ctx context.Context, tx pgx.Tx, r *approvals.Request) error {
	cols, err := columns(r)
	if err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO tapbot_requests
		(id, state, open, tenant, target_id, target_upn, requester_platform, requester_id, requester_entra, created_ns, expires_ns, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`, cols...)
	switch {
	case err != nil:
		return fmt.Errorf("store request %s: %w", r.ID, err)
	case tag.RowsAffected() == 0:
		return taken(r.ID)
	}
	return nil
}

// updateRequest saves r over its row, which the transaction has locked.
func updateRequest(ctx context.Context, tx pgx.Tx, r *approvals.Request) error {
	cols, err := columns(r)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE tapbot_requests SET
		state = $2, open = $3, tenant = $4, target_id = $5, target_upn = $6, requester_platform = $7,
		requester_id = $8, requester_entra = $9, created_ns = $10, expires_ns = $11, data = $12
		WHERE id = $1`, cols...)
	if err != nil {
		return fmt.Errorf("store request %s: %w", r.ID, err)
	}
	return nil
}

func decodeRequest(id string, data []byte) (*approvals.Request, error) {
	r := new(approvals.Request)
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("decode request %s: %w", id, err)
	}
	return r, nil
}

func notFound(id string) error {
	return approvals.Errorf(approvals.ENOTFOUND, "There is no request %s.", id)
}

func taken(id string) error {
	return approvals.Errorf(approvals.ECONFLICT, "request %s exists already", id)
}

// The ends of the time columns.
var minNanos, maxNanos = time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)

// nanos is t in Unix nanoseconds, as the time columns hold it. Times that
// int64 nanoseconds do not reach (the zero Time among them) are held at
// its ends, so they still sort before or after every real time.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minNanos):
		return math.MinInt64
	case t.After(maxNanos):
		return math.MaxInt64
	}
	return t.UnixNano()
}
