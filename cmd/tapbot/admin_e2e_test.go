package main

import (
	"bytes"
	"maps"
	"net"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/approvals"
)

// adminToken is the TAPBOT_ADMIN_TOKEN of the tests that set one.
const adminToken = "admin-token-0123456789abcdef"

// runAuditLive runs "tapbot audit <args> --db" while e's tapbot runs,
// asking it at its admin listener, with e's environment plus overrides
// ("" deletes a variable).
func runAuditLive(t *testing.T, e *env, overrides map[string]string, args ...string) (int, string, string) {
	t.Helper()
	vars := maps.Clone(e.vars)
	vars["TAPBOT_METRICS_LISTEN"] = e.app.MetricsAddr()
	maps.Copy(vars, overrides)
	maps.DeleteFunc(vars, func(_, v string) bool { return v == "" })
	var out, errOut bytes.Buffer
	if !slices.Contains(args, "--db") {
		args = append(args, "--db", e.dbPath)
	}
	code := run(append([]string{"audit"}, args...), func(k string) string { return vars[k] }, &out, &errOut)
	for _, s := range []string{out.String(), errOut.String()} {
		if strings.Contains(s, auditKey) || strings.Contains(s, adminToken) {
			t.Error("tapbot audit printed the audit key or the admin token")
		}
	}
	return code, out.String(), errOut.String()
}

func TestAuditExportAndVerifyAskTheRunningBot(t *testing.T) {
	e := startEnv(t, nil)
	e.deliverOne()
	code, live, errOut := runAuditLive(t, e, nil, "export")
	if code != 0 || strings.Count(live, "\n") != 5 || !strings.Contains(errOut, "asking it at "+e.app.MetricsAddr()) {
		t.Fatalf("export while the bot runs: exit %d\n%s%s", code, live, errOut)
	}
	code, out, errOut := runAuditLive(t, e, nil, "export", "--since", "1h", "--format", "csv")
	if code != 0 || strings.Count(out, "\n") != 6 {
		t.Fatalf("csv export since 1h while the bot runs: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runAuditLive(t, e, nil, "verify")
	if code != 0 || !strings.Contains(out, "audit log intact: 5 events") || !strings.Contains(out, "events 1..5: keyed, HMAC-SHA256 chain (MACs verified with TAPBOT_AUDIT_KEY)") {
		t.Fatalf("verify while the bot runs: exit %d\n%s%s", code, out, errOut)
	}
	head := regexp.MustCompile(`head: (5:[0-9a-f]{64})`).FindStringSubmatch(out)
	if head == nil {
		t.Fatalf("verify printed no head:\n%s", out)
	}
	code, out, _ = runAuditLive(t, e, nil, "verify", "--head", head[1])
	if code != 0 || !strings.Contains(out, "--head 5: matches; 0 event(s) appended after it") {
		t.Fatalf("verify --head while the bot runs: exit %d\n%s", code, out)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--format", "xml"}, `--format "xml": use jsonl or csv`},
		{[]string{"verify", "--head", "5:nothex"}, `the MAC of audit head "5:nothex" is not 64 hexadecimal digits`},
	} {
		if code, out, errOut := runAuditLive(t, e, nil, bad.args...); code != 1 || !strings.Contains(errOut, bad.want) {
			t.Errorf("%v while the bot runs: exit %d, want 1 and %q\n%s%s", bad.args, code, bad.want, out, errOut)
		}
	}

	other, err := approvals.Open(filepath.Join(t.TempDir(), "other.db")) // held, as by another bot
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if code, _, errOut := runAuditLive(t, e, nil, "export", "--db", other.Path()); code != 1 || !strings.Contains(errOut, "serves the database "+e.dbPath+", not "+other.Path()) {
		t.Fatalf("export of another bot's database asked this one: exit %d\n%s", code, errOut)
	}

	code, stopped, errOut := runAudit(t, e, nil, "export")
	if code != 0 || stopped != live {
		t.Fatalf("the running bot's export differs from the stopped file's (exit %d %s):\n%s\n---\n%s", code, errOut, live, stopped)
	}
}

func TestAdminEndpointsNeedTheBearerTokenOffLoopback(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_METRICS_LISTEN": ":0", "TAPBOT_ADMIN_TOKEN": adminToken})
	e.deliverOne()
	_, port, _ := net.SplitHostPort(e.app.MetricsAddr())
	listen := map[string]string{"TAPBOT_METRICS_LISTEN": ":" + port} // every interface, asked on loopback
	code, out, errOut := runAuditLive(t, e, map[string]string{"TAPBOT_ADMIN_TOKEN": "", "TAPBOT_METRICS_LISTEN": ":" + port}, "export")
	if code != 1 || out != "" || !strings.Contains(errOut, "answered 401 Unauthorized") || !strings.Contains(errOut, "Authorization: Bearer <TAPBOT_ADMIN_TOKEN>") {
		t.Fatalf("export without the admin token: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runAuditLive(t, e, map[string]string{"TAPBOT_ADMIN_TOKEN": "not-the-admin-token-at-all", "TAPBOT_METRICS_LISTEN": ":" + port}, "verify")
	if code != 1 || out != "" || !strings.Contains(errOut, "401") {
		t.Fatalf("verify with a wrong admin token: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut = runAuditLive(t, e, listen, "export"); code != 0 || strings.Count(out, "\n") != 5 {
		t.Fatalf("export with the admin token: exit %d\n%s%s", code, out, errOut)
	}
	if !e.logLine("admin request refused: no valid bearer token") {
		t.Errorf("refused admin requests were not logged:\n%s", e.logs.String())
	}

	open := startEnv(t, map[string]string{"TAPBOT_METRICS_LISTEN": ":0"}) // every interface, no token
	_, port, _ = net.SplitHostPort(open.app.MetricsAddr())
	code, out, errOut = runAuditLive(t, open, map[string]string{"TAPBOT_METRICS_LISTEN": ":" + port}, "export")
	if code != 1 || out != "" || !strings.Contains(errOut, "403 Forbidden") || !strings.Contains(errOut, "need TAPBOT_ADMIN_TOKEN") {
		t.Fatalf("export from a tapbot without admin token on every interface: exit %d\n%s%s", code, out, errOut)
	}
}
