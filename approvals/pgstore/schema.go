package pgstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tapbot/tapbot/approvals"
)

// migrationFiles are the schema's steps, NNN_what.sql: step NNN takes the
// database from schema NNN-1 to NNN. Add a file when the schema grows;
// never edit one that shipped.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one step of the schema.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations are the steps in order, numbered 1, 2, 3… without a gap.
var migrations = mustMigrations(migrationFiles)

// SchemaVersion is the schema this build writes. Open migrates older
// databases forward and refuses newer ones.
var SchemaVersion = len(migrations)

// migrateLock is the session advisory lock under which replicas starting
// at once migrate one after the other.
var migrateLock = lockKey("tapbot", "migrate")

func mustMigrations(fsys fs.FS) []migration {
	ms, err := readMigrations(fsys)
	if err != nil {
		panic(err)
	}
	return ms
}

func readMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var ms []migration
	for i, name := range names {
		num, _, _ := strings.Cut(path.Base(name), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want number %03d", name, i+1)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: path.Base(name), sql: string(b)})
	}
	return ms, nil
}

// migrate brings the database to SchemaVersion under migrateLock, each
// step in a transaction of its own, and refuses a database of a newer
// tapbot.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLock); err != nil {
		return fmt.Errorf("wait for other tapbots' migrations: %w", err)
	}
	defer func() {
		// On failure the connection goes back to the pool still holding
		// the lock; it is released when that session ends, which a failed
		// Open does at once (it closes the pool).
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLock)
	}()
	version, err := schemaVersion(ctx, conn.Conn())
	if err != nil {
		return err
	}
	if version > SchemaVersion {
		return newerSchema(version)
	}
	for _, m := range migrations[version:] {
		if err := apply(ctx, conn.Conn(), m); err != nil {
			return fmt.Errorf("migrate to schema %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// schemaVersion reads the schema of the database; 0 for one tapbot never
// used. It reads before it creates anything, so a role without CREATE can
// open a database that is up to date.
func schemaVersion(ctx context.Context, conn *pgx.Conn) (int, error) {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('tapbot_schema') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	err := conn.QueryRow(ctx, "SELECT version FROM tapbot_schema").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	return v, nil
}

// apply runs one step and records the version it reached, in one
// transaction.
func apply(ctx context.Context, conn *pgx.Conn, m migration) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if m.version == 1 {
			if _, err := tx.Exec(ctx, "CREATE TABLE tapbot_schema (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), version integer NOT NULL)"); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO tapbot_schema (version) VALUES (0)"); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE tapbot_schema SET version = $1", m.version)
		return err
	})
}

// newerSchema is the refusal of a database a newer tapbot migrated.
func newerSchema(version int) error {
	return approvals.Errorf(approvals.EINTERNAL, "the database has schema %d but this tapbot knows only up to %d; upgrade tapbot", version, SchemaVersion)
}
