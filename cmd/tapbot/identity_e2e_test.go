package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/bot/teams/teamstest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// Pat is one technician with a Slack account and a Teams account, both
// matched to one Entra user.
const (
	patSlack = "UPAT0001"
	patID    = "aaaaaaaa-0000-4000-8000-0000000000a7"
	patUPN   = "pat@contoso.com"
)

// withPat adds Pat to the fakes: an Entra user, a Slack user whose verified
// e-mail is that user's, and a Teams user with that object id.
func withPat(te *teamsEnv) teamstest.User {
	te.graph.AddUser(graphtest.User{ID: patID, UPN: patUPN, DisplayName: "Pat Both", AccountEnabled: true, Mail: patUPN})
	te.slack.AddUser(slacktest.User{ID: patSlack, Name: "pat", RealName: "Pat Both", Email: patUPN})
	return te.teams.AddUser(teamstest.User{AADObjectID: patID, Name: "Pat Both", Personal: true})
}

func (e *env) noCards() {
	e.t.Helper()
	e.stopOnce()
	for _, m := range e.slack.Messages() {
		if m.Channel == approvalsCh {
			e.t.Fatalf("a card was posted for a refused request: %s", m.Text)
		}
	}
}

func TestSlackPassForOwnOrColleagueTechnicianAccountIsRefused(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_REQUESTERS": requester + ",UALICE01"})
	// Alice is a technician: her Slack e-mail, as Slack verified it, is her UPN.
	e.slack.AddUser(slacktest.User{ID: "UALICE01", Name: "alice", Email: "alice@contoso.com"})
	e.command("UALICE01", "alice@contoso.com 1h lost my phone")
	e.reply("alice@contoso.com is your own account. tapbot does not issue passes for technicians' own accounts")
	e.command(requester, "alice@contoso.com 1h")
	e.reply("alice@contoso.com is the account of slack:UALICE01, who may request passes")
	e.noCards()
}

func TestSlackRequesterWithoutVerifiedEmailIsRefused(t *testing.T) {
	e := startEnv(t, nil)
	e.slack.SetScopes("commands", "chat:write", "im:write", "users:read") // no users:read.email
	e.command(requester, "carol@contoso.com 1h")
	e.reply("cannot tell who you are in Entra")
	e.noCards()
}

func TestTeamsPassForConfiguredApproverIsRefused(t *testing.T) {
	te := startTeamsEnv(t, nil)
	// Arno approves on Teams, where his tapbot identity is his Entra account.
	te.graph.AddUser(graphtest.User{ID: arnoID, UPN: "arno@contoso.com", DisplayName: "Arno Approver", AccountEnabled: true})
	te.says(te.rita, "tap arno@contoso.com 1h")
	te.teamsWait("refusal", teamstest.Sent(te.chat(te.rita), "is the account of teams:"+arnoID+", who may approve passes"))
	te.says(te.rita, "tap carol@contoso.com 1h")
	te.teamsCard() // an ordinary user still can
	if n := len(te.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
}

func TestTargetInConfiguredEntraGroupIsRefused(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_APPROVERS": approver1 + ",entra-group:" + graphtest.DemoGroupHelpdesk})
	e.command(requester, "alice@contoso.com 1h") // alice is in Helpdesk
	e.reply("is in the Entra group " + graphtest.DemoGroupHelpdesk + ", whose members may approve passes")
	e.command(requester, "carol@contoso.com 1h") // carol is not
	e.card()
}

func TestBreakGlassProcessShowsTechnicianTargetOnCard(t *testing.T) {
	e := startEnv(t, map[string]string{
		"TAPBOT_APPROVERS":   approver1 + ",UALICE01",
		"TAPBOT_POLICY_FILE": policyFile(t, `allowTechnicianTargets: "BG-1 technician lost MFA"`),
	})
	e.slack.AddUser(slacktest.User{ID: "UALICE01", Name: "alice", Email: "alice@contoso.com"})
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	if s := shown(card); !strings.Contains(s, "Exception") || !strings.Contains(s, "break-glass process") || !strings.Contains(s, "BG-1 technician lost MFA") || !strings.Contains(s, "slack:UALICE01") {
		t.Fatalf("card does not show the exception: %s", s)
	}
	e.click(approver1, card, "tap_approve")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	for _, ev := range e.storedAudit() {
		if ev.Type == approvals.EventRaised && !strings.Contains(ev.Detail, `exception: alice@contoso.com is the account of slack:UALICE01`) {
			t.Fatalf("raised event does not record the exception: %+v", ev)
		}
	}
}

// storedAudit stops the app and reads its audit log.
func (e *env) storedAudit() []approvals.Event {
	e.t.Helper()
	e.stopOnce()
	store, err := approvals.Open(e.dbPath)
	if err != nil {
		e.t.Fatal(err)
	}
	defer store.Close()
	events, err := store.Audit(time.Time{})
	if err != nil {
		e.t.Fatal(err)
	}
	return events
}

func TestSamePersonOnSlackAndTeamsCannotApproveOwnRequest(t *testing.T) {
	te := startTeamsEnv(t, map[string]string{
		"TAPBOT_REQUESTERS": ritaID + "," + patID,
		"TAPBOT_APPROVERS":  arnoID + "," + patSlack + "," + approver1,
	})
	pat := withPat(te)
	te.says(pat, "tap alice@contoso.com 1h")
	id := teamsRequestID(t, te.teamsCard())
	te.lateClick(patSlack, "tap_approve", id) // Pat again, on Slack
	te.reply("can't approve your own request")
	te.lateClick(approver1, "tap_approve", id) // a Slack e-mail that matches nobody in Entra: who is it?
	te.reply("cannot tell whether you are the requester")
	reqs := te.storedRequests()
	if len(reqs) != 1 || reqs[0].State != approvals.StatePending || len(reqs[0].Approvals) != 0 || reqs[0].Requester.EntraID != patID {
		t.Fatalf("stored requests %+v", reqs)
	}
	if n := len(te.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
}

func TestSamePersonOnSlackAndTeamsCountsAsOneApprover(t *testing.T) {
	te := startTeamsEnv(t, map[string]string{
		"TAPBOT_REQUESTERS":         ritaID,
		"TAPBOT_APPROVERS":          arnoID + "," + patID + "," + patSlack,
		"TAPBOT_APPROVALS_REQUIRED": "2",
	})
	pat := withPat(te)
	te.says(te.rita, "tap carol@contoso.com 1h")
	card := te.teamsCard()
	te.press(pat, card, "approve")
	te.teamsWait("first approval shown", teamstest.Updated(teamsApprovals, "Approved so far by Pat Both"))
	te.lateClick(patSlack, "tap_approve", teamsRequestID(t, card))
	te.reply("already approved")
	if n := len(te.graph.Issued()); n != 0 {
		t.Fatalf("one person's two accounts issued %d passes", n)
	}
	te.press(te.arno, card, "approve")
	te.teamsWait("the pass", teamstest.Sent(te.chat(te.rita), "Temporary Access Pass for"))
}
