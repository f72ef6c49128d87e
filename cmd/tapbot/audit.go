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
	db := fs.String("db", def, "bbolt database file (env TAPBOT_DB)")
	since := fs.String("since", "", "export: only events at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z, or a duration ago like 24h)")
	format := fs.String("format", "jsonl", "export: jsonl or csv")
	head := fs.String("head", "", "verify: an audit head published earlier (SEQ:MAC, from the audit channel or the \"audit head\" log line); proves no event up to it was cut or rewritten")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	store, err := approvals.Open(*db)
	if errors.Is(err, approvals.ErrInUse) {
		return auditRunning(args[0], auditAsk{db: *db, since: *since, format: *format, head: *head}, getenv, stdout, stderr)
	}
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
		return verifyAudit(store, *head, getenv, stdout)
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
		_ = w.Write([]string{"seq", "time", "type", "actor", "actor_name", "request_id", "tenant", "target_upn", "target_id", "lifetime_minutes", "usable_once", "method_id", "detail", "prev_hash", "hash", "state", "mac"})
		for _, ev := range events {
			_ = w.Write([]string{strconv.FormatUint(ev.Seq, 10), ev.Time.Format(time.RFC3339), ev.Type, ev.Actor, ev.ActorName, ev.RequestID, ev.Tenant,
				ev.TargetUPN, ev.TargetID, strconv.Itoa(ev.LifetimeMinutes), strconv.FormatBool(ev.UsableOnce), ev.MethodID, ev.Detail, ev.PrevHash, ev.Hash,
				string(ev.State), ev.MAC})
		}
		w.Flush()
		return w.Error()
	}
	return fmt.Errorf("--format %q: use jsonl or csv", format)
}

// verifyAudit runs "tapbot audit verify": the hash chain, the MACs under
// TAPBOT_AUDIT_KEY, the published head if one is given, and every
// request's state against its events. It prints what each part of the log
// is and returns an error (exit 1) naming the first bad event or request,
// or saying that keyed events could not be proven for want of the key.
func verifyAudit(store *approvals.Store, headArg string, getenv func(string) string, stdout io.Writer) error {
	opts, err := verifyOptions(headArg, getenv)
	if err != nil {
		return err
	}
	rep, err := store.VerifyAuditLog(opts)
	var unproven *approvals.UnprovenError
	var mismatch *approvals.RequestMismatchError
	switch {
	case err == nil && rep.MACsProven:
		fmt.Fprintf(stdout, "audit log intact: %d events, hash chain verified, %d request(s) match their events\n", rep.Events, rep.Requests)
	case err == nil:
		fmt.Fprintf(stdout, "audit log consistent: %d events, hash chain verified, %d request(s) match their events\n", rep.Events, rep.Requests)
	case approvals.ErrorCode(err) == approvals.EINVALID:
		return errors.New(approvals.ErrorMessage(err))
	case !errors.As(err, &unproven) && !errors.As(err, &mismatch):
		return err // the chain is broken: what came before the break proves nothing
	}
	printAuditParts(stdout, rep, opts.Head, err == nil)
	return err
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

// printAuditParts says, for a log whose chain holds, which events are keyed
// and what its head is.
func printAuditParts(out io.Writer, rep approvals.AuditReport, head *approvals.AuditHead, ok bool) {
	last := uint64(rep.Events)
	switch {
	case rep.Events == 0:
		return
	case rep.KeyedFrom == 0:
		fmt.Fprintf(out, "  events 1..%d: unkeyed hash chain (can be rewritten by anyone who can write the file); set TAPBOT_AUDIT_KEY so that tapbot keys new events\n", last)
		return
	case rep.KeyedFrom > 1:
		fmt.Fprintf(out, "  events 1..%d: unkeyed hash chain, written before the audit key was set (on its own it can be rewritten by anyone who can write the file; event %d's MAC seals its last hash)\n", rep.KeyedFrom-1, rep.KeyedFrom)
	}
	if !rep.MACsProven {
		fmt.Fprintf(out, "  events %d..%d: keyed, HMAC-SHA256 chain (MACs NOT checked: no TAPBOT_AUDIT_KEY given)\n", rep.KeyedFrom, last)
		return
	}
	fmt.Fprintf(out, "  events %d..%d: keyed, HMAC-SHA256 chain (MACs verified with TAPBOT_AUDIT_KEY)\n", rep.KeyedFrom, last)
	fmt.Fprintf(out, "  head: %s (keep a copy outside this host; --head proves later that nothing up to it was cut or rewritten)\n", rep.Head)
	if head != nil && ok {
		fmt.Fprintf(out, "  --head %d: matches; %d event(s) appended after it\n", head.Seq, rep.AfterHead)
	}
}
