package doctor

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// The checks against live fakes run through the whole binary in
// cmd/tapbot (TestDoctorReportsEachCheckPassingOrFailingWithItsFix); this
// test holds doctor to its own promises with Settings alone.
func TestDoctorChecksOnlyWhatIsServedAndNeverPrintsASecret(t *testing.T) {
	const secret = "xoxb-not-for-printing"
	s := Settings{
		Problems: []string{"SLACK_BOT_TOKEN: " + secret + " was revoked"},
		Secrets:  []string{secret},
		Outbound: Outbound{Description: "direct (no proxy)"},
		DBPath:   filepath.Join(t.TempDir(), "tapbot.db"),
		Sandbox:  true,
	}
	var out bytes.Buffer
	err := Run(s, &out)
	if err == nil || err.Error() != "doctor: 4 of 8 checks failed" {
		t.Errorf("Run = %v, want doctor: 4 of 8 checks failed", err)
	}
	for _, want := range []string{
		"✗ configuration: 1 problem(s):", "SLACK_BOT_TOKEN: [redacted] was revoked",
		"✓ outbound network: direct (no proxy)", "does not exist yet; its directory is writable",
		"✗ audit key: TAPBOT_AUDIT_KEY is not set", "✓ metrics listener: off",
		"✓ microsoft graph: sandbox mode", "✗ requesters: none configured", "✗ approvers: none configured",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out.String(), secret) || strings.Contains(out.String(), "slack") {
		t.Errorf("a secret or a Slack check in the output of a tapbot without Slack")
	}
	if t.Failed() {
		t.Logf("doctor output:\n%s", out.String())
	}
}

func TestAMissingSlackTokenIsCalledMissingAndTheSummaryCountsEveryLine(t *testing.T) {
	s := Settings{
		Problems:   []string{"SLACK_BOT_TOKEN: missing"},
		DBPath:     filepath.Join(t.TempDir(), "tapbot.db"),
		Sandbox:    true,
		Slack:      &Slack{ApprovalChannel: "CAPPROVAL"},
		Requesters: []string{"slack:UREQ0001"}, Approvers: []string{"slack:UAPP0001"},
	}
	var out bytes.Buffer
	_ = Run(s, &out)
	for _, want := range []string{
		"- slack token: skipped: SLACK_BOT_TOKEN is missing (see configuration)\n",
		"\n4 passed, 2 failed, 0 warnings, 4 skipped.\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out.String(), "not a bot token") {
		t.Error("a missing token is called the wrong kind of token")
	}
	if t.Failed() {
		t.Logf("doctor output:\n%s", out.String())
	}
}
