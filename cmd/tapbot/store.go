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
