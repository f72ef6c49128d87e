// Package doctor is "tapbot doctor": with the settings tapbot serve would
// use, it checks each part tapbot depends on (the settings themselves, the
// database, Slack, Microsoft Graph, the configured people) and prints one
// line per check, ✓ when it is fine and ✗ with the fix on the next line
// when it is not. A "!" line is a check doctor could not make (the bot may
// still work); it does not fail the run. No line ever holds a secret.
// In MSP mode every customer tenant gets a block of its own (tenants.go).
//
// The package reads no environment and no flag: cmd/tapbot fills Settings
// from its configuration, so doctor checks exactly what serve would use.
package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	teamsbot "github.com/tapbot/tapbot/bot/teams"
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
	DatabaseURL     string   // TAPBOT_DATABASE_URL; "": the bbolt file DBPath
	AuditKey        string   // TAPBOT_AUDIT_KEY; "": none
	AuditKeyProblem string   // why AuditKey cannot be used; "": it can
	MetricsListen   string   // TAPBOT_METRICS_LISTEN; "": off
	Platforms       []string // the chat platforms served ("slack", "teams")

	Slack *Slack // nil when tapbot serves no Slack
	Teams *Teams // nil when tapbot serves no Teams

	Sandbox bool               // TAPBOT_GRAPH=sandbox: no real tenant to check
	Graph   graphclient.Config // the tenant's settings; doctor adds client, retries and timeout

	// Requesters and Approvers are the configured access entries, from the
	// settings and the policy file, as approvals keys ("slack:U…",
	// "slack-group:S…", "teams:<object id>", "entra-group:<object id>").
	Requesters, Approvers []string
	// EntraGroups reports whether any setting names an Entra group, which
	// needs the GroupMember.Read.All permission.
	EntraGroups bool
	// Verify is what the policy asks of end-user verification, for the
	// one tenant; in MSP mode each Tenant has its own.
	Verify Verification

	// TenantsFile is TAPBOT_TENANTS_FILE, "" in single-tenant mode. In MSP
	// mode doctor checks each of Tenants in a block of its own (tenants.go)
	// instead of the one tenant of Graph, and Graph.TenantID is not used.
	TenantsFile string
	Tenants     []Tenant // none when the tenants file is not usable (see Problems)
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
	AppToken        string // SLACK_APP_TOKEN; "": HTTP mode, no Socket Mode
	APIURL          string // "": Slack's own
	ApprovalChannel string
}

// Run checks everything s names and prints the result to out, one line
// per check and a summary that counts them. It returns an error (exit code
// 1) when a check failed.
//
// The database is checked without disturbing a bot that is running: bbolt
// lets one process open the file, so a file locked by another process is
// reported as ✓ "in use by a running tapbot" rather than as a failure,
// because doctor is usually run next to the live bot.
func Run(s Settings, out io.Writer) error {
	d := &run{s: s, out: out}
	d.checkEverything()
	fmt.Fprintln(out, d.summary()+".")
	return d.err()
}

// RunJSON is Run for automation: it writes one JSON Report to out instead
// of lines, scrubbed of secrets as the lines are.
func RunJSON(s Settings, out io.Writer) error {
	d := &run{s: s}
	d.checkEverything()
	r := Report{Checks: d.results, Tenants: d.tenants, Passed: d.count(Pass), Failed: d.count(Fail), Warned: d.count(Warn), Skipped: d.count(Skip)}
	if r.Checks == nil {
		r.Checks = []Check{}
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("doctor: write report: %w", err)
	}
	return d.err()
}

// Report is what RunJSON writes. The counts are of every check, those of
// the tenant blocks included.
type Report struct {
	Checks []Check `json:"checks"`
	// Tenants are the blocks of the customer tenants in MSP mode, in the
	// order of the tenants file; absent in single-tenant mode.
	Tenants []TenantReport `json:"tenants,omitempty"`
	Passed  int            `json:"passed"`
	Failed  int            `json:"failed"`
	Warned  int            `json:"warned"`
	Skipped int            `json:"skipped"`
}

// TenantReport is the block of one customer tenant.
type TenantReport struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	// Status is the worst of its checks: fail, else warn, else skip,
	// else pass.
	Status Status  `json:"status"`
	Checks []Check `json:"checks"`
}

// Check is one check's result.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Status is a check's outcome.
type Status string

