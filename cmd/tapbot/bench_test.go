package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/internal/bench"
	"github.com/tapbot/tapbot/internal/pgtest"
)

// The tapbot serve that tapbot bench starts is this test binary, run as
// tapbot (TestMain in crash_test.go).
func init() { benchChildEnv = []string{"TAPBOT_TEST_AS_MAIN=1"} }

// TestBenchQuickPrintsEveryRow runs tapbot bench --quick end to end — a real
// tapbot serve child against the stand-ins — and checks that every row of
// issue 13's table is printed with a figure. It asserts no figure: speed
// is what the bench reports, not what a test may depend on.
func TestBenchQuickPrintsEveryRow(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"bench", "--quick"}, os.Getenv, &stdout, &stderr); code != 0 {
		t.Fatalf("tapbot bench --quick exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	lines := strings.Split(stdout.String(), "\n")
	for _, label := range bench.Rows {
		var row string
		for _, l := range lines {
			if strings.HasPrefix(l, label+": ") {
				row = l
			}
		}
		switch {
		case row == "":
			t.Errorf("no row %q in:\n%s", label, stdout.String())
		case label == bench.RowRaise:
			if !strings.Contains(row, "-bench RaiseWithOpenRequests") {
				t.Errorf("the raise-cost row does not say where its figures come from: %s", row)
			}
		case strings.Contains(row, "not measured"):
			t.Errorf("row not measured: %s", row)
		}
	}
	if !strings.Contains(stdout.String(), "How:") {
		t.Error("the output does not say how the figures were taken")
	}
}

func TestBenchRefusesUnknownFlagsAndArguments(t *testing.T) {
	for _, args := range [][]string{{"bench", "--no-such-flag"}, {"bench", "extra"}, {"bench", "--flows", "0"}, {"bench", "--quick", "--only", "acks,nosuchpart"}, {"bench", "--quick", "--replicas", "2"}} {
		var stdout, stderr bytes.Buffer
		code := run(args, os.Getenv, &stdout, &stderr)
		if code == 0 {
			t.Errorf("tapbot %v exited 0", args)
		}
		if strings.Contains(stdout.String(), bench.RowAck) {
			t.Errorf("tapbot %v measured something: %s", args, stdout.String())
		}
	}
}

func TestBenchQuickTakesExplicitFlagsOverItsDefaults(t *testing.T) {
	cfg, err := benchConfig([]string{"--quick", "--flows", "3", "--graph-latency", "7ms"}, os.Getenv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	quick := bench.Quick()
	if cfg.Flows != 3 || cfg.GraphLatency.Milliseconds() != 7 || cfg.Concurrency != quick.Concurrency || cfg.Samples != quick.Samples {
		t.Errorf("config = %+v, want --quick's with 3 flows and 7ms Graph latency", cfg)
	}
}

// TestBenchOnlyRunsTheNamedParts: --only acks prints the ack row and
// measures nothing else.
func TestBenchOnlyRunsTheNamedParts(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"bench", "--quick", "--only", "acks"}, os.Getenv, &stdout, &stderr); code != 0 {
		t.Fatalf("tapbot bench --quick --only acks exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	for _, label := range bench.Rows {
		printed := strings.Contains(stdout.String(), "\n"+label+": ")
		if printed != (label == bench.RowAck) {
			t.Errorf("row %q printed: %v, want only the ack row:\n%s", label, printed, stdout.String())
		}
	}
}

// TestBenchOnPostgresRunsTheFlowsOnADatabaseOfItsOwn: --store postgres
// --replicas 2 runs the part with two tapbots on a new database of the
// server TAPBOT_TEST_DATABASE_URL names, says so in its figures, and drops
// the database afterwards.
func TestBenchOnPostgresRunsTheFlowsOnADatabaseOfItsOwn(t *testing.T) {
	server := pgtest.URL(t) // its role may CREATE DATABASE
	getenv := func(k string) string {
		if k == benchDatabaseEnv {
			return server
		}
		return os.Getenv(k)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"bench", "--quick", "--only", "flows", "--store", "postgres", "--replicas", "2"}, getenv, &stdout, &stderr); code != 0 {
		t.Fatalf("tapbot bench --store postgres exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	var flows string
	for l := range strings.Lines(stdout.String()) {
		if strings.HasPrefix(l, bench.RowFlows+": ") {
			flows = l
		}
	}
	if !strings.Contains(flows, "passes/s, 0 lost, 0 duplicated") || !strings.Contains(flows, "store PostgreSQL postgres@127.0.0.1:") || !strings.Contains(flows, "2 tapbot replicas sharing it") {
		t.Errorf("the flows row does not show passes on PostgreSQL with two replicas: %q\n%s", flows, stdout.String())
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname LIKE 'tapbot_bench_%'").Scan(&left); err != nil || left != 0 {
		t.Errorf("%d bench databases left on the server (%v), want every one dropped", left, err)
	}
}

func TestBenchStoreFlagNeedsAKnownStoreAndPostgresItsServer(t *testing.T) {
	noServer := func(k string) string {
		if k == benchDatabaseEnv {
			return ""
		}
		return os.Getenv(k)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--store", "postgres"}, "--store postgres needs TAPBOT_TEST_DATABASE_URL"},
		{[]string{"--store", "sqlite"}, `--store: "sqlite" is neither bbolt nor postgres`},
	} {
		_, err := benchConfig(tc.args, noServer, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tapbot bench %v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
