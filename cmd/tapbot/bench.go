package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tapbot/tapbot/internal/bench"
)

// benchDatabaseEnv names the PostgreSQL server of --store postgres: the
// variable the PostgreSQL tests use (internal/pgtest).
const benchDatabaseEnv = "TAPBOT_TEST_DATABASE_URL"

// benchChildEnv is added to the environment of the tapbot serve that
// tapbot bench starts. It is empty in tapbot itself; the test binary, which
// runs as tapbot only when told to, sets it (bench_test.go).
var benchChildEnv []string

// benchCmd runs "tapbot bench [flags]" (internal/bench): this very binary,
// run again as tapbot serve, measured against the in-repo stand-ins of
// Slack and Graph. Figures go to stdout, progress to stderr. It returns a
// usageError for a flag it does not know and an error when a part could
// not be measured.
func benchCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := benchConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this binary to run it as tapbot serve: %w", err)
	}
	cfg.Command, cfg.Env, cfg.Log = []string{exe, "serve"}, benchChildEnv, stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return bench.Run(ctx, cfg, stdout)
}

// benchConfig reads the flags: the defaults are issue 13's parameters, or
// the smoke test's with --quick; a flag given explicitly wins either way.
// --store postgres takes its server from TAPBOT_TEST_DATABASE_URL, as the
// PostgreSQL tests do, so that no password is on the command line.
func benchConfig(args []string, getenv func(string) string, stderr io.Writer) (bench.Config, error) {
	fs := flag.NewFlagSet("tapbot bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := bench.Defaults()
	quick := fs.Bool("quick", false, "smoke test: every row with small numbers, in seconds; the figures mean little")
	graphLat := fs.Duration("graph-latency", def.GraphLatency, "latency of each Graph call while round trips and Approve→pass are timed")
	slackLat := fs.Duration("slack-latency", def.SlackLatency, "latency of each Slack call while round trips and Approve→pass are timed")
	ackLat := fs.Duration("ack-graph-latency", def.AckGraphLatency, "latency of each Graph call while the acks are timed")
	flowLat := fs.Duration("flow-latency", def.FlowLatency, "latency of each Graph and Slack call during the concurrent flows")
	conc := fs.Int("concurrency", def.Concurrency, "/tap commands sent at once for the acks; flows at once for the load")
	flows := fs.Int("flows", def.Flows, "full flows of the load, --concurrency at a time")
	samples := fs.Int("samples", def.Samples, "flows, one after another, for round trips and Approve→pass")
	timeout := fs.Duration("timeout", def.Timeout, "how long any single wait (a start, a card, a pass) may take")
	http2 := fs.Bool("graph-http2", true, "the fake Graph offers HTTP/2, as Microsoft Graph does; false: HTTP/1.1 only, as the fake was when issue 13's first figures were taken")
	only := fs.String("only", "", "comma-separated parts to run ("+strings.Join(bench.PartNames(), ", ")+"); default: all")
	replicas := fs.Int("replicas", 1, "tapbot serve processes sharing the database (--store postgres); each flow's /tap goes to one and its Approve to the next")
	store := fs.String("store", "bbolt", "where tapbot keeps its state: bbolt (a file), or postgres (a new database for each part on the server TAPBOT_TEST_DATABASE_URL names, whose role may CREATE DATABASE)")
	timelines := fs.Bool("timelines", false, "print every Graph and Slack call of each timed flow to stderr, with when it started and ended")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: tapbot bench [flags]\n\nMeasures the figures of issue 13 on this machine: this binary runs as tapbot serve against\nin-process stand-ins for Slack and Graph on 127.0.0.1. The raise-cost row comes from\n%s.\n\nFlags:\n", bench.RaiseBenchmark)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return bench.Config{}, err
		}
		return bench.Config{}, usageError{err}
	}
	if fs.NArg() > 0 {
		return bench.Config{}, usageError{fmt.Errorf("tapbot bench takes no arguments, got %q", fs.Args())}
	}
	cfg := def
	if *quick {
		cfg = bench.Quick()
	}
	set := map[string]func(){
		"graph-latency": func() { cfg.GraphLatency = *graphLat }, "slack-latency": func() { cfg.SlackLatency = *slackLat },
		"ack-graph-latency": func() { cfg.AckGraphLatency = *ackLat }, "flow-latency": func() { cfg.FlowLatency = *flowLat },
		"concurrency": func() { cfg.Concurrency = *conc }, "flows": func() { cfg.Flows = *flows },
		"samples": func() { cfg.Samples = *samples }, "timeout": func() { cfg.Timeout = *timeout },
	}
	fs.Visit(func(f *flag.Flag) {
		if apply, ok := set[f.Name]; ok {
			apply()
		}
	})
	cfg.GraphHTTP2 = *http2
	cfg.Replicas = *replicas
	switch *store {
	case "bbolt":
	case "postgres":
		if cfg.DatabaseURL = getenv(benchDatabaseEnv); cfg.DatabaseURL == "" {
			return bench.Config{}, usageError{fmt.Errorf("--store postgres needs %s: the URL of a PostgreSQL server where this role may CREATE DATABASE (the bench makes one for each part and drops it)", benchDatabaseEnv)}
		}
	default:
		return bench.Config{}, usageError{fmt.Errorf("--store: %q is neither bbolt nor postgres", *store)}
	}
	if *only != "" {
		cfg.Only = strings.Split(*only, ",")
	}
	if *timelines {
		cfg.Timelines = stderr
	}
	return cfg, nil
}
