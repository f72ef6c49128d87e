package bench

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/approvals/pgstore"
)

// databases numbers the databases this process made on the server.
var databases atomic.Uint64

// database is a PostgreSQL database the bench made for one part, so that
// each part starts as empty as a fresh bbolt file does.
type database struct {
	server string // the URL the bench was given (Config.DatabaseURL)
	name   string
	url    string // of the database itself
}

// createDatabase makes a new, empty database on the server at serverURL,
// whose role may CREATE DATABASE.
func createDatabase(ctx context.Context, serverURL string) (*database, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("the PostgreSQL server's URL is not a postgres:// URL (%s)", pgstore.Describe(serverURL))
	}
	d := &database{server: serverURL, name: fmt.Sprintf("tapbot_bench_%d_%d", os.Getpid(), databases.Add(1))}
	if err := d.exec(ctx, "CREATE DATABASE "+pgx.Identifier{d.name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create a database for the bench on %s: %w", pgstore.Describe(serverURL), err)
	}
	u.Path = "/" + d.name
	d.url = u.String()
	return d, nil
}

// drop removes the database, ending any session still in it.
func (d *database) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop the bench's database %s: %w", d.name, err)
	}
	return nil
}

// exec runs one statement on the server's own database.
func (d *database) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, d.server)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// storeName says which store the tapbot under test keeps its state in.
func (c Config) storeName() string {
	if c.DatabaseURL == "" {
		return "a bbolt file"
	}
	s := "PostgreSQL " + pgstore.Describe(c.DatabaseURL) + " (a new database for each part)"
	if c.Replicas > 1 {
		s += fmt.Sprintf(", %d tapbot replicas sharing it (each flow's /tap to one, its Approve to the next)", c.Replicas)
	}
	return s
}
