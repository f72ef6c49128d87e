package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/approvals/pgstore"
)

// migration is what tapbot migrate copies, from where to where.
type migration struct {
	from string // the bbolt file
	to   string // the PostgreSQL URL; never printed (pgstore.Describe names it)
	key  string // TAPBOT_AUDIT_KEY, as serve takes it
}

// migrateCmd runs "tapbot migrate": it copies a bbolt database into an
// empty PostgreSQL database — requests, references and followers'
// cursors, and the audit log event by event as stored — then verifies the
// chain there and compares the copy with its source. It refuses a source a
// running tapbot holds, a source whose log does not verify or is keyed
// without the key given, and a destination that holds anything.
func migrateCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	m, err := migrateFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop() // an interrupted copy is rolled back whole
	src, err := openSource(m)
	if err != nil {
		return err
	}
	defer src.Close()
	before, err := checkSource(src)
	if err != nil {
		return err
	}
	dst, err := openDestination(ctx, m)
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := src.Export(func(snap approvals.StoreSnapshot) error { return dst.Import(ctx, snap) }); err != nil {
		if approvals.ErrorCode(err) == approvals.ECONFLICT {
			return errors.New(approvals.ErrorMessage(err))
		}
		return fmt.Errorf("copy into %s: %w; nothing was copied", pgstore.Describe(m.to), err)
	}
	after, err := checkCopy(ctx, dst, before)
	if err != nil {
		return fmt.Errorf("%w; do not use that database: drop it and run tapbot migrate again", err)
	}
	printMigrated(stdout, m, after)
	return nil
}

// migrateFlags reads the flags, the destination URL and the audit key.
func migrateFlags(args []string, getenv func(string) string, stderr io.Writer) (migration, error) {
	fl := flag.NewFlagSet("tapbot migrate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	def := getenv("TAPBOT_DB")
	if def == "" {
		def = "./tapbot.db"
	}
	from := fl.String("from", def, "the bbolt database file to copy (env TAPBOT_DB); stop the tapbot that uses it first")
	to := fl.String("to", "", "the PostgreSQL database to copy into, e.g. postgres://tapbot@db.example.com/tapbot?sslmode=verify-full; it must be empty. A password here is visible to other users of this machine: prefer --to-file")
	toFile := fl.String("to-file", "", "a file holding the destination's URL, as TAPBOT_DATABASE_URL_FILE does (the default when neither --to nor --to-file is given: TAPBOT_DATABASE_URL or TAPBOT_DATABASE_URL_FILE)")
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), "Usage: tapbot migrate [--from ./tapbot.db] [--to-file FILE | --to URL]\n\n"+
			"Copies a bbolt database into an empty PostgreSQL database, so that two or more tapbots can share it:\n"+
			"every request, reference and audit event, unchanged, then verifies the audit log there and compares\n"+
			"the copy with its source. The audit key comes as for tapbot serve (TAPBOT_AUDIT_KEY or _FILE).\n\nFlags:\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return migration{}, err
		}
		return migration{}, usageError{err}
	}
	if fl.NArg() > 0 {
		return migration{}, usageError{fmt.Errorf("tapbot migrate takes no arguments, got %q", fl.Args())}
	}
	m := migration{from: *from}
	var err error
	if m.to, err = destinationURL(*to, *toFile, getenv); err != nil {
		return m, err
	}
	if m.key, err = secretFromEnv("TAPBOT_AUDIT_KEY", getenv); err != nil {
		return m, err
	}
	if problem := auditKeyProblem(m.key); problem != "" {
		return m, errors.New(problem)
	}
	return m, nil
}

