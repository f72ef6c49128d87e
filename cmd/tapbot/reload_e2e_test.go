package main

import (
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/tapbot/tapbot/approvals"
)

func TestPolicyFileIsReloadedOnSIGHUPAndAnInvalidOneIsRefusedWhole(t *testing.T) {
	path := policyFile(t, "approvalsRequired: 1\n")
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": path})
	e.command(outsider, "alice@contoso.com 1h")
	e.reply("not allowed to request")

	writePolicy(t, path, "requesters: ["+outsider+"]\n")
	e.hup <- syscall.SIGHUP
	e.waitLog("the reload", `msg="policy reloaded"`, "SIGHUP")
	e.command(outsider, "alice@contoso.com 1h")
	e.card() // the new requester's request reached the approvers

	writePolicy(t, path, "requesters: [not-a-slack-id]\nbogus: 1\n")
	e.hup <- syscall.SIGHUP
	e.waitLog("the refusal", `msg="policy file not reloaded; the running policy stays"`, "SIGHUP")
	e.command(outsider, "carol@contoso.com 1h")
	e.card() // still a requester: the whole file was refused

	e.stopOnce()
	reloads, logged := 0, strings.Count(e.logs.String(), `msg="policy reloaded"`)
	store, err := approvals.Open(e.dbPath, approvals.WithAuditKey([]byte(auditKey)))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	events, err := store.Audit(e.clock.Now().AddDate(-1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if ev.Type == approvals.EventPolicyReloaded {
			reloads++
			if !strings.Contains(ev.Detail, path+" sha256:") || strings.Contains(ev.Detail, outsider) {
				t.Errorf("reload event detail %q: want the file and its digest, not its content", ev.Detail)
			}
		}
	}
	if reloads == 0 || reloads != logged {
		t.Errorf("%d policy-reloaded audit events for %d reloads logged", reloads, logged)
	}
	if _, err := store.VerifyAuditLog(approvals.VerifyOptions{Key: []byte(auditKey)}); err != nil {
		t.Errorf("audit log after reloads: %v", err)
	}
}

func writePolicy(t *testing.T, path, yaml string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRealSIGHUPReloadsThePolicyFile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a tapbot process")
	}
	path := policyFile(t, "approvalsRequired: 1\n")
	e, _ := newFakes(t, map[string]string{"TAPBOT_POLICY_FILE": path}, nil)
	t.Cleanup(e.scanForLeaks)
	p := startProc(e, nil)
	writePolicy(t, path, "requesters: ["+outsider+"]\n")
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	e.waitLog("the reload after SIGHUP", `msg="policy reloaded"`, "SIGHUP")
	e.sendCommand(outsider, "alice@contoso.com 1h")
	e.card()
	p.terminate()
}

func TestEditedPolicyFileIsReloadedWithoutASignal(t *testing.T) {
	path := policyFile(t, "approvalsRequired: 1\n")
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": path})
	writePolicy(t, path, "requesters: ["+outsider+"]\napprovalsRequired: 1\n") // another size: seen at the next sweep
	e.waitLog("the reload of the edited file", `msg="policy reloaded"`, "file changed")
	e.command(outsider, "alice@contoso.com 1h")
	e.card()
}
