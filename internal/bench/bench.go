// Package bench measures tapbot the way issue 13's table states its
// figures. It starts the in-repo stand-ins for Slack and Microsoft Graph
// (slacktest and graphtest: real HTTP and TLS servers on 127.0.0.1, nothing
// beyond) with the latency asked for, runs the real tapbot serve as a child
// process against them — live Graph mode, the fake's certificate trusted
// through SSL_CERT_FILE, Slack over signed HTTP requests — and prints one
// line per row of the table: the figure, then what it was measured under.
//
// Each part runs against a fresh tapbot with a fresh database. Every wait
// is for an event (a message the fake Slack records) with a generous
// bound, so a slow machine gives slow figures, not failures.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Config is what to measure and how hard.
type Config struct {
	// Command runs tapbot serve: the binary and its arguments, e.g.
	// {"/usr/local/bin/tapbot", "serve"}. Its settings come from the
	// environment the bench gives it.
	Command []string
	// Env is added to the child's environment (before the bench's own
	// settings, which win).
	Env []string

	GraphLatency    time.Duration // per Graph call while round trips and Approve→pass are timed
	SlackLatency    time.Duration // per Slack call, likewise
	AckGraphLatency time.Duration // per Graph call while the acks are timed
	FlowLatency     time.Duration // per Graph and Slack call during the concurrent flows
	Concurrency     int           // /tap commands at once for the acks; flows at once for the load
	Flows           int           // flows of the load, Concurrency at a time
	Samples         int           // flows, one after another, for round trips and Approve→pass
	Timeout         time.Duration // bound of every single wait (a start, a card, a pass)
	// GraphHTTP2 makes the fake Graph offer HTTP/2, as Microsoft Graph
	// does; without it, it speaks HTTP/1.1 only, as in tapbot's tests.
	GraphHTTP2 bool
	// DatabaseURL, when set, is a PostgreSQL server whose role may CREATE
	// DATABASE: each part runs tapbot on a new database there
	// (TAPBOT_DATABASE_URL) and drops it afterwards. Empty: a bbolt file.
	DatabaseURL string
	// Replicas is how many tapbot serve processes share the database
	// (DatabaseURL only); 0 or 1: one. The driver sends each flow's /tap to
	// one and its Approve to the next, so every flow crosses replicas.
	Replicas int

	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Timelines, when set, receives every call of each flow timed for
	// round trips and Approve→pass, with when it started and ended.
	Timelines io.Writer
	// Only names the parts to run (PartNames); empty: all of them.
	Only []string
}

// Defaults are the parameters of issue 13's table.
func Defaults() Config {
	return Config{
		GraphLatency: 100 * time.Millisecond, SlackLatency: 100 * time.Millisecond, AckGraphLatency: 3 * time.Second,
		Concurrency: 200, Flows: 200, Samples: 30, Timeout: 3 * time.Minute,
	}
}

// Quick is a smoke test of every row with small numbers: seconds, not
// minutes, and figures that mean little.
func Quick() Config {
	return Config{
		GraphLatency: 20 * time.Millisecond, SlackLatency: 20 * time.Millisecond, AckGraphLatency: 200 * time.Millisecond,
		Concurrency: 8, Flows: 8, Samples: 3, Timeout: time.Minute,
	}
}

// Row labels, in the order of the table; every line of figures
// starts with one of them and a colon.
const (
	RowAck       = "Slack ack p99 / p50"
	RowTrips     = "sequential round trips to Graph before the card"
	RowSlackCall = "Slack calls after Approve until the pass is shown"
	RowOverhead  = "Approve→pass shown, bot overhead beyond the stand-ins' latency"
	RowRaise     = "raise cost with 0 / 1 000 / 10 000 open requests and 100 000 in history"
	RowTLS       = "new TLS connections per 1 000 Graph calls in a burst"
	RowFlows     = "concurrent full flows"
	RowCPU       = "bot CPU per issued pass"
	RowRSS       = "idle RSS / peak RSS during the concurrent flows"
)

// Rows are the row labels in order.
var Rows = []string{RowAck, RowTrips, RowSlackCall, RowOverhead, RowRaise, RowTLS, RowFlows, RowCPU, RowRSS}

// phase measures some rows; labels are the rows it prints.
type phase struct {
	key    string // what --only calls it
	name   string
	labels []string
	run    func(ctx context.Context, cfg Config, r *report) error
}

var phases = []phase{
	{"acks", "acks under load", []string{RowAck}, ackPhase},
	{"trips", "round trips and Approve→pass", []string{RowTrips, RowSlackCall, RowOverhead}, tripsPhase},
	{"raise", "raise cost", []string{RowRaise}, raisePhase},
	{"flows", "concurrent flows", []string{RowTLS, RowFlows, RowCPU, RowRSS}, loadPhase},
}

// PartNames are the parts of the bench, as --only names them.
func PartNames() []string {
	names := make([]string, len(phases))
	for i, p := range phases {
		names[i] = p.key
	}
	return names
}

// Run measures every row and prints it to out, then how the figures were
// taken. A part that fails prints its rows as not measured, with the
// reason, and the others still run; the error returned names every
// failure.
func Run(ctx context.Context, cfg Config, out io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	r := &report{out: out, printed: map[string]bool{}}
	fmt.Fprintf(out, "tapbot bench on %s; the store: %s\n", machine(), cfg.storeName())
	before, measured := readLoad()
	var errs []error
	for _, p := range phases {
		if len(cfg.Only) > 0 && !slices.Contains(cfg.Only, p.key) {
			continue
		}
		fmt.Fprintf(cfg.Log, "bench: %s…\n", p.name)
		start := time.Now()
		err := p.run(ctx, cfg, r)
		fmt.Fprintf(cfg.Log, "bench: %s took %s\n", p.name, time.Since(start).Round(time.Millisecond))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.name, err))
			for _, l := range p.labels {
				if !r.printed[l] {
					r.row(l, "not measured: %v", oneLine(err))
				}
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	if after, ok := readLoad(); ok && measured {
		fmt.Fprintf(out, "Machine: %s.\n", describeLoad(before, after))
	}
	r.method(cfg)
	return errors.Join(errs...)
}

func (c Config) check() error {
	var p []string
	if len(c.Command) == 0 {
		p = append(p, "no command to run tapbot serve with")
	}
	if c.Concurrency < 1 || c.Flows < 1 || c.Samples < 1 {
		p = append(p, "--concurrency, --flows and --samples must be at least 1")
	}
	if c.GraphLatency < 0 || c.SlackLatency < 0 || c.AckGraphLatency < 0 || c.FlowLatency < 0 {
		p = append(p, "latencies cannot be negative")
	}
	if c.Timeout <= 0 {
		p = append(p, "--timeout must be positive")
	}
	if c.Replicas > 1 && c.DatabaseURL == "" {
		p = append(p, "--replicas above 1 needs --store postgres: one process holds a bbolt file")
	}
	for _, o := range c.Only {
		if !slices.Contains(PartNames(), o) {
			p = append(p, fmt.Sprintf("--only: no part is called %q; the parts are %s", o, strings.Join(PartNames(), ", ")))
		}
	}
	if len(p) > 0 {
		return errors.New(strings.Join(p, "; "))
	}
	return nil
}

func oneLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
