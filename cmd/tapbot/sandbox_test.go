package main

import (
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// sandboxMark is what the sandbox banner says on every Slack message.
const sandboxMark = "SANDBOX: passes are fake"

// auditCh is the sandbox tests' audit mirror channel.
const auditCh = "CSANDAUDIT"

func TestSandboxNeedsNoAzureSettings(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		problem string // "" when the configuration must load
	}{
		{"sandbox from the environment loads", nil, map[string]string{"TAPBOT_GRAPH": "sandbox"}, ""},
		{"sandbox from the flag loads", []string{"--graph", "sandbox"}, nil, ""},
		{"live still needs the app registration", nil, nil, "AZURE_TENANT_ID and AZURE_CLIENT_ID"},
		{"live points at sandbox as the way out", nil, map[string]string{"TAPBOT_GRAPH": "live"}, "TAPBOT_GRAPH=sandbox"},
		{"sandbox still needs Slack", nil, map[string]string{"TAPBOT_GRAPH": "sandbox", "SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN: missing"},
		{"an unknown mode is refused", nil, map[string]string{"TAPBOT_GRAPH": "fake"}, `TAPBOT_GRAPH: "fake"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{ // Slack only: no AZURE_* at all
				"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "sig", "SLACK_APPROVAL_CHANNEL": "C123",
				"TAPBOT_REQUESTERS": "U1AA", "TAPBOT_APPROVERS": "U2BB",
			}
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := LoadConfig(tt.args, func(k string) string { return env[k] }, io.Discard)
			if tt.problem == "" {
				if err != nil || c.Graph != "sandbox" {
					t.Fatalf("graph %q, err %v", c.Graph, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.problem) {
				t.Fatalf("err = %v, want a problem mentioning %q", err, tt.problem)
			}
		})
	}
}

// startSandbox starts tapbot with TAPBOT_GRAPH=sandbox, no Azure setting at
// all, and the audit mirror posting to auditCh. e.graph becomes the app's own embedded tenant, so faults, issued
// passes and the leak scan all concern the tenant the app really uses.
func startSandbox(t *testing.T) *env {
	t.Helper()
	return startSandboxWith(t, nil)
}

// startSandboxWith is startSandbox with vars added to its environment.
func startSandboxWith(t *testing.T, vars map[string]string) *env {
	t.Helper()
	env := map[string]string{
		"TAPBOT_GRAPH": "sandbox", "AZURE_TENANT_ID": "", "AZURE_CLIENT_ID": "", "AZURE_CLIENT_SECRET": "", "AZURE_CLIENT_SECRET_FILE": "",
		"TAPBOT_GRAPH_URL": "", "TAPBOT_AUTHORITY_HOST": "", "SLACK_AUDIT_CHANNEL": auditCh,
	}
	maps.Copy(env, vars)
	e := startEnv(t, env)
	e.slack.AddChannel(auditCh, "tap-audit", true)
	if e.app.sandbox == nil {
		t.Fatal("TAPBOT_GRAPH=sandbox did not start the embedded tenant")
	}
	e.graph = e.app.sandbox
	return e
}

func TestSandboxSaysPassesAreFakeOnEverySlackMessage(t *testing.T) {
	e := startSandbox(t)
	acks := exerciseEverySlackMessage(t, e)
	e.stopOnce() // every background message is sent
	if len(e.graph.Issued()) == 0 {
		t.Fatal("the sandbox issued no pass: the delivery path was not exercised")
	}
	for _, ack := range acks {
		if !strings.Contains(ack, sandboxMark) {
			t.Errorf("slash command answer without the banner: %q", ack)
		}
	}
	seen := map[string]bool{}
	for _, m := range e.slack.Messages() {
		seen[m.Kind] = true
		seen["dm"] = seen["dm"] || (m.Kind == slacktest.KindPostMessage && strings.HasPrefix(m.Channel, "D"))
		if !strings.Contains(m.Text, sandboxMark) {
			t.Errorf("%s message in %s: text (the notification) lacks the banner: %q", m.Kind, m.Channel, m.Text)
		}
		if len(m.Blocks) > 0 && !strings.Contains(string(m.Blocks), sandboxMark) {
			t.Errorf("%s message in %s: blocks lack the banner: %s", m.Kind, m.Channel, m.Blocks)
		}
	}
	for _, path := range []string{slacktest.KindPostMessage, "dm", slacktest.KindPostEphemeral, slacktest.KindUpdate, slacktest.KindResponseURL} {
		if !seen[path] {
			t.Errorf("no %s message was exercised", path)
		}
	}
}

// exerciseEverySlackMessage drives every kind of message the Slack
// front-end sends: answers to commands, refusals, cards and their updates
// (delivered, failed, revoked, denied, expired), notices to the requester,
// the pass itself, status, revoke and the audit mirror. It returns the
// commands' answers.
func exerciseEverySlackMessage(t *testing.T, e *env) []string {
	t.Helper()
	var acks []string
	say := func(user, text string) { acks = append(acks, e.command(user, text)) }

	say(requester, "help")
	say(requester, "alice@@contoso 1h")
	say(outsider, "alice@contoso.com 1h")
	e.reply("not allowed to request")

	say(both, "alice@contoso.com 1h reset")
	card := e.card()
	e.reply("is waiting for approval")
	e.click(both, card, "tap_approve")
	e.reply("can't approve your own request")
	e.click(approver1, card, "tap_approve")
	e.waitFor("the pass, naming its approver", kind(slacktest.KindPostEphemeral, e.dmOf(both), "Approved by"))
	e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
	e.waitFor("the audit mirror's line", kind(slacktest.KindPostMessage, auditCh, "*delivered*"))

	say(requester, "alice@contoso.com 1h")
	card = e.card()
	say(approver1, "list")
	e.graph.Fail("temporaryAccessPassMethods", http.MethodPost, http.StatusForbidden, "Authorization_RequestDenied", 1)
	e.click(approver1, card, "tap_approve")
	e.waitFor("card shows failure", kind(slacktest.KindUpdate, approvalsCh, "Failed"))
	e.reply("You approved")

	say(requester, "carol@contoso.com 1h")
	card = e.card()
	e.slack.FailMethod("chat.postEphemeral", "channel_not_found", 2) // the DM is gone, even once reopened
	e.click(approver1, card, "tap_approve")
	e.waitFor("card shows revocation", kind(slacktest.KindUpdate, approvalsCh, "Pass revoked"))

	say(requester, "alice@contoso.com 1h")
	card = e.card()
	say(approver1, "deny "+requestIDOf(t, card)+" no ticket")
	e.waitFor("card shows denial", kind(slacktest.KindUpdate, approvalsCh, "Denied"))
	e.reply("You denied")
	say(requester, "status alice@contoso.com")
	e.reply("Alice Andersen")
	say(approver1, "revoke alice@contoso.com")
	e.reply("Revoked the Temporary Access Pass")

	say(requester, "alice@contoso.com 1h")
	e.card()
	e.clock.Advance(31 * time.Minute)
	e.waitFor("card shows expiry", kind(slacktest.KindUpdate, approvalsCh, "Expired"))
	e.waitFor("requester told of expiry", kind(slacktest.KindPostMessage, e.dmOf(requester), "expired"))
	return acks
}
