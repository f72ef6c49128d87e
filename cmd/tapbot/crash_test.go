package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/internal/logbuf"
	"github.com/tapbot/tapbot/internal/pgtest"
)

// TestMain lets the test binary be the tapbot binary: with
// TAPBOT_TEST_AS_MAIN=1 it runs main's code path (run) instead of the tests,
// so the crash tests start, kill and restart real tapbot processes without
// linking the whole of Graph a second time.
func TestMain(m *testing.M) {
	if os.Getenv("TAPBOT_TEST_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(pgtest.Main(m)) // stops the PostgreSQL cluster of the tests on it
}

// proc is a tapbot process started by a test.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	done chan error
}

var servingAddr = regexp.MustCompile(`msg="tapbot serving" addr=(\S+)`)

// startProc runs "tapbot serve" with e's environment plus extra, logging
// into e.logs, and waits until it serves. The fake Graph's certificate is
// trusted through SSL_CERT_FILE, as an operator's own CA would be.
func startProc(e *env, extra map[string]string) *proc {
	t := e.t
	t.Helper()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, e.graph.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := maps.Clone(e.vars)
	vars["TAPBOT_LISTEN"], vars["SSL_CERT_FILE"], vars["TAPBOT_LOG_LEVEL"] = "127.0.0.1:0", ca, "info"
	maps.Copy(vars, extra)
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = []string{"TAPBOT_TEST_AS_MAIN=1", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(e.logs, line)
			if m := servingAddr.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case a := <-addr:
		p.base = "http://" + a
	case err := <-p.done:
		t.Fatalf("tapbot exited before serving: %v\n%s", err, e.logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("tapbot did not start\n%s", e.logs.String())
	}
	e.base = p.base
	return p
}

// waitKilled waits for the process to die of SIGKILL at its crash point.
func (p *proc) waitKilled(logs *logbuf.Buffer) {
	p.t.Helper()
	select {
	case err := <-p.done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			p.t.Fatalf("tapbot ended with %v, want SIGKILL at the crash point\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		p.t.Fatalf("tapbot never reached its crash point\n%s", logs.String())
	}
}

// terminate sends SIGTERM and waits for a clean exit.
func (p *proc) terminate() {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Fatalf("tapbot did not shut down cleanly: %v", err)
		}
	case <-time.After(60 * time.Second):
		p.t.Fatal("tapbot did not stop after SIGTERM")
	}
}

