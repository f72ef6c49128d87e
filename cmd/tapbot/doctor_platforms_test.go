package main

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
	tapdoctor "github.com/tapbot/tapbot/internal/doctor"
)

func TestDoctorChecksTheSocketModeAppToken(t *testing.T) {
	for _, tc := range []struct {
		name     string
		token    string // SLACK_APP_TOKEN doctor checks; the bot runs with appToken
		wantCode int
		want     []string
	}{
		{"an app-level token Slack accepts proves connections:write", appToken, 0,
			[]string{"✓ slack socket mode: apps.connections.open accepted SLACK_APP_TOKEN, so it has connections:write"}},
		{"an app-level token Slack does not know fails with where to make one", "xapp-1-A0TEST-1-revoked", 1,
			[]string{"✗ slack socket mode: Slack refused SLACK_APP_TOKEN (invalid_auth)", "fix: Slack app → Basic Information → App-Level Tokens: generate a token with the connections:write scope"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEnv(t, map[string]string{"SLACK_APP_TOKEN": appToken, "SLACK_SIGNING_SECRET_FILE": ""})
			code, out := runDoctor(t, e, map[string]string{"SLACK_APP_TOKEN": tc.token})
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d", code, tc.wantCode)
			}
			checkDoctorOutput(t, out, tc.want)
			if strings.Contains(out, tc.token) {
				t.Error("doctor printed the app-level token")
			}
		})
	}
}

func TestDoctorChecksTheTeamsBotTokenConversationAndEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name      string
		setup     func(t *testing.T, te *teamsEnv) map[string]string
		wantCode  int
		wantLines []string
	}{
		{"a running Teams bot passes; its database is in use, so the conversation's reach is not checked", nil, 0, []string{
			"✓ teams bot token: obtained for app " + teamsAppID + " from https://",
			"/" + teamstest.TenantID + "/oauth2/v2.0/token",
			"✓ teams approval conversation " + teamsApprovals + ": a channel; whether the bot can reach it is not checked",
			"✓ teams messaging endpoint: POST /api/messages served on :8080; set the Azure Bot's messaging endpoint",
		}},
		{"a wrong bot password fails with the settings it depends on", func(t *testing.T, te *teamsEnv) map[string]string {
			return map[string]string{"TEAMS_APP_PASSWORD": "not-the-bots-secret"}
		}, 1, []string{"✗ teams bot token: bot token from https://", "fix: check TEAMS_APP_ID and TEAMS_APP_PASSWORD"}},
		{"a bot Teams never talked to cannot post approval cards", func(t *testing.T, te *teamsEnv) map[string]string {
			te.stopOnce()
			return nil
		}, 1, []string{"✗ teams approval conversation " + teamsApprovals + ": a channel; Teams has never talked to this bot",
			"fix: add tapbot to the team of the approval channel"}},
		{"a bot that heard only from a 1:1 chat is a warning", func(t *testing.T, te *teamsEnv) map[string]string {
			te.says(te.rita, "help")
			te.teamsWait("help", teamstest.Sent(te.chat(te.rita)))
			te.stopOnce()
			return nil
		}, 0, []string{"! teams approval conversation " + teamsApprovals + ": a channel; the bot has not heard from it yet"}},
		{"a bot mentioned in the approval channel can post there", func(t *testing.T, te *teamsEnv) map[string]string {
			te.deliver(te.teams.Mention(te.arno, teamsApprovals, "help"))
			te.teamsWait("help in the channel", teamstest.Sent(teamsApprovals))
			te.stopOnce()
			return nil
		}, 0, []string{"✓ teams approval conversation " + teamsApprovals + ": a channel; Teams has sent the bot a message from there"}},
		{"an endpoint on loopback only is a warning", func(t *testing.T, te *teamsEnv) map[string]string {
			return map[string]string{"TAPBOT_LISTEN": "127.0.0.1:8080"}
		}, 0, []string{"! teams messaging endpoint: POST /api/messages on 127.0.0.1:8080 is reachable from this host only"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			te := startTeamsEnv(t, nil)
			// The Teams users live in the fake Bot Connector, not in the
			// fake tenant doctor looks people up in.
			overrides := map[string]string{"TAPBOT_REQUESTERS": requester, "TAPBOT_APPROVERS": approver1}
			if tc.setup != nil {
				maps.Copy(overrides, tc.setup(t, te))
			}
			code, out := runDoctor(t, te.env, overrides)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d", code, tc.wantCode)
			}
			checkDoctorOutput(t, out, tc.wantLines)
			if strings.Contains(out, teamsPassword) {
				t.Error("doctor printed the bot's client secret")
			}
		})
	}
}

func TestDoctorTellsANetworkFailureFromABadToken(t *testing.T) {
	e := startEnv(t, nil)
	code, out := runDoctor(t, e, map[string]string{"SLACK_API_URL": "http://127.0.0.1:1/api/", "TAPBOT_AUTHORITY_HOST": "https://login.tapbot-doctor.invalid/"})
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	checkDoctorOutput(t, out, []string{
		"✗ slack token: network: cannot reach 127.0.0.1:1 (connection refused or unreachable)",
		"✗ graph sign-in: network: cannot reach login.tapbot-doctor.invalid (",
		"fix: check DNS and the firewall, HTTPS_PROXY / NO_PROXY (a proxy tapbot must use) and SSL_CERT_FILE",
	})
	if strings.Contains(out, "reinstall") || strings.Contains(out, "rejected") {
		t.Errorf("a network failure is told as a credential problem:\n%s", out)
	}
}

func TestDoctorJSONReportsEveryCheckAndKeepsTheExitCodes(t *testing.T) {
	e := startEnv(t, nil)
	for _, tc := range []struct {
		name      string
		overrides map[string]string
		wantCode  int
	}{
		{"all pass", nil, 0},
		{"a check fails", map[string]string{"SLACK_APPROVAL_CHANNEL": "CMISSING1"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, _ := runDoctorArgs(t, e, tc.overrides, "--json")
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d", code, tc.wantCode)
			}
			var r tapdoctor.Report
			if err := json.NewDecoder(strings.NewReader(stdout)).Decode(&r); err != nil {
				t.Fatalf("stdout is not a JSON report: %v\n%s", err, stdout)
			}
			if len(r.Checks) != r.Passed+r.Failed+r.Warned+r.Skipped || r.Passed == 0 || (r.Failed > 0) != (tc.wantCode == 1) {
				t.Errorf("%d checks, counted %d/%d/%d/%d", len(r.Checks), r.Passed, r.Failed, r.Warned, r.Skipped)
			}
			for _, secret := range []string{botToken, signing, azureSecret, auditKey} {
				if strings.Contains(stdout, secret) {
					t.Error("the JSON report holds a secret")
				}
			}
		})
	}
	if code, _, _ := runDoctorArgs(t, e, nil, "--no-such-flag"); code != 2 {
		t.Errorf("an unknown flag exits %d, want 2 (usage error)", code)
	}
}
