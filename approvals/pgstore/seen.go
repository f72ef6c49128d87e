package pgstore

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

var _ approvals.Replays = (*Store)(nil)

// FirstSeen is approvals.Replays.FirstSeen over tapbot_seen: the key's
// SHA-256 is inserted, or its row taken over once it ran out, in one
// statement, so of two replicas seeing one key at once one is first. The
// rows that ran out are deleted at most once per keep by each process.
func (s *Store) FirstSeen(kind string, key []byte, keep time.Duration) (bool, error) {
	sum := sha256.Sum256(key)
	s.sweepSeen(keep)
	return read(func(ctx context.Context) (bool, error) {
		rows, err := s.pool.Query(ctx, `INSERT INTO tapbot_seen (kind, key, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
			ON CONFLICT (kind, key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE tapbot_seen.expires_at <= now()
			RETURNING true`, kind, sum[:], keep.Milliseconds())
		if err != nil {
			return false, fmt.Errorf("remember %s: %w", kind, err)
		}
		defer rows.Close()
		first := rows.Next()
		return first, rows.Err()
	})
}

// seenSweep is when this process last deleted the keys that ran out.
type seenSweep struct {
	mu   sync.Mutex
	last time.Time
}

// sweepSeen deletes the keys that ran out, if it did not within keep.
func (s *Store) sweepSeen(keep time.Duration) {
	s.seen.mu.Lock()
	due := time.Since(s.seen.last) > keep
	if due {
		s.seen.last = time.Now()
	}
	s.seen.mu.Unlock()
	if !due {
		return
	}
	_, _ = read(func(ctx context.Context) (struct{}, error) {
		_, err := s.pool.Exec(ctx, "DELETE FROM tapbot_seen WHERE expires_at <= now()")
		return struct{}{}, err
	})
}
