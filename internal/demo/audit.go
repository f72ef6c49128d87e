package demo

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// This file ends the demo: the audit log the steps wrote, its hash chain,
// and a check that the pass went nowhere but to Rita.

// attribute notes which audit events step wrote: those appended since the
// previous step. Every step waits for its last message, which the bot sends
// after the step's last state change, so none is missed.
func (w *demoWorld) attribute(step int) error {
	events, err := w.app.Store().Audit(time.Time{})
	if err != nil {
		return fmt.Errorf("read the audit log after step %d: %w", step, err)
	}
	for _, ev := range events[w.events:] {
		w.eventStep[ev.Seq] = step
	}
	w.events = len(events)
	return nil
}

// auditReport reopens the stopped server's database as "tapbot audit"
// would, prints its audit log with the step behind each event, verifies the
// hash chain and checks the pass leaked nowhere. It returns an error when
// the chain does not verify or the pass is found where it must not be.
func (w *demoWorld) auditReport(steps int) error {
	events, verified, err := w.readAudit()
	if err != nil {
		return err
	}
	w.heading("The audit log")
	w.narrate("One event per state change, written in the same transaction as the change, each naming its tenant (tapbot audit export prints the same):")
	w.auditTable(events)
	if quiet := w.stepsWithoutEvents(steps); quiet != "" {
		w.narrate(quiet + " refused and changed nothing, so they left no event.")
	}
	w.narrate(fmt.Sprintf("Hash chain verified: %d events. Each hash covers its event and the hash before it, so editing or removing an event shows (tapbot audit verify).", verified))
	if err := w.checkNoLeaks(); err != nil {
		return err
	}
	w.narrate("Checked: neither pass is anywhere in the database file (audit log included) or the server's log, or in any Slack message but Rita's private ones.")
	w.outro()
	return nil
}

// readAudit opens the database after the server closed it and returns its
// events and the number the chain check verified.
func (w *demoWorld) readAudit() ([]approvals.Event, int, error) {
	store, err := approvals.Open(w.dbPath)
	if err != nil {
		return nil, 0, fmt.Errorf("reopen the demo database: %w", err)
	}
	defer store.Close()
	events, err := store.Audit(time.Time{})
	if err != nil {
		return nil, 0, fmt.Errorf("read the audit log: %w", err)
	}
	n, err := store.VerifyAudit()
	if err != nil {
		return nil, 0, fmt.Errorf("the audit log does not verify: %w", err)
	}
	return events, n, nil
}

func (w *demoWorld) auditTable(events []approvals.Event) {
	tw := tabwriter.NewWriter(w.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  seq\ttime\tevent\ttenant\tactor\trequest\tdetail\tfrom")
	for _, ev := range events {
		from := "-"
		if step, ok := w.eventStep[ev.Seq]; ok {
			from = fmt.Sprintf("step %d", step)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.Seq, ev.Time.Local().Format("15:04:05"), ev.Type,
			cmp.Or(ev.TenantName, "-"), w.actorLabel(ev.Actor), ev.RequestID, eventDetail(ev), from)
	}
	_ = tw.Flush()
}

// eventDetail is the part of an event a reader of the demo cares about.
func eventDetail(ev approvals.Event) string {
	switch ev.Type {
	case approvals.EventRaised:
		use := "multi-use"
		if ev.UsableOnce {
			use = "one-time"
		}
		return fmt.Sprintf("%s, %s, %s: %q", ev.TargetUPN, approvals.FormatMinutes(ev.LifetimeMinutes), use, ev.Detail)
	case approvals.EventIssued:
		return "Graph method id " + ev.MethodID
	}
	return ev.Detail
}

func (w *demoWorld) actorLabel(actor string) string {
	for _, p := range demoPeople {
		if actor == "slack:"+p.id {
			return p.label
		}
	}
	return actor
}

// stepsWithoutEvents names the steps that wrote nothing, e.g. "Steps 1 and
// 3 were"; "" when every step wrote something.
func (w *demoWorld) stepsWithoutEvents(steps int) string {
	wrote := map[int]bool{}
	for _, step := range w.eventStep {
		wrote[step] = true
	}
	var quiet []string
	for step := 1; step <= steps; step++ {
		if !wrote[step] {
			quiet = append(quiet, fmt.Sprint(step))
		}
	}
	switch len(quiet) {
	case 0:
		return ""
	case 1:
		return "Step " + quiet[0] + " was"
	}
	return "Steps " + strings.Join(quiet[:len(quiet)-1], ", ") + " and " + quiet[len(quiet)-1] + " were"
}

// checkNoLeaks looks for every pass the sandbox issued, in every tenant,
// in the database file, the server's log and every Slack message. The one
// place each may be is an ephemeral message to its requester, Rita.
func (w *demoWorld) checkNoLeaks() error {
	db, err := os.ReadFile(w.dbPath)
	if err != nil {
		return fmt.Errorf("read the database for the leak check: %w", err)
	}
	logs := w.logs.String()
	issued := w.app.Sandbox().AllIssued()
	if len(issued) != 2 {
		return fmt.Errorf("the sandbox issued %d passes, want 2", len(issued))
	}
	for _, p := range issued {
		switch {
		case bytes.Contains(db, []byte(p.Secret)):
			return fmt.Errorf("pass %s found in the database file", p.MethodID)
		case strings.Contains(logs, p.Secret):
			return fmt.Errorf("pass %s found in the log", p.MethodID)
		}
		for _, m := range w.slack.Messages() {
			private := m.Kind == slacktest.KindPostEphemeral && m.User == demoRita.id
			if containsText(m, p.Secret) && !private {
				return fmt.Errorf("pass %s found in a %s message in %s", p.MethodID, m.Kind, m.Channel)
			}
		}
	}
	return nil
}

// outro says what to try next.
func (w *demoWorld) outro() {
	w.heading("Try it yourself")
	w.narrate("In your own Slack workspace, before granting any Entra permission: TAPBOT_GRAPH=sandbox tapbot serve, or with these two customer tenants TAPBOT_GRAPH=sandbox TAPBOT_TENANTS_FILE=deploy/tenants.sandbox.yaml tapbot serve (see the README).")
	if w.keepDB {
		w.narrate(fmt.Sprintf("This run's database is kept: tapbot audit verify --db %s, or tapbot audit export --db %s.", w.dbPath, w.dbPath))
	} else {
		w.narrate("tapbot demo --db demo.db keeps the database, for tapbot audit verify --db demo.db and tapbot audit export --db demo.db.")
	}
}
