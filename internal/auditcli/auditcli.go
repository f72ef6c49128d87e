// Package auditcli is what "tapbot audit export" and "tapbot audit verify"
// print, whether they read the database themselves or a running tapbot
// answers them over its admin listener.
package auditcli

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// ParseSince reads --since: an RFC 3339 time, or a duration before now; ""
// is the beginning of the log.
func ParseSince(s string, now time.Time) (time.Time, error) {
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

// Export writes the audit events at or after since as JSON lines ("jsonl")
// or CSV ("csv"). The field names are stable: operators' scripts read them.
func Export(store approvals.Store, since time.Time, format string, out io.Writer) error {
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
		_ = w.Write([]string{"seq", "time", "type", "actor", "actor_name", "request_id", "tenant", "target_upn", "target_id", "lifetime_minutes", "usable_once", "method_id", "detail", "prev_hash", "hash", "state", "mac", "tenant_name"})
		for _, ev := range events {
			_ = w.Write([]string{strconv.FormatUint(ev.Seq, 10), ev.Time.Format(time.RFC3339), ev.Type, ev.Actor, ev.ActorName, ev.RequestID, ev.Tenant,
				ev.TargetUPN, ev.TargetID, strconv.Itoa(ev.LifetimeMinutes), strconv.FormatBool(ev.UsableOnce), ev.MethodID, ev.Detail, ev.PrevHash, ev.Hash,
				string(ev.State), ev.MAC, ev.TenantName})
		}
		w.Flush()
		return w.Error()
	}
	return fmt.Errorf("--format %q: use jsonl or csv", format)
}

// Verify is "tapbot audit verify": the hash chain, the MACs under the audit
// key in opts, the published head if one is given, and every request's
// state against its events. It prints what each part of the log is and
// returns an error (exit 1) naming the first bad event or request, or
// saying that keyed events could not be proven for want of the key.
func Verify(store approvals.Store, opts approvals.VerifyOptions, stdout io.Writer) error {
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
	printParts(stdout, rep, opts.Head, err == nil)
	return err
}

// printParts says, for a log whose chain holds, which events are keyed
// and what its head is.
func printParts(out io.Writer, rep approvals.AuditReport, head *approvals.AuditHead, ok bool) {
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
