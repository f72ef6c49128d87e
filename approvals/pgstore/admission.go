package pgstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/approvals"
)

// The admission rules read other requests (approvals.Others) and then
// write one. Two transactions that read what the other writes must not run
// side by side, or both could admit a request only one may have: so each
// takes, before reading, a transaction-scoped advisory lock on every key it
// reads under — the target, the requester's chat account, the requester's
// Entra user — and holds it until it commits. A second Create for the same
// target waits, then reads what the first committed.
//
// Locks are taken in the order of their keys, so two transactions never
// wait for each other in a circle. A transaction holds at most one request
// row (UpdateAdmitted) when it asks for them, and the holders of advisory
// locks never wait for a row, so rows and advisory locks make no circle
// either. Update takes no advisory lock: it reads nothing but its own
// row, which it locks, so an admission that read that row as it was before
// the Update simply comes before it in the serial order.

// lockKey is the advisory lock key of a name: the first 8 bytes of its
// sha256. Two names sharing a key only wait for each other needlessly.
func lockKey(parts ...string) int64 {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// admissionKeys are the advisory lock keys of what admitting r reads, in
// ascending order.
func admissionKeys(r *approvals.Request) []int64 {
	keys := []int64{
		lockKey("tapbot", "target", r.Target.ID),
		lockKey("tapbot", "requester", r.Requester.Platform, r.Requester.ID),
	}
	if r.Requester.EntraID != "" {
		keys = append(keys, lockKey("tapbot", "entra", approvals.FoldID(r.Requester.EntraID)))
	}
	slices.SortFunc(keys, cmp.Compare)
	return slices.Compact(keys)
}

// admission takes r's advisory locks and returns the view of the other
// requests admit reads.
func admission(ctx context.Context, tx pgx.Tx, r *approvals.Request, since time.Time) (*approvals.Others, error) {
	b := &pgx.Batch{}
	for _, k := range admissionKeys(r) {
		b.Queue("SELECT pg_advisory_xact_lock($1)", k)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("lock the admission of request %s: %w", r.ID, err)
	}
	return approvals.NewOthers(indexes{ctx: ctx, tx: tx}, r.ID, since), nil
}

// indexes answers approvals.Others from the indexes of tapbot_requests,
// inside the transaction that holds the admission locks. Each query is read
// whole before it is yielded: the transaction's connection runs one query
// at a time, and the answers are a target's or a person's few requests.
type indexes struct {
	ctx context.Context
	tx  pgx.Tx
}

func (x indexes) OpenForTarget(targetID string) iter.Seq2[*approvals.Request, error] {
	return x.requests("SELECT id, data FROM tapbot_requests WHERE open AND target_id = $1 ORDER BY id", targetID)
}

func (x indexes) CreatedForTarget(targetID string, since time.Time) iter.Seq2[*approvals.Request, error] {
	return x.requests("SELECT id, data FROM tapbot_requests WHERE target_id = $1 AND created_ns >= $2 ORDER BY created_ns, id", targetID, nanos(since))
}

func (x indexes) RaisedBy(p approvals.Principal, after, since time.Time) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		rows, err := x.tx.Query(x.ctx, `SELECT id FROM tapbot_requests
			WHERE ((requester_platform = $1 AND requester_id = $2) OR ($3 <> '' AND requester_entra = $3))
			AND created_ns > $4 AND (created_ns >= $5 OR open)`,
			p.Platform, p.ID, approvals.FoldID(p.EntraID), nanos(after), nanos(since))
		if err != nil {
			yield("", err)
			return
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			yield("", err)
			return
		}
		for _, id := range ids {
			if !yield(id, nil) {
				return
			}
		}
	}
}

// requests runs query for rows of (id, data) and yields their requests.
func (x indexes) requests(query string, args ...any) iter.Seq2[*approvals.Request, error] {
	return func(yield func(*approvals.Request, error) bool) {
		rows, err := x.tx.Query(x.ctx, query, args...)
		if err != nil {
			yield(nil, err)
			return
		}
		found, err := filterRequests(rows, nil)
		if err != nil {
			yield(nil, err)
			return
		}
		for _, r := range found {
			if !yield(r, nil) {
				return
			}
		}
	}
}
