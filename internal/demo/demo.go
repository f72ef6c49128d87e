// Package demo is "tapbot demo": it plays the whole flow against the real
// server in MSP mode, with a fake Slack and two customer tenants in the
// sandbox — three simulated technicians, fake passes — and ends with the
// verified audit log.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
	"github.com/tapbot/tapbot/internal/logbuf"
)

// The demo's fake workspace. Ids are shaped like Slack's so the real config
// validation accepts them.
const (
	demoHelpdesk  = "C0HELPDESK"
	demoApprovals = "C0APPROVALS"
	demoStepWait  = 20 * time.Second // per step; the whole demo takes about a second
)

// demoPerson is a simulated technician.
type demoPerson struct {
	id, handle string
	name       string // as mentions show them: "Rita"
	label      string // as the transcript introduces them: "Rita (requester)"
}

var (
	demoRita = demoPerson{id: "U0RITA001", handle: "rita", name: "Rita", label: "Rita (requester)"}
	demoSam  = demoPerson{id: "U0SAM0001", handle: "sam", name: "Sam", label: "Sam (approver)"}
	demoFay  = demoPerson{id: "U0FAY0001", handle: "fay", name: "Fay", label: "Fay (fabrikam's approver)"}
	// demoPeople are everyone in the fake workspace.
	demoPeople = []demoPerson{demoRita, demoSam, demoFay}
)

// demoStep is one scene of the demo: what happens and what it shows.
type demoStep struct {
	title string
	run   func(ctx context.Context) error
	note  string
}

// Tapbot is the real server the demo drives, built by cmd/tapbot.
type Tapbot interface {
	// Serve serves on ln until ctx ends, then closes the database.
	Serve(ctx context.Context, ln net.Listener) error
	// Store is the open database, whose audit log the demo reads as it goes.
	Store() approvals.Store
	// Sandbox is the fake Graph: the home tenant and the customer tenants
	// it added, which know every pass they issued.
	Sandbox() *graphtest.Server
}

// Start builds tapbot, not yet serving, from the settings getenv returns;
// its log goes to logs.
type Start func(getenv func(string) string, logs io.Writer) (Tapbot, error)

