package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
	"github.com/tapbot/tapbot/internal/fakeclock"
	"github.com/tapbot/tapbot/internal/logbuf"
)

// Slack identities of the end-to-end tests.
const (
	requester   = "UREQ0001" // may request
	approver1   = "UAPP0001" // may approve
	approver2   = "UAPP0002" // may approve
	both        = "UBOTH001" // may request and approve
	outsider    = "UOUT0001" // configured as nothing
	approvalsCh = "CAPPROVAL"
	generalCh   = "CGENERAL"
	botToken    = "xoxb-test-token"
	signing     = "test-signing-secret"
	azureSecret = "azure-client-secret-value"
	appToken    = "xapp-1-A0TEST-1-socket-mode-token" // SLACK_APP_TOKEN of the Socket Mode tests
)

// auditKey is the TAPBOT_AUDIT_KEY of the end-to-end tests; vars
// {"TAPBOT_AUDIT_KEY_FILE": ""} run a tapbot without one.
const auditKey = "test-audit-key-0123456789abcdefghij"

// env is one running tapbot with its fake Slack and fake Graph.
type env struct {
	t      *testing.T
	graph  *graphtest.Server
	slack  *slacktest.Server
	app    *App
	base   string
	logs   *logbuf.Buffer
	clock  *fakeclock.Clock
	dbPath string
	vars   map[string]string // the environment the app's config was read from
	stop   func()
	stdout *logbuf.Buffer // what TAPBOT_AUDIT_STDOUT wrote (siem.go)
	hup    chan os.Signal // what serve's SIGHUP would send: re-read the policy file
}

// startEnv starts the real server wired to the fakes. vars override the
// environment the config is read from.
func startEnv(t *testing.T, vars map[string]string) *env {
	t.Helper()
	return startEnvWith(t, vars, nil)
}

