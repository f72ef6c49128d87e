package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/internal/auditcli"
)

// audit runs "tapbot audit export|verify". bbolt lets one process hold the
// file: while a tapbot serve holds it, they ask that bot over its admin
// listener instead (auditremote.go).
func audit(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("audit needs a subcommand: export or verify")
	}
	fs := flag.NewFlagSet("tapbot audit "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := getenv("TAPBOT_DB")
	if def == "" {
		def = "./tapbot.db"
	}
	db := fs.String("db", def, "bbolt database file (env TAPBOT_DB); without it, and with TAPBOT_DATABASE_URL set, the PostgreSQL database")
	since := fs.String("since", "", "export: only events at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z, or a duration ago like 24h)")
	format := fs.String("format", "jsonl", "export: jsonl or csv")
	head := fs.String("head", "", "verify: an audit head published earlier (SEQ:MAC, from the audit channel or the \"audit head\" log line); proves no event up to it was cut or rewritten")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	store, err := auditStore(fs, *db, getenv)
	if errors.Is(err, approvals.ErrInUse) {
		return auditRunning(args[0], auditAsk{db: *db, since: *since, format: *format, head: *head}, getenv, stdout, stderr)
	}
	if err != nil {
		return err
	}
	defer store.Close()
	switch args[0] {
	case "export":
		from, err := auditcli.ParseSince(*since, time.Now())
		if err != nil {
			return err
		}
		return auditcli.Export(store, from, *format, stdout)
	case "verify":
		return verifyAudit(store, *head, getenv, stdout)
	}
	return fmt.Errorf("unknown audit subcommand %q: use export or verify", args[0])
}

// auditStore opens the store tapbot audit reads: PostgreSQL when
// TAPBOT_DATABASE_URL is set and --db is not given (replicas write it
// while it is read, so no running tapbot needs asking), else the bbolt
// file db.
func auditStore(fs *flag.FlagSet, db string, getenv func(string) string) (approvals.Store, error) {
	url, err := secretFromEnv("TAPBOT_DATABASE_URL", getenv)
	if err != nil {
		return nil, err
	}
	dbGiven := getenv("TAPBOT_DB") != ""
	fs.Visit(func(f *flag.Flag) { dbGiven = dbGiven || f.Name == "db" })
	if url != "" && !dbGiven {
		return openStore(Config{DatabaseURL: url})
	}
	s, err := approvals.Open(db)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// verifyAudit runs "tapbot audit verify" with the audit key read the way
// serve reads it (see auditcli.Verify).
func verifyAudit(store approvals.Store, headArg string, getenv func(string) string, stdout io.Writer) error {
	opts, err := verifyOptions(headArg, getenv)
	if err != nil {
		return err
	}
	return auditcli.Verify(store, opts, stdout)
}

// verifyOptions reads the audit key the way serve does, and --head.
func verifyOptions(headArg string, getenv func(string) string) (approvals.VerifyOptions, error) {
	var opts approvals.VerifyOptions
	key, err := secretFromEnv("TAPBOT_AUDIT_KEY", getenv)
	if err != nil {
		return opts, err
	}
	if problem := auditKeyProblem(key); problem != "" {
		return opts, errors.New(problem)
	}
	if key != "" {
		opts.Key = []byte(key)
	}
	if headArg != "" {
		h, err := approvals.ParseAuditHead(headArg)
		if err != nil {
			return opts, errors.New(approvals.ErrorMessage(err))
		}
		opts.Head = &h
	}
	return opts, nil
}