// destinationURL is --to, the contents of --to-file, or else
// TAPBOT_DATABASE_URL as serve reads it. The errors never hold the URL.
func destinationURL(to, toFile string, getenv func(string) string) (string, error) {
	url := to
	switch {
	case to != "" && toFile != "":
		return "", usageError{errors.New("--to and --to-file are both given; keep one")}
	case toFile != "":
		b, err := os.ReadFile(toFile)
		if err != nil {
			return "", fmt.Errorf("--to-file: cannot read %s: %v", toFile, errors.Unwrap(err))
		}
		url = strings.TrimRight(string(b), "\r\n")
	case to == "":
		var err error
		if url, err = secretFromEnv("TAPBOT_DATABASE_URL", getenv); err != nil {
			return "", err
		}
	}
	if url == "" {
		return "", usageError{errors.New("no destination: give --to-file with a file holding postgres://user@host/database?sslmode=verify-full, or set TAPBOT_DATABASE_URL_FILE")}
	}
	if err := pgstore.CheckURL(url); err != nil {
		return "", errors.New("the destination URL: " + approvals.ErrorMessage(err))
	}
	return url, nil
}

// openSource opens the bbolt file, which must exist and which no running
// tapbot may hold: the copy is of a database nobody changes, and holding
// it keeps a tapbot from starting on it meanwhile.
func openSource(m migration) (*approvals.BoltStore, error) {
	if _, err := os.Stat(m.from); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("there is no database at %s: give --from the file tapbot serve used (its TAPBOT_DB)", m.from)
	}
	inUse, err := approvals.InUse(m.from)
	if err != nil {
		return nil, err
	}
	if inUse {
		return nil, fmt.Errorf("%s is in use by a running tapbot: stop it first, so that nothing changes while it is copied and nothing is added to it afterwards", m.from)
	}
	src, err := approvals.Open(m.from, approvals.WithAuditKey([]byte(m.key)))
	if err != nil {
		return nil, err
	}
	if m.key != "" {
		return src, nil
	}
	from, err := src.AuditKeyedFrom()
	if err == nil && from != 0 {
		err = fmt.Errorf("the audit log in %s is chained with an audit key since event %d; give that key as TAPBOT_AUDIT_KEY or TAPBOT_AUDIT_KEY_FILE, as tapbot serve takes it, so that the copy can be proven", m.from, from)
	}
	if err != nil {
		src.Close()
		return nil, err
	}
	return src, nil
}

// checkSource verifies the source's audit log, since a broken one would
// be copied broken, and reads what it holds.
func checkSource(src *approvals.BoltStore) (copied, error) {
	rep, err := src.VerifyAuditLog(approvals.VerifyOptions{})
	if err != nil {
		return copied{}, fmt.Errorf("the audit log of %s does not verify, so nothing was copied: %w; tapbot audit verify --db %s says more", src.Path(), err, src.Path())
	}
	var h holdings
	err = src.Export(func(snap approvals.StoreSnapshot) (err error) {
		h, err = holdingsOf(snap)
		return err
	})
	return copied{report: rep, holdings: h}, err
}

// openDestination connects to the PostgreSQL database and brings its
// schema up to date; Import then refuses it if it holds anything.
func openDestination(ctx context.Context, m migration) (*pgstore.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, storeOpenTimeout)
	defer cancel()
	dst, err := pgstore.Open(ctx, m.to, approvals.WithAuditKey([]byte(m.key)))
	if err != nil {
		return nil, fmt.Errorf("the destination: %w", err)
	}
	return dst, nil
}

// checkCopy verifies the audit log at the destination with the key and
// proves that the copy holds exactly what the source does.
func checkCopy(ctx context.Context, dst *pgstore.Store, src copied) (copied, error) {
	rep, err := dst.VerifyAuditLog(approvals.VerifyOptions{})
	if err != nil {
		return copied{}, fmt.Errorf("the copied audit log does not verify: %w", err)
	}
	var h holdings
	err = dst.Export(ctx, func(snap approvals.StoreSnapshot) (err error) {
		h, err = holdingsOf(snap)
		return err
	})
	switch {
	case err != nil:
		return copied{}, fmt.Errorf("read the copy back: %w", err)
	case rep.Head != src.report.Head || rep.Events != src.report.Events || rep.KeyedFrom != src.report.KeyedFrom:
		return copied{}, fmt.Errorf("the copied audit log ends at %s (%d events, keyed from %d), its source at %s (%d events, keyed from %d)",
			rep.Head, rep.Events, rep.KeyedFrom, src.report.Head, src.report.Events, src.report.KeyedFrom)
	case !h.equal(src.holdings):
		return copied{}, fmt.Errorf("the copy holds %s, its source %s, or their bytes differ", h.counts(), src.holdings.counts())
	}
	return copied{report: rep, holdings: h}, nil
}