// Run runs "tapbot demo": a fake Slack workspace, two customer tenants in
// the sandbox and the real server that start builds in MSP mode, all in
// this process, and three simulated technicians who go through the whole
// flow while the transcript is printed to stdout. It reads no environment variable and touches
// nothing outside a temporary directory (or the new file named by --db).
// It returns an error when a step does not happen as it should; the
// server's log then goes to stderr.
func Run(args []string, stdout, stderr io.Writer, start Start) error {
	fs := flag.NewFlagSet("tapbot demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	slow := fs.Bool("slow", false, "pause between messages, to read along")
	keep := fs.String("db", "", "keep the demo's database in this new file, for tapbot audit verify/export (default: a temporary file, removed afterwards)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: tapbot demo [--slow] [--db FILE]\n\nRuns the whole /tap flow locally: fake Slack, two sandbox customer tenants, the real server.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	w := &demoWorld{out: stdout, logs: &logbuf.Buffer{}, viewers: map[string]demoPerson{}, cards: map[string]slacktest.Message{}, eventStep: map[uint64]int{}}
	if *slow {
		w.pause = 700 * time.Millisecond
	}
	err := w.start(*keep, start)
	if err == nil {
		err = w.play(context.Background())
	}
	if cerr := w.close(); err == nil {
		err = cerr
	}
	if err != nil {
		if logs := w.logs.String(); logs != "" {
			fmt.Fprintf(stderr, "The demo server's log:\n%s", logs)
		}
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// demoWorld is the running demo: the fakes, the server, and the transcript
// bookkeeping.
type demoWorld struct {
	out       io.Writer
	logs      *logbuf.Buffer
	pause     time.Duration
	slack     *slacktest.Server
	app       Tapbot
	base      string // the server's URL
	signing   string // the fake workspace's signing secret, made up per run
	client    *http.Client
	dbPath    string
	keepDB    bool
	tmpDir    string
	stop      func() error // stops the server; nil once stopped
	text      slackText
	viewers   map[string]demoPerson        // response URL name → who it answers
	cards     map[string]slacktest.Message // tenant name → the approval card of its request
	eventStep map[uint64]int               // audit seq → the step that caused it
	events    int                          // audit events seen so far
}

// start builds the fake workspace, the sandbox tenants and the server.
func (w *demoWorld) start(keep string, start Start) error {
	if err := w.prepareDB(keep); err != nil {
		return err
	}
	tenants, err := writeTenantsFile(w.tmpDir)
	if err != nil {
		return err
	}
	botToken, signing := "xoxb-demo-"+randomHex(12), randomHex(16)
	w.signing = signing
	w.client = &http.Client{Timeout: demoStepWait}
	w.slack = slacktest.NewServer(botToken)
	for _, p := range demoPeople {
		w.slack.AddUser(slacktest.User{ID: p.id, Name: p.handle, RealName: p.name, Email: p.handle + "@msp.example"})
	}
	w.slack.AddChannel(demoHelpdesk, "helpdesk", true)
	w.slack.AddChannel(demoApprovals, "tap-approvals", true)
	w.text = slackText{
		users:    map[string]string{demoRita.id: demoRita.name, demoSam.id: demoSam.name, demoFay.id: demoFay.name},
		channels: map[string]string{demoHelpdesk: "helpdesk", demoApprovals: "tap-approvals"},
	}
	env := map[string]string{
		"TAPBOT_GRAPH": "sandbox", "TAPBOT_TENANTS_FILE": tenants, "TAPBOT_DB": w.dbPath, "TAPBOT_TIMEZONE": "Local",
		"TAPBOT_REQUESTERS": demoRita.id, "TAPBOT_APPROVERS": demoRita.id + "," + demoSam.id,
		"SLACK_BOT_TOKEN": botToken, "SLACK_SIGNING_SECRET": signing,
		"SLACK_APPROVAL_CHANNEL": demoApprovals, "SLACK_API_URL": w.slack.APIURL(),
		"TAPBOT_METRICS_LISTEN": "off",       // the demo may run beside a real tapbot
		"TAPBOT_DELIVERY":       "immediate", // the demo's script follows the pass sent at approval
	}
	return w.serve(start, func(k string) string { return env[k] })
}

// prepareDB makes the temporary directory (for the tenants file, and the
// database unless kept) and picks the database file: keep when given (it
// must not exist, so the transcript shows this run alone), else one in the
// temporary directory.
func (w *demoWorld) prepareDB(keep string) error {
	if keep != "" {
		if _, err := os.Stat(keep); !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("--db %s: the file already exists (or cannot be checked); name a new file", keep)
		}
	}
	dir, err := os.MkdirTemp("", "tapbot-demo-")
	if err != nil {
		return fmt.Errorf("create a temporary directory: %w", err)
	}
	w.tmpDir, w.dbPath = dir, filepath.Join(dir, "tapbot.db")
	if keep != "" {
		w.dbPath, w.keepDB = keep, true
	}
	return nil
}

// serve builds the server with start from getenv's settings, runs it on
// a free port of 127.0.0.1 and waits until it is ready. The port is taken
// first, so a server that could not listen is never left open.
func (w *demoWorld) serve(start Start, getenv func(string) string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	if w.app, err = start(getenv, w.logs); err != nil {
		ln.Close()
		return err
	}
	w.base = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.app.Serve(ctx, ln) }()
	w.stop = func() error {
		cancel()
		return <-done
	}
	return w.waitReady(done)
}

// waitReady polls /readyz until the server answers ready, or fails when the
// server stops first or takes too long.
func (w *demoWorld) waitReady(done chan error) error {
	deadline := time.After(demoStepWait)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := w.client.Get(w.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-done:
			w.stop = nil
			return fmt.Errorf("tapbot stopped before it was ready: %w", err)
		case <-deadline:
			return errors.New("tapbot did not become ready")
		case <-tick.C:
		}
	}
}

// close stops whatever start started and removes the temporary directory.
func (w *demoWorld) close() error {
	err := w.stopServer()
	if w.slack != nil {
		w.slack.Close()
	}
	if w.tmpDir != "" {
		if rerr := os.RemoveAll(w.tmpDir); rerr != nil && err == nil {
			err = fmt.Errorf("remove the demo's temporary directory: %w", rerr)
		}
	}
	return err
}

func (w *demoWorld) stopServer() error {
	if w.stop == nil {
		return nil
	}
	err := w.stop()
	w.stop = nil
	if err != nil {
		return fmt.Errorf("stop tapbot: %w", err)
	}
	return nil
}

// play runs the script, then shows the audit log.
func (w *demoWorld) play(ctx context.Context) error {
	w.intro()
	steps := w.script()
	for i, s := range steps {
		w.heading(fmt.Sprintf("Step %d · %s", i+1, s.title))
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.title, err)
		}
		w.narrate(s.note)
		if err := w.attribute(i + 1); err != nil {
			return err
		}
	}
	if err := w.stopServer(); err != nil {
		return err
	}
	return w.auditReport(len(steps))
}