// send posts a signed form and ignores transport errors: the process may
// die at a crash point before it has answered.
func (e *env) send(path string, form map[string][]string) {
	req, err := slacktest.NewSignedRequest(context.Background(), e.base+path, form, signing, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func (e *env) sendCommand(user, text string) {
	form, err := e.slack.SlashCommand(user, generalCh, text)
	if err != nil {
		e.t.Fatal(err)
	}
	e.send("/slack/commands", form)
}

func (e *env) sendClick(user string, m slacktest.Message, action string) {
	cb, err := e.slack.Click(user, m, action)
	if err != nil {
		e.t.Fatal(err)
	}
	form, err := slacktest.BlockActionForm(cb)
	if err != nil {
		e.t.Fatal(err)
	}
	e.send("/slack/interactions", form)
}

// crashPoints are the points of an immediately delivered request's life
// at which the crash tests kill tapbot, in the order it passes them. A
// delivered pass is recorded after its delivery, in one commit with it, so
// CrashIssued (a failed delivery recorded) is not on this path.
var crashPoints = []string{approvals.CrashRaised, approvals.CrashApproved, approvals.CrashIssuing,
	approvals.CrashCreated, approvals.CrashDelivered}

func TestKilledAnywhereEveryRequestEndsRight(t *testing.T) {
	if testing.Short() {
		t.Skip("starts tapbot processes")
	}
	for _, point := range crashPoints {
		t.Run(point, func(t *testing.T) {
			e, _ := newFakes(t, nil, nil)
			t.Cleanup(e.scanForLeaks)
			first := startProc(e, map[string]string{"TAPBOT_TEST_CRASH_AT": point})
			e.sendCommand(requester, "alice@contoso.com 1h crash test")
			if point != approvals.CrashRaised {
				e.sendClick(approver1, e.card(), "tap_approve")
			}
			first.waitKilled(e.logs)

			second := startProc(e, nil) // same database: Resume finishes the work
			if point == approvals.CrashRaised {
				e.sendClick(approver1, e.card(), "tap_approve") // the card Resume posted
			}
			end := e.waitFor("the request to end", func(m slacktest.Message) bool {
				return m.Kind == slacktest.KindUpdate && m.Channel == approvalsCh &&
					(strings.Contains(shown(m), "Issued and delivered") || strings.Contains(shown(m), "Pass revoked"))
			})
			if strings.Contains(shown(end), "Pass revoked") {
				// The requester may not have the pass: they can get a new one.
				notice := e.waitFor("revocation notice", kind(slacktest.KindPostMessage, "", "was revoked"))
				e.sendClick(requester, notice, "tap_reissue")
				e.waitFor("the re-issued request delivered", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
			}
			second.terminate()
			checkCrashInvariants(t, e)
		})
	}
}

// checkCrashInvariants proves, from the database and the fakes' records,
// that the request ended once and right: final state, one approval, no live
// pass that nobody received, and none delivered twice.
func checkCrashInvariants(t *testing.T, e *env) {
	t.Helper()
	store := e.openStored() // the bbolt file, or PostgreSQL (replicas_e2e_test.go)
	defer store.Close()
	reqs, _ := store.List(nil)
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.State != approvals.StateDelivered || len(r.Approvals) != 1 {
		t.Fatalf("request ended %s with %d approvals", r.State, len(r.Approvals))
	}
	if _, err := store.VerifyAuditLog(approvals.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	deliveries := map[string]int{}
	for _, m := range e.slack.Messages() {
		for _, p := range e.graph.Issued() {
			if privateToRequester(m) && strings.Contains(shown(m), p.Secret) {
				deliveries[p.Secret]++
			}
		}
	}
	live := e.graph.Passes("alice@contoso.com")
	if len(live) != 1 || live[0].MethodID != r.MethodID {
		t.Fatalf("live passes %v, want exactly the request's %s", live, r.MethodID)
	}
	for _, p := range e.graph.Issued() {
		isLive := p.MethodID == live[0].MethodID
		switch n := deliveries[p.Secret]; {
		case isLive && n != 1:
			t.Errorf("the live pass %s was delivered %d times, want once", p.MethodID, n)
		case !isLive && n > 1:
			t.Errorf("replaced pass %s was delivered %d times", p.MethodID, n)
		}
	}
	t.Logf("passes created %d (re-created after the crash: %d), approvals %d, re-issues %d",
		len(e.graph.Issued()), len(e.graph.Issued())-1-r.Reissues, len(r.Approvals), r.Reissues)
}

// TestKilledAroundShowPassEveryRequestEndsRight is the crash test of
// Show pass delivery: killed after the approval and before the click, the
// restarted tapbot creates no pass until the click; killed between
// creating the pass and showing it, the pass is revoked and the requester
// can re-issue it.
func TestKilledAroundShowPassEveryRequestEndsRight(t *testing.T) {
	if testing.Short() {
		t.Skip("starts tapbot processes")
	}
	button := map[string]string{"TAPBOT_DELIVERY": "button"}
	for _, point := range []string{approvals.CrashApproved, approvals.CrashOffered, approvals.CrashIssuing, approvals.CrashCreated, approvals.CrashDelivered} {
		t.Run(point, func(t *testing.T) {
			e, _ := newFakes(t, nil, nil)
			t.Cleanup(e.scanForLeaks)
			first := startProc(e, map[string]string{"TAPBOT_TEST_CRASH_AT": point, "TAPBOT_DELIVERY": "button"})
			e.sendCommand(requester, "alice@contoso.com 1h crash test")
			e.sendClick(approver1, e.card(), "tap_approve")
			beforeClick := point == approvals.CrashApproved || point == approvals.CrashOffered
			if !beforeClick {
				e.sendClick(requester, e.waitFor("the Show pass offer", kind(slacktest.KindPostMessage, "", "press *Show pass*")), "tap_showpass")
			}
			first.waitKilled(e.logs)

			second := startProc(e, button) // Resume has run once it serves
			if beforeClick {
				if n := len(e.graph.Issued()); n != 0 {
					t.Fatalf("%d passes created after a restart before anyone pressed Show pass", n)
				}
				offer := e.waitFor("the Show pass offer after the restart", kind(slacktest.KindPostMessage, "", "press *Show pass*"))
				e.sendClick(requester, offer, "tap_showpass")
			} else {
				if live := e.graph.Passes("alice@contoso.com"); len(live) != 0 {
					t.Fatalf("after the restart %d passes nobody saw are live", len(live))
				}
				notice := e.waitFor("revocation notice", kind(slacktest.KindPostMessage, "", "was revoked"))
				e.sendClick(requester, notice, "tap_reissue")
			}
			e.waitFor("the pass shown in answer to the click", kind(slacktest.KindResponseURL, "", "Temporary Access Pass for"))
			e.waitFor("the request delivered", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
			second.terminate()
			checkCrashInvariants(t, e)
		})
	}
}

func TestSigtermFinishesWorkInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a tapbot process")
	}
	e, _ := newFakes(t, nil, nil)
	t.Cleanup(e.scanForLeaks)
	p := startProc(e, nil)
	e.sendCommand(requester, "alice@contoso.com 1h")
	card := e.card()
	e.graph.SetLatency(time.Second)
	e.sendClick(approver1, card, "tap_approve")
	// Wait until the pass is being created, then ask tapbot to stop.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !graphSaw(e, http.MethodPost, "temporaryAccessPassMethods") {
		select {
		case <-ctx.Done():
			t.Fatal("the pass was never requested from Graph")
		case <-time.After(10 * time.Millisecond):
		}
	}
	p.terminate()
	store, err := approvals.Open(e.dbPath) // closed cleanly: no lock left
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	reqs, _ := store.List(nil)
	if len(reqs) != 1 || reqs[0].State != approvals.StateDelivered {
		t.Fatalf("after SIGTERM the request is %s, want delivered", reqs[0].State)
	}
	if !strings.Contains(e.logs.String(), "shutting down") {
		t.Error("no shutdown log line")
	}
}

func graphSaw(e *env, method, pathPart string) bool {
	for _, r := range e.graph.Requests() {
		if r.Method == method && strings.Contains(r.Path, pathPart) {
			return true
		}
	}
	return false
}
