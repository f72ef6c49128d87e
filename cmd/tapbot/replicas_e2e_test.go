package main

import (
	"context"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/approvals/pgstore"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/internal/logbuf"
)

// replicaLease is the TAPBOT_LEASE_TTL of the replica tests: short, so
// that a replica's leases move within the test; nothing waits for it to
// pass, only for what follows from it.
const replicaLease = "2s"

// onPostgresReplicas is onPostgres for replicas that share the database.
func onPostgresReplicas(t *testing.T, vars map[string]string) map[string]string {
	out := maps.Clone(vars)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, onPostgres(t))
	out["TAPBOT_LEASE_TTL"] = replicaLease
	return out
}

// replica is another tapbot serving beside e's, in this process, on e's
// database and fakes: what a second pod behind the same load balancer is.
type replica struct {
	app  *App
	base string
	stop func()
}

// startReplica starts a replica of e's tapbot with e.vars and extra over
// them, logging into e.logs, and waits until it is ready.
func (e *env) startReplica(extra map[string]string) *replica {
	t := e.t
	t.Helper()
	vars := maps.Clone(e.vars)
	maps.Copy(vars, extra)
	cfg, err := LoadConfig(nil, func(k string) string { return vars[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{HTTPClient: e.graph.Client(), Now: e.clock.Now, Stdout: &logbuf.Buffer{}, Reload: make(chan os.Signal, 1)}
	app, err := NewApp(cfg, deps, newLogger(cfg, e.logs))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	r := &replica{app: app, base: "http://" + ln.Addr().String()}
	var stopped bool
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("replica serve: %v", err)
		}
	}
	t.Cleanup(r.stop)
	waitReadyAt(t, r.base)
	return r
}

// waitReadyAt waits until the tapbot at base answers /readyz with 200.
func waitReadyAt(t *testing.T, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the tapbot at %s never became ready", base)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// postTo sends form to path of the tapbot at base, signed as Slack would
// at ts, and returns the status.
func (e *env) postTo(base, path string, form map[string][]string, ts time.Time) int {
	e.t.Helper()
	req, err := slacktest.NewSignedRequest(context.Background(), base+path, form, signing, ts)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// cardsPosted counts the approval cards Slack got.
func (e *env) cardsPosted() int {
	n := 0
	for _, m := range e.slack.Messages() {
		if m.Kind == slacktest.KindPostMessage && m.Channel == approvalsCh && strings.Contains(shown(m), "Temporary Access Pass request") {
			n++
		}
	}
	return n
}

func TestASignedRequestOneReplicaTookIsRefusedByTheOther(t *testing.T) {
	e := startEnv(t, onPostgresReplicas(t, nil))
	other := e.startReplica(nil)
	form, err := e.slack.SlashCommand(requester, generalCh, "alice@contoso.com 1h new phone")
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Now()
	if status := e.postTo(e.base, "/slack/commands", form, ts); status != http.StatusOK {
		t.Fatalf("first replica: HTTP %d", status)
	}
	if status := e.postTo(other.base, "/slack/commands", form, ts); status != http.StatusUnauthorized {
		t.Fatalf("the same signed request replayed to the other replica: HTTP %d, want 401", status)
	}
	e.card()
	other.stop()
	e.stopOnce()
	if n := e.cardsPosted(); n != 1 {
		t.Fatalf("%d approval cards, want 1: a replay through the other replica raised a request", n)
	}
}

func TestASocketModeEnvelopeOneReplicaTookIsNotActedOnByTheOther(t *testing.T) {
	e := startEnv(t, onPostgresReplicas(t, socketVars))
	e.startReplica(nil) // its own Socket Mode connection to the same app
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.slack.WaitForSockets(ctx, 2); err != nil {
		t.Fatalf("the replicas did not both connect: %v\nlogs:\n%s", err, e.logs.String())
	}
	e.socketCommand(requester, "alice@contoso.com 1h new phone")
	e.card()
	payload, err := e.slack.RedeliverElsewhere(ctx, e.slack.LastEnvelopeID(), "timeout")
	if err != nil {
		t.Fatalf("re-delivery to the other replica: %v", err)
	}
	if payload != nil {
		t.Fatalf("the other replica acked the re-delivery with %s, want an empty ack", payload)
	}
	e.stopOnce()
	reqs := e.requestsIn()
	if len(reqs) != 1 || e.cardsPosted() != 1 {
		t.Fatalf("%d requests and %d cards, want one of each: the re-delivery was acted on again", len(reqs), e.cardsPosted())
	}
	if !strings.Contains(e.logs.String(), "already taken by another replica") {
		t.Error("no log line says the re-delivery was taken elsewhere")
	}
}

var auditLineSeq = regexp.MustCompile("^`#(\\d+)`")

func TestTwoReplicasMirrorEachAuditEventOnce(t *testing.T) {
	const auditCh = "CAUDIT"
	vars := onPostgresReplicas(t, map[string]string{"SLACK_AUDIT_CHANNEL": auditCh})
	e, deps := newFakes(t, vars, nil)
	e.slack.AddChannel(auditCh, "tap-audit", true)
	e.startApp(deps)
	t.Cleanup(func() { e.stopOnce() })
	e.waitReady()
	other := e.startReplica(nil)
	e.deliverOne()
	e.waitFor("the delivery mirrored", kind(slacktest.KindPostMessage, auditCh, "*delivered*"))
	other.stop()
	e.stopOnce()
	seen := map[string]int{}
	for _, m := range e.slack.Messages() {
		if m.Kind == slacktest.KindPostMessage && m.Channel == auditCh {
			if s := auditLineSeq.FindStringSubmatch(strings.TrimPrefix(m.Text, bannerOf(m.Text))); s != nil {
				seen[s[1]]++
			}
		}
	}
	if len(seen) == 0 {
		t.Fatal("no audit line was mirrored")
	}
	for seq, n := range seen {
		if n != 1 {
			t.Errorf("audit event %s mirrored %d times by two replicas, want once", seq, n)
		}
	}
}

// bannerOf is what precedes an audit line's "`#seq`": the sandbox banner,
// when there is one.
func bannerOf(text string) string {
	if i := strings.Index(text, "`#"); i > 0 {
		return text[:i]
	}
	return ""
}

// requestsIn lists the requests of e's database, PostgreSQL or bbolt; the
// tapbots on it must have stopped.
func (e *env) requestsIn() []*approvals.Request {
	e.t.Helper()
	st := e.openStored()
	defer st.Close()
	reqs, err := st.List(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return reqs
}

// openStored opens e's database, PostgreSQL or bbolt, with the audit key.
func (e *env) openStored() approvals.Store {
	e.t.Helper()
	key := approvals.WithAuditKey([]byte(auditKey))
	if url := e.vars["TAPBOT_DATABASE_URL"]; url != "" {
		st, err := pgstore.Open(context.Background(), url, key)
		if err != nil {
			e.t.Fatal(err)
		}
		return st
	}
	st, err := approvals.Open(e.dbPath, key)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}
