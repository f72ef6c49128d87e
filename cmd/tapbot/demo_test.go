package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runDemo runs "tapbot <args>" in-process with the given environment and
// returns the exit code, stdout and stderr.
func runDemo(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDemoPlaysTheWholeFlowAndEndsWithTheVerifiedAuditLog(t *testing.T) {
	// The operator's settings must not matter: these would point the demo
	// at a real tenant, an unreachable Slack and a database of theirs.
	operatorDB := filepath.Join(t.TempDir(), "operator.db")
	operator := map[string]string{
		"TAPBOT_DB": operatorDB, "TAPBOT_GRAPH": "live", "SLACK_API_URL": "http://127.0.0.1:1/",
		"TAPBOT_REQUESTERS": "UNOBODY01", "SLACK_BOT_TOKEN": "xoxb-operator",
	}
	code, out, errOut := runDemo(t, operator, "demo")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	assertInOrder(t, out,
		"two customer tenants", "contoso (contoso.com) and fabrikam (fabrikam.com)", "in MSP mode",
		"Step 1", "/tap alice@contoso.com 12h", "outside this tenant's Temporary Access Pass policy",
		"Step 2", "/tap alice@contoso.com 2h once", "tapbot in #tap-approvals:",
		"@Rita asks for a pass for Alice Andersen (Contoso)", "in tenant contoso", "Temporary Access Pass request", "[ Approve ]  [ Deny ]", "(contoso) is waiting for approval", "[ Cancel request ]",
		"Step 3", "Rita (requester) presses [ Approve ]", "can't approve your own request",
		"Step 4", "Fay (fabrikam's approver) presses [ Approve ]", "not an approver for tenant contoso",
		"Step 5", "Sam (approver) presses [ Approve ]",
		"(only Rita sees this; Slack does not keep it)", "[contoso] 🔑 Temporary Access Pass for Alice Andersen (Contoso)", "Approved by @Sam.", "That pass is FAKE",
		"Issued and delivered privately to @Rita", "created in contoso's directory",
		"Step 6", "/tap alice@fabrikam.com", "@Rita asks for a pass for Alice Andersen (Fabrikam)", "in tenant fabrikam",
		"Step 7", "Fay (fabrikam's approver) presses [ Approve ]", "[fabrikam] 🔑 Temporary Access Pass for Alice Andersen (Fabrikam)",
		"Issued and delivered privately to @Rita", "created in fabrikam's directory alone",
		"Step 8", "/tap eve@tailspin.example", "No tenant has the domain tailspin.example", "TAPBOT_TENANTS_FILE",
		"The audit log", "tenant", "raised", "contoso", "Rita (requester)", "step 2", "approved", "contoso", "Sam (approver)", "step 5",
		"issuing", "issued", "delivered", "raised", "fabrikam", "Rita (requester)", "step 6",
		"approved", "fabrikam", "Fay (fabrikam's approver)", "step 7", "delivered", "fabrikam",
		"Steps 1, 3, 4 and 8 were refused", "Hash chain verified: 10 events",
		"Checked: neither pass is anywhere in the database file",
		"TAPBOT_TENANTS_FILE=deploy/tenants.sandbox.yaml",
	)
	assertEveryBotMessageHasTheBanner(t, out)
	passes := passesShown(t, out)
	if len(passes) != 2 || passes[0] == passes[1] {
		t.Fatalf("passes shown %q, want contoso's and fabrikam's", passes)
	}
	for _, pass := range passes {
		if n := strings.Count(out, pass); n != 1 {
			t.Errorf("the pass %q appears %d times in the transcript, want once (Rita's private message)", pass, n)
		}
	}
	if _, err := os.Stat(operatorDB); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the demo touched the operator's TAPBOT_DB: %v", err)
	}
}

func TestDemoKeepsItsDatabaseOnlyInANewFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	if code, out, errOut := runDemo(t, nil, "demo", "--db", db); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut := runDemo(t, nil, "audit", "verify", "--db", db)
	if code != 0 || !strings.Contains(out, "10 events, hash chain verified") {
		t.Fatalf("audit verify of the kept database: exit %d: %s%s", code, out, errOut)
	}
	code, out, errOut = runDemo(t, nil, "audit", "export", "--db", db)
	if code != 0 {
		t.Fatalf("audit export of the kept database: exit %d: %s", code, errOut)
	}
	tenants := map[string]int{}
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		var ev struct{ TenantName, Tenant string }
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		tenants[ev.TenantName+" "+ev.Tenant]++
	}
	want := map[string]int{"contoso 11111111-1111-1111-1111-111111111111": 5, "fabrikam 22222222-2222-2222-2222-222222222222": 5}
	if !maps.Equal(tenants, want) {
		t.Errorf("exported events by tenant %v, want %v", tenants, want)
	}
	code, _, errOut = runDemo(t, nil, "demo", "--db", db)
	if code != 1 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("second demo into the same file: exit %d: %s", code, errOut)
	}
}

// assertInOrder fails unless every one of wants occurs in s, each after the
// one before it.
func assertInOrder(t *testing.T, s string, wants ...string) {
	t.Helper()
	rest := s
	for _, w := range wants {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("transcript lacks %q after the earlier steps:\n%s", w, s)
		}
		rest = rest[i+len(w):]
	}
}

// assertEveryBotMessageHasTheBanner checks that each message the transcript
// shows from tapbot opens with the sandbox banner.
func assertEveryBotMessageHasTheBanner(t *testing.T, transcript string) {
	t.Helper()
	lines := strings.Split(transcript, "\n")
	shown := 0
	for i, line := range lines {
		if !strings.HasPrefix(line, "tapbot ") || !strings.HasSuffix(line, ":") {
			continue
		}
		shown++
		if i+1 >= len(lines) || !strings.Contains(lines[i+1], sandboxMark) {
			t.Errorf("message %q does not open with the sandbox banner", line)
		}
	}
	if shown < 8 {
		t.Errorf("only %d bot messages in the transcript", shown)
	}
}

// passesShown returns the passes as the transcript shows them: the
// indented line after each pass message's first line.
func passesShown(t *testing.T, transcript string) []string {
	t.Helper()
	lines := strings.Split(transcript, "\n")
	var passes []string
	for i, line := range lines {
		if strings.Contains(line, "🔑 Temporary Access Pass for") && i+1 < len(lines) {
			if pass := strings.TrimSpace(strings.TrimPrefix(lines[i+1], "  │ ")); pass != "" {
				passes = append(passes, pass)
			}
		}
	}
	if len(passes) == 0 {
		t.Fatalf("no pass in the transcript:\n%s", transcript)
	}
	return passes
}
