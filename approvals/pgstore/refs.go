package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// PutRef is approvals.RefStore.PutRef: a small platform value (a Teams
// conversation reference, a cache entry) under kind/key.
func (s *Store) PutRef(kind, key string, value []byte) error {
	return s.putRef(kind+"/"+key, value)
}

// GetRef is approvals.RefStore.GetRef.
func (s *Store) GetRef(kind, key string) ([]byte, error) {
	return s.getRef(kind + "/" + key)
}

// UpdateRef is approvals.RefStore.UpdateRef: the reference's row is
// locked (or, when there is none yet, the name's advisory lock taken)
// before fn reads it, so replicas changing it at once take turns.
func (s *Store) UpdateRef(kind, key string, fn func(old []byte) ([]byte, error)) error {
	name := kind + "/" + key
	return s.write(func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey("tapbot", "ref", name)); err != nil {
			return fmt.Errorf("lock reference %s: %w", name, err)
		}
		var old []byte
		err := tx.QueryRow(ctx, "SELECT value FROM tapbot_refs WHERE name = $1", name).Scan(&old)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read reference %s: %w", name, err)
		}
		value, err := fn(old)
		if err != nil {
			return err
		}
		if value == nil {
			value = []byte{}
		}
		_, err = tx.Exec(ctx, "INSERT INTO tapbot_refs (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value", name, value)
		if err != nil {
			return fmt.Errorf("store reference %s: %w", name, err)
		}
		return nil
	})
}

// putRef stores value under name, as the bbolt store's refs bucket does.
func (s *Store) putRef(name string, value []byte) error {
	if value == nil {
		value = []byte{} // stored empty, as bbolt stores it; NULL is refused
	}
	return s.write(func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO tapbot_refs (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value", name, value)
		if err != nil {
			return fmt.Errorf("store reference %s: %w", name, err)
		}
		return nil
	})
}

// getRef returns the value under name, or nil when there is none.
func (s *Store) getRef(name string) ([]byte, error) {
	return read(func(ctx context.Context) ([]byte, error) {
		var v []byte
		err := s.pool.QueryRow(ctx, "SELECT value FROM tapbot_refs WHERE name = $1", name).Scan(&v)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("read reference %s: %w", name, err)
		}
		if v == nil {
			v = []byte{}
		}
		return v, nil
	})
}