// copied is what one side of a copy holds and what verifying it found.
type copied struct {
	report   approvals.AuditReport
	holdings holdings
}

// holdings is what a store holds, counted and hashed as stored.
type holdings struct {
	requests, events, refs int
	states                 map[approvals.State]int
	sum                    [sha256.Size]byte // of every request, event and reference, in order
}

// holdingsOf counts and hashes everything snap holds.
func holdingsOf(snap approvals.StoreSnapshot) (holdings, error) {
	h := holdings{states: map[approvals.State]int{}}
	sum := sha256.New()
	from, err := snap.KeyedFrom()
	if err != nil {
		return h, err
	}
	writePart(sum, 'k', binary.BigEndian.AppendUint64(nil, from))
	err = snap.Requests(func(raw []byte) error {
		var r struct {
			State approvals.State `json:"state"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("decode request: %w", err)
		}
		h.requests++
		h.states[r.State]++
		writePart(sum, 'r', raw)
		return nil
	})
	if err != nil {
		return h, err
	}
	err = snap.Events(func(seq uint64, raw []byte) error {
		h.events++
		writePart(sum, 'e', binary.BigEndian.AppendUint64(nil, seq))
		writePart(sum, 'e', raw)
		return nil
	})
	if err != nil {
		return h, err
	}
	err = snap.Refs(func(name string, value []byte) error {
		h.refs++
		writePart(sum, 'n', []byte(name))
		writePart(sum, 'v', value)
		return nil
	})
	sum.Sum(h.sum[:0])
	return h, err
}

// writePart hashes one tagged, length-prefixed part, so that no two
// different holdings hash alike.
func writePart(sum hash.Hash, tag byte, b []byte) {
	sum.Write(binary.AppendUvarint([]byte{tag}, uint64(len(b))))
	sum.Write(b)
}

func (h holdings) equal(o holdings) bool {
	return h.sum == o.sum && h.requests == o.requests && h.events == o.events && h.refs == o.refs
}

func (h holdings) counts() string {
	return fmt.Sprintf("%d requests, %d audit events and %d references", h.requests, h.events, h.refs)
}

// byState is "3 pending, 12 delivered, …" in the order of the states' names.
func (h holdings) byState() string {
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(h.states)) {
		parts = append(parts, fmt.Sprintf("%d %s", h.states[s], s))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// printMigrated is the summary: what was copied, how it was proven, and
// what the operator does next.
func printMigrated(out io.Writer, m migration, c copied) {
	h, rep := c.holdings, c.report
	fmt.Fprintf(out, "Copied %s to PostgreSQL %s:\n", m.from, pgstore.Describe(m.to))
	fmt.Fprintf(out, "  requests:      %d (%s)\n", h.requests, h.byState())
	fmt.Fprintf(out, "  references:    %d (conversation references, caches, the audit followers' cursors)\n", h.refs)
	fmt.Fprintf(out, "  audit events:  %d, %s\n", h.events, provenBy(rep))
	if rep.Events > 0 {
		fmt.Fprintf(out, "  audit head:    %s, the same as the source's\n", rep.Head)
	}
	fmt.Fprintf(out, "The copy holds the same bytes as its source.\n"+
		"Next: start every tapbot with TAPBOT_DATABASE_URL (or _FILE) naming this database and the same TAPBOT_AUDIT_KEY.\n"+
		"Keep %s as a backup, but never start a tapbot on it again: its history would fork from the database's.\n", m.from)
}

// provenBy says how the copied log was verified at the destination.
func provenBy(rep approvals.AuditReport) string {
	switch {
	case rep.Events == 0:
		return "none to verify"
	case rep.KeyedFrom == 0:
		return "hash chain verified at the destination (unkeyed: set TAPBOT_AUDIT_KEY so that tapbot keys new events)"
	}
	return "hash chain and MACs verified at the destination with TAPBOT_AUDIT_KEY"
}
