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
