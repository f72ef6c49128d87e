package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// policyFile writes a TAPBOT_POLICY_FILE for one test.
func policyFile(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRequesterInEntraGroupIsAllowedAndOthersRefused(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_REQUESTERS": "entra-group:" + graphtest.DemoGroupHelpdesk})
	// Slack users whose verified e-mail is an Entra user's.
	e.slack.AddUser(slacktest.User{ID: "UALICE01", Name: "alice", Email: "alice@contoso.com"}) // in Helpdesk
	e.slack.AddUser(slacktest.User{ID: "UCAROL01", Name: "carol", Email: "carol@contoso.com"}) // Finance only
	e.command("UALICE01", "user@contoso.com 1h")
	e.command("UCAROL01", "bob@contoso.com 1h")
	e.reply("not allowed to request")
	e.reply("No user user@contoso.com") // alice got past the gate to the lookup
}

func TestRequesterInSlackUserGroupIsAllowed(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_REQUESTERS": "S0HELPDESK"})
	e.slack.AddUserGroup("S0HELPDESK", "helpdesk", approver2)
	e.command(approver2, "alice@contoso.com 1h")
	e.card()
	e.command(requester, "carol@contoso.com 1h") // not in the group any more
	e.reply("not allowed to request")
}

func TestGlobalAdministratorTargetIsRefused(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "dan@contoso.com 1h")
	e.reply("holds the directory role Global Administrator")
}

func TestGuestTargetIsRefused(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "erin_fabrikam.com#EXT#@contoso.onmicrosoft.com 1h")
	e.reply("guest account")
}

func TestBreakGlassAccountNeedsTwoApprovals(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": policyFile(t, `
protect:
  - name: directory role holders
    anyDirectoryRole: true
    refuse: true
  - name: break-glass
    upnPatterns: ["breakglass*@contoso.com"]
    approvalsRequired: 2
`)})
	e.graph.AddUser(graphtest.User{UPN: "breakglass1@contoso.com", DisplayName: "Break Glass 1", AccountEnabled: true})
	e.command(requester, "breakglass1@contoso.com 1h")
	card := e.card()
	if !strings.Contains(shown(card), "0 of 2") {
		t.Fatalf("card does not ask for two approvals: %s", shown(card))
	}
	e.click(approver1, card, "tap_approve")
	e.waitFor("first approval shown", kind(slacktest.KindUpdate, approvalsCh, "Approved so far by <@"+approver1+">"))
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("one approval issued %d passes", n)
	}
	e.click(approver2, card, "tap_approve")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, "", "Temporary Access Pass for"))
}

func TestRateLimitAndReasonRulesFromPolicyFile(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": policyFile(t, `
reason:
  required: true
  ticketPattern: 'INC-\d+'
limits:
  requestsPerRequester: 1
  window: 1h
`)})
	e.command(requester, "alice@contoso.com 1h lost phone")
	e.reply("must name a ticket matching INC-")
	e.command(requester, "alice@contoso.com 1h lost phone INC-1")
	e.card()
	e.command(requester, "carol@contoso.com 1h new laptop INC-2")
	e.reply("1 requests in the last 1h")
}

func TestMentionsInReasonArriveEscaped(t *testing.T) {
	e := startEnv(t, nil)
	// Slack sends <, > and & in command text escaped, as here.
	e.command(requester, "alice@contoso.com 1h &lt;!channel&gt; &lt;http://evil.example|your bank&gt; &amp; more")
	card := e.card()
	if s := shown(card); strings.Contains(s, "<!channel>") || strings.Contains(s, "<http://evil.example") {
		t.Fatalf("card carries a live mention or link: %s", s)
	}
	if !strings.Contains(shown(card), "&lt;!channel&gt;") {
		t.Fatalf("reason not shown escaped: %s", shown(card))
	}
}

func TestPolicyFileProblemsAreReported(t *testing.T) {
	path := policyFile(t, "protect:\n  - upnPatterns: [x]\nbogus: 1\n")
	env := validEnv()
	env["TAPBOT_POLICY_FILE"] = path
	_, err := LoadConfig(nil, func(k string) string { return env[k] }, nil)
	if err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("unknown field not reported: %v", err)
	}
	path = policyFile(t, "protect:\n  - upnPatterns: [x]\nreason:\n  ticketPattern: '('\n")
	env["TAPBOT_POLICY_FILE"] = path
	_, err = LoadConfig(nil, func(k string) string { return env[k] }, nil)
	for _, want := range []string{"needs a name", "ticketPattern"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("problem %q not reported: %v", want, err)
		}
	}
}

func TestExamplePolicyFileIsValid(t *testing.T) {
	pf, problems := loadPolicyFile(filepath.Join("..", "..", "deploy", "policy.example.yaml"))
	if len(problems) > 0 {
		t.Fatalf("deploy/policy.example.yaml: %v", problems)
	}
	c := Config{PolicyFile: pf, ApprovalsRequired: 1}
	p := c.policy(nil)
	if len(p.Protect) != 3 || p.Protect[1].ApprovalsRequired != 2 || p.Reason.TicketPattern == nil || p.RequesterLimit != 10 || len(p.SeparateGroups) != 2 {
		t.Fatalf("example policy read as %+v", p)
	}
}
