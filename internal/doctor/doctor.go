// Package doctor is "tapbot doctor": with the settings tapbot serve would
// use, it checks each part tapbot depends on (the settings themselves, the
// database, Slack, Microsoft Graph, the configured people) and prints one
// line per check, ✓ when it is fine and ✗ with the fix on the next line
// when it is not. A "!" line is a check doctor could not make (the bot may
// still work); it does not fail the run. No line ever holds a secret.
//
// The package reads no environment and no flag: cmd/tapbot fills Settings
// from its configuration, so doctor checks exactly what serve would use.
package doctor

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/graphclient"
)

// timeout bounds each check that calls out.
const timeout = 20 * time.Second

// Settings are what doctor checks: the settings of tapbot serve, as
// cmd/tapbot read and resolved them.
type Settings struct {
	// Problems are what is wrong with the configuration; none when it is
	// complete. The other checks still run on what is set.
	Problems []string
	// Secrets are the values of the configured secrets; every printed
	// line is scrubbed of them, whatever an error message might echo.
	Secrets []string

	Outbound        Outbound
	DBPath          string
	AuditKey        string   // TAPBOT_AUDIT_KEY; "": none
	AuditKeyProblem string   // why AuditKey cannot be used; "": it can
	MetricsListen   string   // TAPBOT_METRICS_LISTEN; "": off
	Platforms       []string // the chat platforms served ("slack", "teams")

	Slack *Slack // nil when tapbot serves no Slack

	Sandbox bool               // TAPBOT_GRAPH=sandbox: no real tenant to check
	Graph   graphclient.Config // the tenant's settings; doctor adds client, retries and timeout

	// Requesters and Approvers are the configured access entries, from the
	// settings and the policy file, as approvals keys ("slack:U…",
	// "slack-group:S…", "teams:<object id>", "entra-group:<object id>").
	Requesters, Approvers []string
	// EntraGroups reports whether any setting names an Entra group, which
	// needs the GroupMember.Read.All permission.
	EntraGroups bool
}

// Outbound is how doctor reaches Slack and Graph: as serve would.
type Outbound struct {
	Transport   *http.Transport // the transport serve would use; nil when Err is set
	Err         error           // why Transport could not be built (e.g. SSL_CERT_FILE)
	Direct      *http.Transport // the same proxies without extra CAs: the later checks use it when Err is set
	Description string          // where outbound calls go, without credentials
}

// Slack are the Slack settings doctor checks.
type Slack struct {
	BotToken        string
	APIURL          string // "": Slack's own
	ApprovalChannel string
}

// Run checks everything s names and prints the result to out. It returns
// an error (exit code 1) when a check failed.
//
// The database is checked without disturbing a bot that is running: bbolt
// lets one process open the file, so a file locked by another process is
// reported as ✓ "in use by a running tapbot" rather than as a failure,
// because doctor is usually run next to the live bot.
func Run(s Settings, out io.Writer) error {
	d := &run{s: s, out: out}
	if len(s.Problems) > 0 {
		d.fail("configuration", fmt.Sprintf("%d problem(s):\n      - %s", len(s.Problems), strings.Join(s.Problems, "\n      - ")),
			"set the settings named above (tapbot serve --help lists them all); the checks below use what is set")
	} else {
		d.pass("configuration", "complete")
	}
	d.checkAll()
	if d.failed > 0 {
		return fmt.Errorf("doctor: %d of %d checks failed", d.failed, d.checks)
	}
	fmt.Fprintf(out, "All %d checks passed.\n", d.checks)
	return nil
}

// run is one doctor run: what it found so far and the clients the later
// checks reuse (nil when the check that builds them failed).
type run struct {
	s      Settings
	out    io.Writer
	checks int
	failed int

	client  *http.Client
	slack   *slack.Client
	botName string // the Slack bot's handle, from auth.test
	graph   *graphclient.Client
}

func (d *run) checkAll() {
	d.checkOutbound()
	d.checkDatabase()
	d.checkAuditKey()
	d.checkMetricsListen()
	if d.s.Slack != nil {
		d.checkSlackToken()
		d.checkApprovalChannel()
	}
	d.checkGraph()
	d.checkPeople("requesters", d.s.Requesters)
	d.checkPeople("approvers", d.s.Approvers)
}

func (d *run) print(mark, name, detail, fix string) {
	line := mark + " " + name + ": " + detail + "\n"
	if fix != "" {
		line += "    fix: " + fix + "\n"
	}
	for _, s := range d.s.Secrets {
		line = strings.ReplaceAll(line, s, "[redacted]")
	}
	_, _ = io.WriteString(d.out, line)
}

// pass reports a check that is fine.
func (d *run) pass(name, detail string) { d.checks++; d.print("✓", name, detail, "") }

// fail reports a check that found a problem, and how to fix it.
func (d *run) fail(name, detail, fix string) {
	d.checks++
	d.failed++
	d.print("✗", name, detail, fix)
}

// warn reports a check doctor could not make; it does not fail the run.
func (d *run) warn(name, detail, fix string) { d.print("!", name, detail, fix) }

// skip reports a check left out because an earlier one failed.
func (d *run) skip(name, why string) { d.print("-", name, "skipped: "+why, "") }
