package main

import (
	"context"
	"fmt"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/approvals/pgstore"
)

// storeOpenTimeout bounds connecting to PostgreSQL and migrating it at
// start.
const storeOpenTimeout = time.Minute

// isDBSetting picks TAPBOT_DB out of the settings table.
func isDBSetting(s setting) bool { return s.env == "TAPBOT_DB" }

// storeProblems checks the choice of store: TAPBOT_DATABASE_URL, or the
// bbolt file TAPBOT_DB, not both (dbSet: TAPBOT_DB was given rather than
// defaulted).
func (c *Config) storeProblems(dbSet bool) []string {
	switch {
	case c.DatabaseURL == "":
		return nil
	case dbSet:
		return []string{"TAPBOT_DB and TAPBOT_DATABASE_URL are both set; keep one: TAPBOT_DB for a bbolt file (one tapbot process), TAPBOT_DATABASE_URL for PostgreSQL (replicas share it)"}
	}
	if err := pgstore.CheckURL(c.DatabaseURL); err != nil {
		return []string{"TAPBOT_DATABASE_URL: " + approvals.ErrorMessage(err) + "; write it as postgres://user@host/database?sslmode=verify-full"}
	}
	return nil
}

// storeName names the store in logs and messages: the bbolt file, or the
// PostgreSQL database without its password.
func (c Config) storeName() string {
	if c.DatabaseURL == "" {
		return c.DBPath
	}
	return "PostgreSQL " + pgstore.Describe(c.DatabaseURL)
}

// openStore opens the store (openStore) and the leases of this replica
// among those sharing it: on PostgreSQL a liveness lease renewed until
// close, on the bbolt file the one process's.
func (a *App) openStore() error {
	st, err := openStore(a.cfg)
	if err != nil {
		return err
	}
	a.store, a.leaser = st, approvals.NewSoleLeaser()
	pg, ok := st.(*pgstore.Store)
	if !ok {
		return nil
	}
	leases, err := pg.StartLeases(a.cfg.LeaseTTL, a.log.With("component", "leases"))
	if err != nil {
		st.Close()
		return fmt.Errorf("TAPBOT_DATABASE_URL: %w", err)
	}
	a.leaser, a.leases = leases, leases
	return nil
}

// closeStore ends this replica's leases, so that the others take over at
// once what it leaves, and closes the store.
func (a *App) closeStore() error {
	if a.leases != nil {
		if err := a.leases.Close(); err != nil {
			a.log.Warn("leases not ended; the other replicas take over when they run out", "err", err)
		}
	}
	return a.store.Close()
}

// openStore opens PostgreSQL when TAPBOT_DATABASE_URL is set, else the
// bbolt file TAPBOT_DB, with the audit key.
func openStore(c Config) (approvals.Store, error) {
	key := approvals.WithAuditKey([]byte(c.AuditKey))
	if c.DatabaseURL != "" {
		ctx, cancel := context.WithTimeout(context.Background(), storeOpenTimeout)
		defer cancel()
		s, err := pgstore.Open(ctx, c.DatabaseURL, key)
		if err != nil {
			return nil, fmt.Errorf("TAPBOT_DATABASE_URL: %w", err)
		}
		return s, nil
	}
	s, err := approvals.Open(c.DBPath, key)
	if err != nil {
		return nil, err
	}
	return s, nil
}