// newFakes starts the fake Slack and Graph and returns the environment a
// tapbot needs to use them (e.vars), without starting one.
func newFakes(t *testing.T, vars map[string]string, outbound func(e *env) map[string]string) (*env, Deps) {
	t.Helper()
	e := &env{t: t, graph: graphtest.NewServer(), slack: slacktest.NewServer(botToken), logs: &logbuf.Buffer{}, clock: &fakeclock.Clock{}}
	t.Cleanup(e.graph.Close)
	t.Cleanup(e.slack.Close)
	graphtest.DemoTenant(e.graph)
	for _, u := range []string{requester, approver1, approver2, both, outsider} {
		e.slack.AddUser(slacktest.User{ID: u, Name: strings.ToLower(u), RealName: u, Email: strings.ToLower(u) + "@msp.example"})
	}
	e.slack.AddChannel(approvalsCh, "tap-approvals", true)
	e.slack.AddChannel(generalCh, "helpdesk", true)
	e.stdout = &logbuf.Buffer{}
	e.hup = make(chan os.Signal, 1)
	deps := Deps{HTTPClient: e.graph.Client(), Now: e.clock.Now, Stdout: e.stdout, Reload: e.hup}
	var outboundVars map[string]string
	if outbound != nil {
		outboundVars, deps.HTTPClient = outbound(e), nil
	}

	dir := t.TempDir()
	e.dbPath = filepath.Join(dir, "tapbot.db")
	// Secrets come as Kubernetes would mount them; scanForLeaks proves
	// none of them is ever printed.
	secretFile := func(name, value string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(value+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	env := map[string]string{
		"TAPBOT_DB": e.dbPath, "TAPBOT_REQUESTERS": requester + "," + both, "TAPBOT_APPROVERS": approver1 + "," + approver2 + "," + both,
		"TAPBOT_SWEEP_INTERVAL": "50ms", "SLACK_BOT_TOKEN": botToken, "SLACK_SIGNING_SECRET_FILE": secretFile("signing", signing),
		"SLACK_APPROVAL_CHANNEL": approvalsCh, "SLACK_API_URL": e.slack.APIURL(),
		"AZURE_TENANT_ID": "contoso-tenant", "AZURE_CLIENT_ID": "tapbot-client", "AZURE_CLIENT_SECRET_FILE": secretFile("azure", azureSecret),
		"TAPBOT_GRAPH_URL": e.graph.GraphURL(), "TAPBOT_AUTHORITY_HOST": e.graph.AuthorityHost(), "TAPBOT_LOG_LEVEL": "debug",
		"TAPBOT_AUDIT_KEY_FILE": secretFile("audit-key", auditKey),
		"TAPBOT_METRICS_LISTEN": "127.0.0.1:0", // a free port: tests run side by side
		// Most tests follow the pass as it was first delivered; the Show
		// pass tests (showpass_e2e_test.go) set button.
		"TAPBOT_DELIVERY": "immediate",
	}
	maps.Copy(env, outboundVars)
	for k, v := range vars {
		if v == "" {
			delete(env, k)
			continue
		}
		env[k] = v
	}
	if tok := env["SLACK_APP_TOKEN"]; tok != "" {
		e.slack.EnableSocketMode(tok) // the fake accepts the app-level token the app connects with
	}
	e.vars = env
	return e, deps
}

// startEnvWith is startEnv for tests of the outbound client. Instead of
// lending the app the fake Graph's HTTP client, it calls outbound once the
// fakes exist and adds the variables it returns (HTTPS_PROXY,
// SSL_CERT_FILE, …), so the app builds its client from the environment.
func startEnvWith(t *testing.T, vars map[string]string, outbound func(e *env) map[string]string) *env {
	t.Helper()
	e, deps := newFakes(t, vars, outbound)
	e.startApp(deps)
	t.Cleanup(e.scanForLeaks) // runs after stop: the database is closed
	t.Cleanup(func() { e.stopOnce() })
	e.waitReady()
	return e
}

// startApp builds tapbot from e.vars and deps and serves it on a free port
// of 127.0.0.1 in the background; e.stop ends it.
func (e *env) startApp(deps Deps) {
	t := e.t
	t.Helper()
	env := e.vars
	cfg, err := LoadConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	e.app, err = NewApp(cfg, deps, newLogger(cfg, e.logs))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.app.Serve(ctx, ln) }()
	e.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
}

func (e *env) stopOnce() {
	if e.stop != nil {
		e.stop()
		e.stop = nil
	}
}

func (e *env) waitReady() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		resp, err := http.Get(e.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
			e.t.Fatal("tapbot never became ready")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// scanForLeaks proves that no pass the fake Graph ever issued is in the
// database file, the logs, a mail sent through Graph, or anything sent to
// Slack (messages, modals, Home tabs) except the requester's ephemeral
// message.
func (e *env) scanForLeaks() {
	e.t.Helper()
	db, err := storedBytes(e) // postgres_e2e_test.go
	if err != nil {
		e.t.Fatalf("read database for leak scan: %v", err)
	}
	logs := e.logs.String()
	for _, p := range e.graph.AllIssued() { // every tenant's, in MSP mode
		if bytes.Contains(db, []byte(p.Secret)) {
			e.t.Errorf("pass %s found in the database file", p.MethodID)
		}
		if strings.Contains(logs, p.Secret) {
			e.t.Errorf("pass %s found in the logs", p.MethodID)
		}
		if strings.Contains(e.stdout.String(), p.Secret) {
			e.t.Errorf("pass %s found in the audit lines on stdout", p.MethodID)
		}
		for _, m := range e.graph.AllMails() { // the notices to targets (issue 15)
			if strings.Contains(m.Subject+m.Body, p.Secret) {
				e.t.Errorf("pass %s found in a mail from %s to %v", p.MethodID, m.From, m.To)
			}
		}
		for _, m := range e.slack.Messages() {
			// Blocks and View cover modals and Home tabs; thread replies are posts.
			if strings.Contains(m.Text+string(m.Blocks)+string(m.View)+string(m.Body), p.Secret) && !privateToRequester(m) {
				e.t.Errorf("pass %s found in a %s message in %s", p.MethodID, m.Kind, m.Channel)
			}
		}
	}
	if strings.Contains(logs, azureSecret) || strings.Contains(logs, signing) || strings.Contains(logs, botToken) || strings.Contains(logs, appToken) || strings.Contains(logs, auditKey) {
		e.t.Error("a configured secret reached the logs")
	}
	if bytes.Contains(db, []byte(auditKey)) {
		e.t.Error("the audit key is in the database it protects")
	}
	sent := e.slack.AllText()
	for _, secret := range []string{azureSecret, signing, botToken, appToken, auditKey} {
		if strings.Contains(sent, secret) {
			e.t.Error("a configured secret was sent to Slack")
		}
	}
}

// privateToRequester reports whether m is a place a pass may be: an
// ephemeral message in a DM, posted with chat.postEphemeral or in answer
// to a click there (a response_url post that is ephemeral and replaces
// nothing), and never in its notification text.
func privateToRequester(m slacktest.Message) bool {
	inDM := strings.HasPrefix(m.Channel, "D")
	switch m.Kind {
	case slacktest.KindPostEphemeral:
		return inDM
	case slacktest.KindResponseURL:
		return inDM && m.ResponseType == "ephemeral" && !m.ReplaceOriginal
	}
	return false
}

// post sends a form to path signed as Slack would, at the given time.
func (e *env) post(path string, form url.Values, ts time.Time) (int, string) {
	e.t.Helper()
	req, err := slacktest.NewSignedRequest(context.Background(), e.base+path, form, signing, ts)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// command types "/tap text" as user in #helpdesk and returns the ack text.
func (e *env) command(user, text string) string {
	e.t.Helper()
	form, err := e.slack.SlashCommand(user, generalCh, text)
	if err != nil {
		e.t.Fatal(err)
	}
	status, body := e.post("/slack/commands", form, time.Now())
	if status != http.StatusOK {
		e.t.Fatalf("/tap %s: HTTP %d %s", text, status, body)
	}
	var msg slack.Msg
	if err := json.Unmarshal([]byte(body), &msg); err != nil {
		e.t.Fatalf("ack is not JSON: %s", body)
	}
	if msg.ResponseType != slack.ResponseTypeEphemeral {
		e.t.Fatalf("ack is not ephemeral: %s", body)
	}
	return msg.Text
}

// click presses a button on m as user and returns the HTTP status.
func (e *env) click(user string, m slacktest.Message, action string) int {
	e.t.Helper()
	cb, err := e.slack.Click(user, m, action)
	if err != nil {
		e.t.Fatal(err)
	}
	form, err := slacktest.BlockActionForm(cb)
	if err != nil {
		e.t.Fatal(err)
	}
	status, _ := e.post("/slack/interactions", form, time.Now())
	return status
}

// waitFor returns the first Slack message pred accepts that no earlier
// waitFor returned, waiting for it if need be. Unlike slacktest's WaitFor it
// passes over nothing for good: messages arrive in whatever order the bot's
// background work produces them.
func (e *env) waitFor(what string, pred func(slacktest.Message) bool) slacktest.Message {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := e.slack.Take(ctx, pred)
	if err != nil {
		e.t.Fatalf("waiting for %s: %v\nlogs:\n%s", what, err, e.logs.String())
	}
	return m
}

// shown is what a message displays, with JSON's escapes of <, > and & undone.
func shown(m slacktest.Message) string {
	return m.Text + "\n" + jsonUnescape.Replace(string(m.Blocks))
}

var jsonUnescape = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

func kind(k, channel, contains string) func(slacktest.Message) bool {
	return func(m slacktest.Message) bool {
		return m.Kind == k && (channel == "" || m.Channel == channel) && strings.Contains(shown(m), contains)
	}
}

// lateClick presses a button as it was on an old copy of a card, the way a
// phone that has not refreshed still shows it.
func (e *env) lateClick(user, action, requestID string) {
	e.t.Helper()
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, ResponseURL: e.slack.ResponseURL("late-" + user + action)}
	cb.User.ID, cb.User.Name = user, strings.ToLower(user)
	cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: action, Value: requestID}}
	form, err := slacktest.BlockActionForm(cb)
	if err != nil {
		e.t.Fatal(err)
	}
	if status, _ := e.post("/slack/interactions", form, time.Now()); status != http.StatusOK {
		e.t.Fatalf("late click: HTTP %d", status)
	}
}

// card waits for the approval card of a new request.
func (e *env) card() slacktest.Message {
	return e.waitFor("approval card", kind(slacktest.KindPostMessage, approvalsCh, "Temporary Access Pass request"))
}

// reply waits for the next response_url message containing s.
func (e *env) reply(s string) slacktest.Message {
	return e.waitFor(fmt.Sprintf("a reply saying %q", s), kind(slacktest.KindResponseURL, "", s))
}

func (e *env) dmOf(user string) string {
	dm, _ := e.slack.IMChannel(user)
	return dm
}
