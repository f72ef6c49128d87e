package main

import (
	"strings"
	"testing"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

// managerPolicy asks Alice's manager to confirm every request; unreachable
// is the policy's managerUnreachable (refuse or callback).
func managerPolicy(t *testing.T, unreachable string) string {
	return verifyPolicy(t, "  steps: [manager]\n  managerUnreachable: "+unreachable+"\n")
}

// withCarolInSlack gives Alice's manager a Slack account whose e-mail is
// her directory mail, so users.lookupByEmail finds her.
func withCarolInSlack(e *env) {
	e.slack.AddUser(slacktest.User{ID: carolSlack, Name: "carol", RealName: "Carol Chen", Email: "carol@contoso.com"})
}

// managerAsk waits for the ask in Carol's DM.
func (e *env) managerAsk() slacktest.Message {
	e.t.Helper()
	ask := e.waitFor("the manager's ask", kind(slacktest.KindPostMessage, "", "Entra ID names you as the manager of Alice Andersen"))
	if ask.Channel != e.dmOf(carolSlack) {
		e.t.Fatalf("the ask went to %s, not Carol's DM %s", ask.Channel, e.dmOf(carolSlack))
	}
	return ask
}

func TestSlackManagerFoundByEmailConfirmsThenTheApprovalIssuesThePass(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": managerPolicy(t, "refuse")})
	withCarolInSlack(e)
	e.command(requester, "alice@contoso.com 1h new phone INC-4711")
	card := e.card()
	id := requestIDOf(t, card)
	ask := e.managerAsk()
	for _, want := range []string{"<@" + requester + "> asks for a Temporary Access Pass for *Alice Andersen*", "new phone INC-4711", id} {
		if !strings.Contains(shown(ask), want) {
			t.Errorf("the ask lacks %q: %s", want, shown(ask))
		}
	}
	if n := e.slack.CallCount("users.lookupByEmail"); n == 0 {
		t.Error("Carol was not found by users.lookupByEmail")
	}
	e.waitFor("the card shows the ask", kind(slacktest.KindUpdate, approvalsCh, "manager Carol Chen: asked in Slack"))
	e.click(approver1, card, "tap_approve")
	e.reply("waits for Carol Chen, the manager of alice@contoso.com, to confirm")
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued before the manager confirmed", n)
	}

	e.click(carolSlack, ask, "tap_manager_confirm")
	e.waitFor("the ask answered", kind(slacktest.KindUpdate, ask.Channel, "You confirmed that Alice Andersen asked"))
	e.waitFor("the requester told", kind(slacktest.KindPostMessage, e.dmOf(requester), "Carol Chen, the manager of alice@contoso.com, confirmed request "+id))
	e.waitFor("the card shows the confirmation", kind(slacktest.KindUpdate, approvalsCh, "manager Carol Chen confirmed"))
	e.click(approver1, card, "tap_approve")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	events := e.auditOf(id)
	eventOf(t, events, approvals.EventManagerAsked)
	if ev := eventOf(t, events, approvals.EventManagerConfirmed); ev.Actor != "slack:"+carolSlack {
		t.Fatalf("confirmed by %s, want Carol's Slack account", ev.Actor)
	}
}

func TestSlackManagerRejectionDeniesTheRequestAndNoPassIsMade(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": managerPolicy(t, "refuse")})
	withCarolInSlack(e)
	e.command(requester, "alice@contoso.com 1h new phone")
	card := e.card()
	id := requestIDOf(t, card)
	e.click(carolSlack, e.managerAsk(), "tap_manager_reject")
	e.waitFor("the requester told", kind(slacktest.KindPostMessage, e.dmOf(requester), "rejected request "+id))
	e.waitFor("the card shows the rejection", kind(slacktest.KindUpdate, approvalsCh, "rejected: they say the user did not ask for it"))
	e.lateClick(approver1, "tap_approve", id)
	e.reply("already denied")
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued after the manager rejected", n)
	}
	if ev := eventOf(t, e.auditOf(id), approvals.EventManagerRejected); ev.Actor != "slack:"+carolSlack || ev.State != approvals.StateDenied {
		t.Fatalf("rejection event %+v, want Carol's, ending the request denied", ev)
	}
}

