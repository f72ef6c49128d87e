package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// The chaos tests: two real tapbot processes (this test binary run as
// tapbot, as the crash tests do) on one PostgreSQL database, with leases
// of replicaLease. One is killed, or cut off from the database; the
// other must finish its work exactly once.

// sendTo posts form to path of the tapbot at base, signed as Slack would,
// and ignores what comes back: the process may die before it answers. It
// is safe from any goroutine.
func sendTo(base, path string, form url.Values) error {
	req, err := slacktest.NewSignedRequest(context.Background(), base+path, form, signing, time.Now())
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return nil
}

func TestFiftyApprovalsSplitAcrossTwoReplicaProcessesIssueOnePass(t *testing.T) {
	if testing.Short() {
		t.Skip("starts tapbot processes")
	}
	const n = 50
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("UMANY%03d", i))
	}
	e, _ := newFakes(t, onPostgresReplicas(t, map[string]string{"TAPBOT_APPROVERS": strings.Join(ids, ",")}), nil)
	for _, id := range ids {
		e.slack.AddUser(slacktest.User{ID: id, Name: strings.ToLower(id)})
	}
	t.Cleanup(e.scanForLeaks)
	one, other := startProc(e, nil), startProc(e, nil)
	e.base = one.base
	e.sendCommand(requester, "alice@contoso.com 1h")
	card := e.card()
	forms := e.pressesTwice(card, ids) // split between the replicas below
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, form := range forms {
		base := []string{one.base, other.base}[i%2]
		wg.Go(func() {
			<-start
			if err := sendTo(base, "/slack/interactions", form); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
	for range 2*n - 1 {
		e.reply("already approved")
	}
	one.terminate()
	other.terminate()
	if got := len(e.graph.AllIssued()); got != 1 {
		t.Fatalf("%d passes issued by two replicas, want 1", got)
	}
	if passes := e.passMessages(); passes != 1 {
		t.Fatalf("%d pass messages, want 1", passes)
	}
	checkCrashInvariants(t, e)
}

func TestAReplicaKilledAnywhereHasItsRequestFinishedOnceByTheOther(t *testing.T) {
	if testing.Short() {
		t.Skip("starts tapbot processes")
	}
	for _, point := range crashPoints {
		t.Run(point, func(t *testing.T) {
			e, _ := newFakes(t, onPostgresReplicas(t, nil), nil)
			t.Cleanup(e.scanForLeaks)
			survivor := startProc(e, nil)
			doomed := startProc(e, map[string]string{crashEnv: point})
			e.sendCommand(requester, "alice@contoso.com 1h crash test")
			if point != approvals.CrashRaised {
				e.sendClick(approver1, e.card(), "tap_approve")
			}
			doomed.waitKilled(e.logs)

			e.base = survivor.base // everything from here on reaches the survivor
			if point == approvals.CrashRaised {
				e.sendClick(approver1, e.card(), "tap_approve") // the card the survivor posted for the dead one
			}
			finishedOnce(t, e)
			survivor.terminate()
			checkCrashInvariants(t, e)
			if !strings.Contains(e.logs.String(), `msg="taking over request"`) {
				t.Error("the survivor never said it took the request over")
			}
		})
	}
}

// finishedOnce waits until e's one request ends, delivered or revoked as
// nobody could tell whether its pass arrived, and has a revoked one
// re-issued by its requester.
func finishedOnce(t *testing.T, e *env) {
	t.Helper()
	end := e.waitFor("the request to end", func(m slacktest.Message) bool {
		return m.Kind == slacktest.KindUpdate && m.Channel == approvalsCh &&
			(strings.Contains(shown(m), "Issued and delivered") || strings.Contains(shown(m), "Pass revoked"))
	})
	if strings.Contains(shown(end), "Pass revoked") {
		notice := e.waitFor("revocation notice", kind(slacktest.KindPostMessage, "", "was revoked"))
		e.sendClick(requester, notice, "tap_reissue")
		e.waitFor("the re-issued request delivered", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
	}
}

func TestAReplicaCutOffFromTheDatabaseLosesAndDuplicatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts tapbot processes")
	}
	// Cut off while issuing a pass (before Graph is called), and after
	// the pass was created and recorded but before it was delivered.
	for _, point := range []string{approvals.CrashIssuing, approvals.CrashCreated} {
		t.Run(point, func(t *testing.T) {
			e, _ := newFakes(t, onPostgresReplicas(t, nil), nil)
			t.Cleanup(e.scanForLeaks)
			proxy := startCutProxy(t, e.vars["TAPBOT_DATABASE_URL"])
			other := startProc(e, nil)
			cut := startProc(e, map[string]string{pauseEnv: point, "TAPBOT_DATABASE_URL": proxy.url})
			e.sendCommand(requester, "alice@contoso.com 1h chaos")
			e.sendClick(approver1, e.card(), "tap_approve")
			e.waitLog("the replica pausing at "+point, pausedLine)

			// The database goes away under it for as long as the other
			// replica needs to notice (its lease runs out) and finish.
			proxy.cut()
			e.base = other.base
			finishedOnce(t, e)
			cut.resume()
			e.waitLog("the cut-off replica leaving the request to the other", "lease on the database lost: leaving the request")

			proxy.restore()
			e.waitLog("the cut-off replica back on the database", "liveness lease ran out while the database was out of reach")
			e.base = cut.base
			waitReadyAt(t, cut.base)
			e.sendCommand(requester, "carol@contoso.com 1h after the outage")
			e.sendClick(approver2, e.card(), "tap_approve")
			e.waitFor("the request after the outage delivered", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
			cut.terminate()
			other.terminate()
			checkReplicaInvariants(t, e)
		})
	}
}

// checkReplicaInvariants proves, from the database and the fakes, that
// every request ended delivered with one approval, the audit chain
// verifies, every live pass is a delivered request's and was delivered
// once, and no pass was delivered twice.
func checkReplicaInvariants(t *testing.T, e *env) {
	t.Helper()
	store := e.openStored()
	defer store.Close()
	reqs, err := store.List(nil)
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]bool{}
	for _, r := range reqs {
		if r.State != approvals.StateDelivered || len(r.Approvals) != 1 {
			t.Errorf("request %s for %s ended %s with %d approvals", r.ID, r.Target.UPN, r.State, len(r.Approvals))
		}
		methods[r.MethodID] = true
	}
	if _, err := store.VerifyAuditLog(approvals.VerifyOptions{}); err != nil {
		t.Fatalf("the audit chain does not verify: %v", err)
	}
	deliveries := map[string]int{}
	for _, m := range e.slack.Messages() {
		for _, p := range e.graph.Issued() {
			if privateToRequester(m) && strings.Contains(shown(m), p.Secret) {
				deliveries[p.MethodID]++
			}
		}
	}
	for _, upn := range []string{"alice@contoso.com", "carol@contoso.com"} {
		for _, p := range e.graph.Passes(upn) {
			if !methods[p.MethodID] || deliveries[p.MethodID] != 1 {
				t.Errorf("live pass %s of %s: a request's %v, delivered %d times; want a delivered request's, once", p.MethodID, upn, methods[p.MethodID], deliveries[p.MethodID])
			}
		}
	}
	for id, n := range deliveries {
		if n > 1 {
			t.Errorf("pass %s delivered %d times", id, n)
		}
	}
}

// resume lets a process paused at its crash point (pauseEnv) go on.
func (p *proc) resume() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		p.t.Fatal(err)
	}
}

// cutProxy stands between a tapbot and PostgreSQL, forwarding TCP until it
// is cut: then every connection through it is closed and new ones are
// refused at once, as when the network to the database goes away, until
// it is restored.
type cutProxy struct {
	ln     net.Listener
	target string
	url    string // the database URL through the proxy

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]bool
}

// startCutProxy forwards to the database of dbURL; proxy.url reaches it
// through the proxy.
func startCutProxy(t *testing.T, dbURL string) *cutProxy {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: u.Host, conns: map[net.Conn]bool{}}
	u.Host = ln.Addr().String()
	p.url = u.String()
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
	})
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			c.Close()
			continue
		}
		go p.pipe(c)
	}
}

// track adds c to the open connections unless the proxy is cut.
func (p *cutProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return false
	}
	p.conns[c] = true
	return true
}

func (p *cutProxy) pipe(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil || !p.track(server) {
		return
	}
	defer server.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(server, client); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, server); done <- struct{}{} }()
	<-done
}

// cut closes every connection through the proxy and refuses new ones.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// restore lets connections through again.
func (p *cutProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}
