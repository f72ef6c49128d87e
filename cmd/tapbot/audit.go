package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// audit runs "tapbot audit export|verify". bbolt lets one process hold the
// file, so these run while the bot is stopped (or on a copy of the file).
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
	db := fs.String("db", def, "bbolt database file (env TAPBOT_DB)")
	since := fs.String("since", "", "export: only events at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z, or a duration ago like 24h)")
	format := fs.String("format", "jsonl", "export: jsonl or csv")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	store, err := approvals.Open(*db)
	if err != nil {
		return err
	}
	defer store.Close()
	switch args[0] {
	case "export":
		from, err := parseSince(*since, time.Now())
		if err != nil {
			return err
		}
		return exportAudit(store, from, *format, stdout)
	case "verify":
		n, err := store.VerifyAudit()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "audit log intact: %d events, hash chain verified\n", n)
		return nil
	}
	return fmt.Errorf("unknown audit subcommand %q: use export or verify", args[0])
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q is neither an RFC 3339 time nor a duration like 24h", s)
}

func exportAudit(store *approvals.Store, since time.Time, format string, out io.Writer) error {
	events, err := store.Audit(since)
	if err != nil {
		return err
	}
	switch format {
	case "jsonl":
		enc := json.NewEncoder(out)
		for _, ev := range events {
			if err := enc.Encode(ev); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		w := csv.NewWriter(out)
		_ = w.Write([]string{"seq", "time", "type", "actor", "actor_name", "request_id", "tenant", "target_upn", "target_id", "lifetime_minutes", "usable_once", "method_id", "detail", "prev_hash", "hash"})
		for _, ev := range events {
			_ = w.Write([]string{strconv.FormatUint(ev.Seq, 10), ev.Time.Format(time.RFC3339), ev.Type, ev.Actor, ev.ActorName, ev.RequestID, ev.Tenant,
				ev.TargetUPN, ev.TargetID, strconv.Itoa(ev.LifetimeMinutes), strconv.FormatBool(ev.UsableOnce), ev.MethodID, ev.Detail, ev.PrevHash, ev.Hash})
		}
		w.Flush()
		return w.Error()
	}
	return fmt.Errorf("--format %q: use jsonl or csv", format)
}