// command types "/tap text" as who in #helpdesk and shows the
// acknowledgement Slack displays to them.
func (w *demoWorld) command(ctx context.Context, who demoPerson, text string) error {
	form, err := w.slack.SlashCommand(who.id, demoHelpdesk, text)
	if err != nil {
		return err
	}
	w.viewers[form.Get("trigger_id")] = who
	w.says(who.label+" in #helpdesk:", "/tap "+text)
	body, err := w.post(ctx, "/slack/commands", form)
	if err != nil {
		return err
	}
	var ack slack.Msg
	if err := json.Unmarshal(body, &ack); err != nil {
		return fmt.Errorf("/tap %s: the acknowledgement is not JSON: %w", text, err)
	}
	w.says(fmt.Sprintf("tapbot → %s (only %s sees this):", who.name, who.name), w.text.mrkdwn(ack.Text))
	return nil
}

// click presses the button action on m as who.
func (w *demoWorld) click(ctx context.Context, who demoPerson, m slacktest.Message, action string) error {
	cb, err := w.slack.Click(who.id, m, action)
	if err != nil {
		return err
	}
	w.viewers[cb.TriggerID] = who
	form, err := slacktest.BlockActionForm(cb)
	if err != nil {
		return err
	}
	w.narrate(fmt.Sprintf("%s presses [ %s ] on the card in #%s.", who.label, cb.ActionCallback.BlockActions[0].Text.Text, w.text.channels[m.Channel]))
	_, err = w.post(ctx, "/slack/interactions", form)
	return err
}

// post sends form to the server signed as Slack signs it, and returns the
// body of its 200 answer.
func (w *demoWorld) post(ctx context.Context, path string, form url.Values) ([]byte, error) {
	req, err := slacktest.NewSignedRequest(ctx, w.base+path, form, w.signing, time.Now())
	if err != nil {
		return nil, err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("post %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read the answer to %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("post %s: HTTP %d", path, resp.StatusCode)
	}
	return body, nil
}

// until prints every message the bot sends, in the order Slack receives
// them, until each of want has matched one. It returns the matches in the
// order of want.
func (w *demoWorld) until(ctx context.Context, what string, want ...func(slacktest.Message) bool) ([]slacktest.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, demoStepWait)
	defer cancel()
	got := make([]slacktest.Message, len(want))
	matched := make([]bool, len(want))
	for missing := len(want); missing > 0; {
		m, err := w.slack.Next(ctx)
		if err != nil {
			return nil, fmt.Errorf("waiting for %s: %w", what, err)
		}
		if err := w.show(m); err != nil {
			return nil, err
		}
		for i, pred := range want {
			if !matched[i] && pred(m) {
				got[i], matched[i] = m, true
				missing--
				break
			}
		}
	}
	return got, nil
}

// sent matches messages of kind whose text or blocks contain s.
func sent(kind, s string) func(slacktest.Message) bool {
	return func(m slacktest.Message) bool {
		return m.Kind == kind && containsText(m, s)
	}
}

// randomHex returns n random bytes as hex, for the demo's made-up secrets.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
