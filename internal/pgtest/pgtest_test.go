package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestEachTestGetsAnEmptyDatabaseOfItsOwn(t *testing.T) {
	ctx := context.Background()
	first, second := URL(t), URL(t)
	if first == second {
		t.Fatalf("both databases are %s", first)
	}
	a, err := pgx.Connect(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	if _, err := a.Exec(ctx, "CREATE TABLE mine (x int)"); err != nil {
		t.Fatal(err)
	}
	b, err := pgx.Connect(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	var n int
	if err := b.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'mine'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("the second database sees %d tables of the first (%v)", n, err)
	}
}

func TestTheClusterListensOnLoopbackOnly(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var listen string
	if err := conn.QueryRow(ctx, "SHOW listen_addresses").Scan(&listen); err != nil {
		t.Fatal(err)
	}
	if os.Getenv(EnvURL) == "" && listen != "127.0.0.1" {
		t.Fatalf("listen_addresses = %q, want 127.0.0.1", listen)
	}
}