func TestUnreachableManagerUnderARefusingPolicyGivesNoPass(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(e *env)
		reply  string
		stored bool // the request was stored (and then closed) rather than refused at once
	}{
		{"nobody in Slack has her mail", func(*env) {}, "is closed: tapbot could not reach Carol Chen, the manager of alice@contoso.com, in Slack", true},
		{"the directory names no manager", func(e *env) { e.graph.SetManager("alice@contoso.com", "") }, "needs their manager to confirm it, but Entra ID names no manager for alice@contoso.com", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": managerPolicy(t, "refuse")})
			tc.setup(e)
			e.command(requester, "alice@contoso.com 1h new phone")
			e.waitFor("the refusal", func(m slacktest.Message) bool {
				return toRequester(e, requester)(m) && strings.Contains(shown(m), tc.reply)
			})
			if !tc.stored {
				e.noCards()
			}
			e.stopOnce()
			if n := len(e.graph.Issued()); n != 0 {
				t.Fatalf("%d passes issued", n)
			}
			for _, m := range e.slack.Messages() {
				if strings.Contains(shown(m), "Entra ID names you as the manager") {
					t.Fatalf("someone was asked as the manager: %s in %s", m.Kind, m.Channel)
				}
			}
		})
	}
}

func TestUnreachableManagerUnderACallbackPolicyNeedsTheCallbackTick(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": managerPolicy(t, "callback")})
	e.command(requester, "alice@contoso.com 1h new phone") // Carol is not in Slack
	card := e.card()
	id := requestIDOf(t, card)
	e.waitFor("the card asks for a callback instead", kind(slacktest.KindUpdate, approvalsCh, "callback needed instead of the manager"))
	modal := e.callbackModal(approver1, card)
	e.submitModal(approver1, modal, slacktest.Entries{callbackBlock: callbackValue, callbackNoteBlock: "mobile"})
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	events := e.auditOf(id)
	if ev := eventOf(t, events, approvals.EventManagerUnreachable); !strings.Contains(ev.Detail, "an approver must call the user back instead") {
		t.Fatalf("unreachable event %+v, want the callback standing in", ev)
	}
	eventOf(t, events, approvals.EventVerifyCallback)
}

func TestManagerWhoIsTheRequesterCannotConfirmTheirOwnRequest(t *testing.T) {
	e := startEnv(t, map[string]string{
		"TAPBOT_POLICY_FILE": managerPolicy(t, "refuse"),
		"TAPBOT_REQUESTERS":  requester + "," + carolSlack,
	})
	withCarolInSlack(e) // her Slack e-mail, as Slack verified it, is her directory mail
	e.command(carolSlack, "alice@contoso.com 1h new phone")
	e.waitFor("the refusal", func(m slacktest.Message) bool {
		return toRequester(e, carolSlack)(m) && strings.Contains(shown(m), "Carol Chen, the manager of alice@contoso.com, is the requester, and nobody confirms their own request")
	})
	e.noCards()
	for _, m := range e.slack.Messages() {
		if strings.Contains(shown(m), "Entra ID names you as the manager") {
			t.Fatal("the requester was asked to confirm their own request as the manager")
		}
	}
}

func TestTeamsManagerReachableByTheirChatConfirms(t *testing.T) {
	te := startTeamsEnv(t, map[string]string{"TAPBOT_POLICY_FILE": managerPolicy(t, "refuse")})
	carol := te.teams.AddUser(teamstest.User{AADObjectID: carolID, Name: "Carol Chen", Personal: true})
	te.deliver(te.teams.InstallPersonal(carol)) // she added tapbot: it can write to her
	te.says(te.rita, "tap alice@contoso.com 1h new phone")
	card := te.teamsCard()
	ask := te.teamsWait("the manager's ask", teamstest.Sent(te.chat(carol), "Entra ID names you as the manager of Alice Andersen", "Rita Requester"))
	te.press(te.arno, card, "approve")
	te.teamsWait("approval refused while waiting", teamstest.Sent(teamsApprovals, "to confirm in Teams"))
	te.press(carol, ask, "manager_confirm")
	te.teamsWait("the ask answered", teamstest.Updated(te.chat(carol), "You confirmed that Alice Andersen asked"))
	te.teamsWait("the card shows the confirmation", teamstest.Updated(teamsApprovals, "manager Carol Chen confirmed"))
	te.press(te.arno, card, "approve")
	te.teamsWait("the pass", teamstest.Sent(te.chat(te.rita), "Temporary Access Pass for"))
	if ev := eventOf(t, te.auditOf(teamstest.RequestID(t, card)), approvals.EventManagerConfirmed); ev.Actor != "teams:"+carolID {
		t.Fatalf("confirmed by %s, want Carol's Teams account", ev.Actor)
	}
}