// The outcomes of a check: only Fail fails the run.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Warn Status = "warn" // a check doctor could not make, or a setting that works but is weaker than it should be
	Skip Status = "skip" // left out because an earlier check failed or a setting is missing
)

// marks are the text output's sign for each status.
var marks = map[Status]string{Pass: "✓", Fail: "✗", Warn: "!", Skip: "-"}

func (d *run) checkEverything() {
	if len(d.s.Problems) > 0 {
		d.fail("configuration", fmt.Sprintf("%d problem(s):\n      - %s", len(d.s.Problems), strings.Join(d.s.Problems, "\n      - ")),
			"set the settings named above (tapbot serve --help lists them all); the checks below use what is set")
	} else {
		d.pass("configuration", "complete")
	}
	d.checkAll()
}

// summary counts what was printed: "12 passed, 1 failed, 2 warnings, 3 skipped".
func (d *run) summary() string {
	return fmt.Sprintf("%d passed, %d failed, %s, %d skipped", d.count(Pass), d.count(Fail), plural(d.count(Warn), "warning"), d.count(Skip))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// all is every check so far, the tenant blocks' included.
func (d *run) all() []Check {
	all := d.results
	for _, t := range d.tenants {
		all = append(slices.Clip(all), t.Checks...)
	}
	return all
}

func (d *run) count(st Status) int { return countStatus(d.all(), st) }

func countStatus(checks []Check, st Status) int {
	n := 0
	for _, c := range checks {
		if c.Status == st {
			n++
		}
	}
	return n
}

func (d *run) err() error {
	if f := d.count(Fail); f > 0 {
		return fmt.Errorf("doctor: %d of %d checks failed", f, len(d.all()))
	}
	return nil
}

// run is one doctor run: what it found so far and the clients the later
// checks reuse (nil when the check that builds them failed).
type run struct {
	s       Settings
	out     io.Writer // nil: collect only (RunJSON, and a tenant's block while it runs)
	results []Check
	tenants []TenantReport // MSP mode: the blocks of the tenants checked so far

	client  *http.Client
	slack   *slack.Client
	botName string // the Slack bot's handle, from auth.test
	graph   *graphclient.Client

	// How the Teams bot would reach its approval conversation, noted
	// while the database is open; teamsReachKnown is false when it was not.
	teamsReach      teamsbot.Reach
	teamsReachErr   error
	teamsReachKnown bool
}

func (d *run) checkAll() {
	d.checkOutbound()
	d.checkDatabase()
	d.checkAuditKey()
	d.checkMetricsListen()
	if d.s.Slack != nil {
		d.checkSlackToken()
		d.checkSocketMode()
		d.checkApprovalChannel()
	}
	if d.s.Teams != nil {
		d.checkTeams()
	}
	msp := d.s.TenantsFile != "" && !d.s.Sandbox
	if !msp {
		d.checkGraph()
	}
	d.checkPeople("requesters", d.s.Requesters)
	d.checkPeople("approvers", d.s.Approvers)
	if msp {
		d.checkTenants() // last: a block per tenant
	}
}

// record scrubs a result of every secret, keeps it, and prints it when
// the run prints lines.
func (d *run) record(st Status, name, detail, fix string) {
	c := Check{Name: scrub(name, d.s.Secrets), Status: st, Detail: scrub(detail, d.s.Secrets), Fix: scrub(fix, d.s.Secrets)}
	d.results = append(d.results, c)
	if d.out != nil {
		_, _ = io.WriteString(d.out, c.lines(""))
	}
}

// lines is how the text output prints the check: its line, the fix on the
// next, each after indent.
func (c Check) lines(indent string) string {
	line := indent + marks[c.Status] + " " + c.Name + ": " + c.Detail + "\n"
	if c.Fix != "" {
		line += indent + "    fix: " + c.Fix + "\n"
	}
	return line
}

func scrub(s string, secrets []string) string {
	for _, secret := range secrets {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}

// pass reports a check that is fine.
func (d *run) pass(name, detail string) { d.record(Pass, name, detail, "") }

// fail reports a check that found a problem, and how to fix it.
func (d *run) fail(name, detail, fix string) { d.record(Fail, name, detail, fix) }

// warn reports a check doctor could not make; it does not fail the run.
func (d *run) warn(name, detail, fix string) { d.record(Warn, name, detail, fix) }

// skip reports a check left out because an earlier one failed or a
// setting it needs is missing.
func (d *run) skip(name, why string) { d.record(Skip, name, "skipped: "+why, "") }
