package main

import (
	"bytes"
	"errors"
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
		"Step 1", "/tap alice@contoso.com 12h", "outside this tenant's Temporary Access Pass policy",
		"Step 2", "/tap alice@contoso.com 2h once", "tapbot in #tap-approvals:", "Temporary Access Pass request",
		"@Rita asks for a pass for Alice Andersen", "[ Approve ]  [ Deny ]", "waiting for approval", "[ Cancel request ]",
		"Step 3", "Rita (requester) presses [ Approve ]", "can't approve your own request",
		"Step 4", "Sam (approver) presses [ Approve ]",
		"(only Rita sees this; Slack does not keep it)", "Temporary Access Pass for Alice Andersen", "Approved by @Sam.", "That pass is FAKE",
		"Issued and delivered privately to @Rita",
		"The audit log", "raised", "Rita (requester)", "step 2", "approved", "Sam (approver)", "step 4",
		"issuing", "issued", "delivered", "Steps 1 and 3 were refused", "Hash chain verified: 5 events",
		"Checked: the pass is nowhere in the database file",
	)
	assertEveryBotMessageHasTheBanner(t, out)
	if pass := passShown(t, out); strings.Count(out, pass) != 1 {
		t.Errorf("the pass %q appears %d times in the transcript, want once (Rita's private message)", pass, strings.Count(out, pass))
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
	if code != 0 || !strings.Contains(out, "5 events, hash chain verified") {
		t.Fatalf("audit verify of the kept database: exit %d: %s%s", code, out, errOut)
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

// passShown returns the pass as the transcript shows it: the indented line
// after the pass message's first line.
func passShown(t *testing.T, transcript string) string {
	t.Helper()
	lines := strings.Split(transcript, "\n")
	for i, line := range lines {
		if strings.Contains(line, "Temporary Access Pass for Alice Andersen") && i+1 < len(lines) {
			pass := strings.TrimSpace(strings.TrimPrefix(lines[i+1], "  │ "))
			if pass == "" {
				break
			}
			return pass
		}
	}
	t.Fatalf("no pass in the transcript:\n%s", transcript)
	return ""
}
