package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// runDoctor runs "tapbot doctor" in-process with the environment e's app
// was started with, plus overrides ("" deletes a variable). The fake
// Graph's certificate is trusted through SSL_CERT_FILE, as an operator's
// CA would be.
func runDoctor(t *testing.T, e *env, overrides map[string]string) (int, string) {
	t.Helper()
	code, stdout, stderr := runDoctorArgs(t, e, overrides)
	return code, stdout + stderr
}

// runDoctorArgs is runDoctor with command-line arguments, and stdout (which
// --json keeps machine-readable) apart from stderr.
func runDoctorArgs(t *testing.T, e *env, overrides map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, e.graph.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"SSL_CERT_FILE": caFile}
	for k, v := range e.vars {
		vars[k] = v
	}
	for k, v := range overrides {
		vars[k] = v
	}
	var out, errs bytes.Buffer
	code = run(append([]string{"doctor"}, args...), func(k string) string { return vars[k] }, &out, &errs)
	return code, out.String(), errs.String()
}

// allRolesBut is every permission tapbot needs except one.
func allRolesBut(missing string) []string {
	var out []string
	for _, r := range graphtest.DefaultRoles() {
		if r != missing {
			out = append(out, r)
		}
	}
	return out
}

func TestDoctorReportsEachCheckPassingOrFailingWithItsFix(t *testing.T) {
	allPass := []string{
		"✓ configuration: complete",
		"✓ audit key: set: new audit events are chained with an HMAC under it",
		"✓ outbound network: direct (no proxy), extra CAs from SSL_CERT_FILE=",
		"✓ slack token: valid: bot @tapbot",
		"✓ slack scopes: commands, chat:write, im:write, users:read, users:read.email granted",
		"✓ slack approval channel CAPPROVAL: #tap-approvals, the bot is a member",
		"✓ graph sign-in: token obtained for app tapbot-client in tenant contoso-tenant",
		"✓ graph permissions: UserAuthMethod-TAP.ReadWrite.All, User.Read.All, Policy.Read.AuthenticationMethod,",
		"✓ tap policy: enabled; lifetime 1h to 8h, default 1h; 8 characters",
		"✓ requesters: 2 found (UREQ0001 @ureq0001, UBOTH001 @uboth001)",
		"✓ approvers: 3 found",
	}
	for _, tc := range []struct {
		name      string
		setup     func(t *testing.T, e *env) map[string]string
		wantCode  int
		wantLines []string // each must be part of one output line; every ✗ line must be wanted
	}{
		{"a complete setup passes and a running bot's database counts as in use", nil, 0,
			append([]string{"✓ database ", ": in use by a running tapbot", "13 passed, 0 failed, 0 warnings, 0 skipped.", "✓ metrics listener: GET /metrics on 127.0.0.1:0, reachable from this host only"}, allPass...)},
		{"a stopped bot's database is opened and found writable", func(t *testing.T, e *env) map[string]string {
			e.stopOnce()
			return nil
		}, 0, []string{fmt.Sprintf(": writable tapbot database (schema %d)", approvals.SchemaVersion)}},
		{"a database path under a regular file fails", func(t *testing.T, e *env) map[string]string {
			file := filepath.Join(t.TempDir(), "not-a-directory")
			if err := os.WriteFile(file, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return map[string]string{"TAPBOT_DB": filepath.Join(file, "tapbot.db")}
		}, 1, []string{"✗ database ", "not-a-directory/tapbot.db: cannot open: not a directory", "fix: point TAPBOT_DB at a file"}},
		{"a database in a missing directory fails", func(t *testing.T, e *env) map[string]string {
			return map[string]string{"TAPBOT_DB": filepath.Join(t.TempDir(), "gone", "tapbot.db")}
		}, 1, []string{"✗ database ", "gone/tapbot.db: does not exist and cannot be created"}},
		{"no audit key fails with how to make one", func(t *testing.T, e *env) map[string]string {
			return map[string]string{"TAPBOT_AUDIT_KEY_FILE": ""}
		}, 1, []string{"✗ audit key: TAPBOT_AUDIT_KEY is not set, so anyone who can write the database can rewrite the audit log undetected",
			"fix: create a key (openssl rand -base64 32), keep it outside the database's volume and backups, and give it as TAPBOT_AUDIT_KEY_FILE"}},
		{"an audit key the database's log was not written with fails the database check", func(t *testing.T, e *env) map[string]string {
			e.command(requester, "alice@contoso.com 1h") // one keyed event
			e.card()
			e.stopOnce()
			return map[string]string{"TAPBOT_AUDIT_KEY_FILE": "", "TAPBOT_AUDIT_KEY": "another-audit-key-0123456789abcdefgh"}
		}, 1, []string{"✗ database ", "TAPBOT_AUDIT_KEY is not the key this database's audit log was written with", "✓ audit key: set"}},
		{"a keyed database without its key fails", func(t *testing.T, e *env) map[string]string {
			e.command(requester, "alice@contoso.com 1h")
			e.card()
			e.stopOnce()
			return map[string]string{"TAPBOT_AUDIT_KEY_FILE": ""}
		}, 1, []string{"✗ database ", "its audit log is chained with an audit key since event 1, and TAPBOT_AUDIT_KEY is not set, so tapbot serve refuses to start",
			"fix: set TAPBOT_AUDIT_KEY_FILE to the key this database's audit log was written with", "✗ audit key: TAPBOT_AUDIT_KEY is not set"}},
		{"missing Slack scopes are named", func(t *testing.T, e *env) map[string]string {
			e.slack.SetScopes("chat:write", "users:read", "channels:read")
			return nil
		}, 1, []string{"✗ slack scopes: missing commands, im:write", "fix: Slack app → OAuth & Permissions → Bot Token Scopes: add commands, im:write"}},
		{"a token without users:read.email fails: requesters could not be matched to Entra", func(t *testing.T, e *env) map[string]string {
			e.slack.SetScopes("commands", "chat:write", "im:write", "users:read", "channels:read")
			return nil
		}, 1, []string{"✗ slack scopes: missing users:read.email"}},
		{"a revoked Slack token fails and the Slack checks after it are skipped", func(t *testing.T, e *env) map[string]string {
			return map[string]string{"SLACK_BOT_TOKEN": "xoxb-revoked-token-value"}
		}, 1, []string{"✗ slack token: auth.test failed: invalid_auth", "- slack approval channel CAPPROVAL: skipped: needs a valid Slack token",
			"- requesters: skipped: cannot look up slack:UREQ0001, slack:UBOTH001"}},
		{"an approval channel without the bot fails", func(t *testing.T, e *env) map[string]string {
			e.slack.AddChannel(approvalsCh, "tap-approvals", false)
			return nil
		}, 1, []string{"✗ slack approval channel CAPPROVAL: #tap-approvals exists but the bot is not a member", "fix: open the channel in Slack and type /invite @tapbot"}},
		{"an unknown approval channel fails", func(t *testing.T, e *env) map[string]string {
			return map[string]string{"SLACK_APPROVAL_CHANNEL": "CMISSING1"}
		}, 1, []string{"✗ slack approval channel CMISSING1: not found"}},
		{"a channel doctor may not read is a warning, not a failure", func(t *testing.T, e *env) map[string]string {
			e.slack.SetScopes(slacktest.DefaultScopes[:5]...) // the five tapbot needs, no channels:read
			return nil
		}, 0, []string{"! slack approval channel CAPPROVAL: cannot check: conversations.info needs channels:read"}},
		{"a missing Graph permission is named with where to grant it", func(t *testing.T, e *env) map[string]string {
			e.graph.SetRoles(allRolesBut("Policy.Read.AuthenticationMethod")...)
			return nil
		}, 1, []string{"✗ graph permissions: the token lacks Policy.Read.AuthenticationMethod", "Application permissions: add Policy.Read.AuthenticationMethod, then Grant admin consent",
			"✗ tap policy: "}},
		{"the broad Graph permissions pass, with a note naming the narrow ones", func(t *testing.T, e *env) map[string]string {
			e.graph.SetRoles(graphtest.BroadRoles()...)
			return nil
		}, 0, []string{"✓ graph permissions: UserAuthenticationMethod.ReadWrite.All, User.Read.All, Policy.Read.All,",
			"! graph permissions: broader than needed: UserAuthenticationMethod.ReadWrite.All can change every authentication method of every user; grant UserAuthMethod-TAP.ReadWrite.All instead",
			"! graph permissions: broader than needed: Policy.Read.All can read every policy of the tenant, Conditional Access included; grant Policy.Read.AuthenticationMethod instead",
			"✓ tap policy: enabled"}},
		{"neither the narrow nor the broad pass permission fails naming the narrow one", func(t *testing.T, e *env) map[string]string {
			e.graph.SetRoles(append(allRolesBut("UserAuthMethod-TAP.ReadWrite.All"), "UserAuthenticationMethod.Read.All")...)
			return nil
		}, 1, []string{"✗ graph permissions: the token lacks UserAuthMethod-TAP.ReadWrite.All", "Application permissions: add UserAuthMethod-TAP.ReadWrite.All, then Grant admin consent"}},
		{"a missing PIM for Groups permission is named: eligible admins could not be seen", func(t *testing.T, e *env) map[string]string {
			e.graph.SetRoles(allRolesBut("PrivilegedEligibilitySchedule.Read.AzureADGroup")...)
			return nil
		}, 1, []string{"✗ graph permissions: the token lacks PrivilegedEligibilitySchedule.Read.AzureADGroup",
			"Application permissions: add PrivilegedEligibilitySchedule.Read.AzureADGroup, then Grant admin consent"}},
		{"a missing group permission is fine while no Entra group is configured", func(t *testing.T, e *env) map[string]string {
			e.graph.SetRoles(allRolesBut("GroupMember.Read.All")...)
			return nil
		}, 0, []string{"✓ graph permissions: ", "GroupMember.Read.All is not, and no Entra group is configured that would need it"}},
		{"a missing group permission fails once an Entra group is configured", func(t *testing.T, e *env) map[string]string {
			e.graph.SetRoles(allRolesBut("GroupMember.Read.All")...)
			return map[string]string{"TAPBOT_APPROVERS": approver1 + ",entra-group:" + graphtest.DemoGroupHelpdesk}
		}, 1, []string{"✗ graph permissions: the token lacks GroupMember.Read.All", "not checked: entra-group:"}},
		{"a refused Graph sign-in fails", func(t *testing.T, e *env) map[string]string {
			e.graph.FailTokens("invalid_client", 5)
			return nil
		}, 1, []string{"✗ graph sign-in: Entra ID rejected tapbot's client secret", "- graph permissions: skipped: needs a Graph sign-in", "- tap policy: skipped"}},
		{"a disabled pass policy fails with where to enable it", func(t *testing.T, e *env) map[string]string {
			e.graph.SetPolicy(graphtest.Policy{State: "disabled"})
			return nil
		}, 1, []string{"✗ tap policy: Temporary Access Pass is disabled in this tenant", "Authentication methods → Policies → Temporary Access Pass"}},
		{"unknown and deactivated people are flagged", func(t *testing.T, e *env) map[string]string {
			e.slack.AddUser(slacktest.User{ID: approver2, Name: "gone", Deleted: true})
			return map[string]string{"TAPBOT_REQUESTERS": requester + ",UNOBODY01"}
		}, 1, []string{"✗ requesters: UNOBODY01 is not a user of this Slack workspace; 1 found (UREQ0001 @ureq0001)",
			"✗ approvers: UAPP0002 (@gone) is deactivated in Slack; 2 found"}},
		{"an incomplete configuration fails but the other checks still run", func(t *testing.T, e *env) map[string]string {
			return map[string]string{"SLACK_SIGNING_SECRET_FILE": ""}
		}, 1, []string{"✗ configuration: 1 problem(s):", "- SLACK_SIGNING_SECRET: missing", "✓ slack token: valid"}},
		{"an unreadable SSL_CERT_FILE fails, and so does everything behind TLS", func(t *testing.T, e *env) map[string]string {
			return map[string]string{"SSL_CERT_FILE": filepath.Join(t.TempDir(), "missing.pem")}
		}, 1, []string{"✗ outbound network: SSL_CERT_FILE: cannot read ", "✗ graph sign-in: "}},
		{"metrics on every interface are a warning, not a failure", func(t *testing.T, e *env) map[string]string {
			return map[string]string{"TAPBOT_METRICS_LISTEN": ":9090"}
		}, 0, []string{"! metrics listener: GET /metrics on :9090 answers anyone who can reach that port, without authentication", "fix: fine inside a pod or container"}},
		{"metrics switched off pass", func(t *testing.T, e *env) map[string]string {
			return map[string]string{"TAPBOT_METRICS_LISTEN": "off"}
		}, 0, []string{"✓ metrics listener: off (TAPBOT_METRICS_LISTEN=off)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEnv(t, nil)
			var overrides map[string]string
			if tc.setup != nil {
				overrides = tc.setup(t, e)
			}
			code, out := runDoctor(t, e, overrides)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d", code, tc.wantCode)
			}
			checkDoctorOutput(t, out, tc.wantLines)
		})
	}
}

// checkDoctorOutput asserts that each wanted piece is on some line, that
// every ✗ line was wanted, and that no secret was printed.
func checkDoctorOutput(t *testing.T, out string, want []string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	for _, w := range want {
		if !containsLine(lines, w) {
			t.Errorf("no line contains %q", w)
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "✗") && !wanted(l, want) {
			t.Errorf("unexpected failure: %s", l)
		}
	}
	for _, secret := range []string{botToken, signing, azureSecret, "xoxb-revoked-token-value", auditKey, "another-audit-key-0123456789abcdefgh"} {
		if strings.Contains(out, secret) {
			t.Errorf("doctor printed a secret")
		}
	}
	if t.Failed() {
		t.Logf("doctor output:\n%s", out)
	}
}

func containsLine(lines []string, piece string) bool {
	for _, l := range lines {
		if strings.Contains(l, piece) {
			return true
		}
	}
	return false
}

func wanted(line string, want []string) bool {
	for _, w := range want {
		if strings.HasPrefix(w, "✗") && strings.Contains(line, w) {
			return true
		}
	}
	return false
}
