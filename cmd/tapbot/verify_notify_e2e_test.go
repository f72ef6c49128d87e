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

// The mailbox tapbot tells users from, and whom they call if they did not
// ask for their pass.
const (
	noticeMailbox = "it-security@contoso.com"
	noticeContact = "the service desk on +1 555 0100"
)

// notifyPolicy tells the user by mail and, where notifyTeams, in Teams.
func notifyPolicy(t *testing.T, notifyTeams bool) string {
	teams := "false"
	if notifyTeams {
		teams = "true"
	}
	return verifyPolicy(t, "  notifyTarget:\n    mailFrom: "+noticeMailbox+"\n    teams: "+teams+"\n    contact: "+noticeContact+"\n")
}

// withNoticeMailbox adds the shared mailbox tapbot sends from.
func withNoticeMailbox(g *graphtest.Server) {
	g.AddUser(graphtest.User{UPN: noticeMailbox, DisplayName: "IT Security", AccountEnabled: true, Mail: noticeMailbox})
}

// mailed waits for the next mail tapbot sends through Graph.
func (e *env) mailed() graphtest.SentMail {
	e.t.Helper()
	select {
	case m := <-e.graph.MailSent():
		return m
	case <-time.After(20 * time.Second):
		e.t.Fatalf("no mail was sent\nlogs:\n%s", e.logs.String())
	}
	return graphtest.SentMail{}
}

func TestTargetIsToldByMailAndInTeamsAfterDeliveryNeverWithThePass(t *testing.T) {
	te := startTeamsEnv(t, map[string]string{"TAPBOT_POLICY_FILE": notifyPolicy(t, true)})
	withNoticeMailbox(te.graph)
	alice := te.teams.AddUser(teamstest.User{AADObjectID: aliceID, Name: "Alice Andersen", Personal: true})
	te.deliver(te.teams.InstallPersonal(alice)) // tapbot can write to her
	te.says(te.rita, "tap alice@contoso.com 1h once new phone INC-4711")
	card := te.teamsCard()
	id := teamstest.RequestID(t, card)
	te.press(te.arno, card, "approve")
	te.teamsWait("the pass", teamstest.Sent(te.chat(te.rita), "Temporary Access Pass for"))
	issued := te.graph.Issued()
	if len(issued) != 1 {
		t.Fatalf("%d passes issued, want 1", len(issued))
	}

	mail := te.mailed()
	chat := te.teamsWait("the notice in Teams", teamstest.Sent(te.chat(alice), "A Temporary Access Pass was created for your account alice@contoso.com"))
	if mail.From != noticeMailbox || len(mail.To) != 1 || mail.To[0] != "alice@contoso.com" || mail.Subject != "A Temporary Access Pass was created for your account" {
		t.Fatalf("mail from %s to %v: %q", mail.From, mail.To, mail.Subject)
	}
	for _, notice := range []string{mail.Body, chat.Shown()} {
		for _, want := range []string{"Request: " + id, "Requested by: Rita Requester", "Approved by: Arno Approver", "Reason given: new phone INC-4711", "works for one sign-in", "If you did not ask for it, call " + noticeContact + " at once."} {
			if !strings.Contains(notice, want) {
				t.Errorf("the notice lacks %q:\n%s", want, notice)
			}
		}
		if strings.Contains(notice, issued[0].Secret) {
			t.Fatal("the notice to the user holds the pass")
		}
	}
	te.stopOnce()
	ev := eventOf(t, te.auditOf(id), approvals.EventTargetNotified)
	if ev.Detail != "told by mail from "+noticeMailbox+" to alice@contoso.com and in Teams" {
		t.Fatalf("notice event %q", ev.Detail)
	}
}

func TestTargetNoticeRefusedByTheMailboxPolicyIsAuditedAndThePassStands(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": notifyPolicy(t, false)})
	withNoticeMailbox(e.graph)
	e.graph.SetApplicationAccessPolicy("helpdesk@contoso.com") // Mail.Send is restricted to another mailbox
	e.command(requester, "alice@contoso.com 1h new phone")
	card := e.card()
	id := requestIDOf(t, card)
	e.click(approver1, card, "tap_approve")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	e.waitLog("the refused notice", "target not told of their pass", id)
	if n := len(e.graph.Mails()); n != 0 {
		t.Fatalf("%d mails sent as a mailbox the access policy leaves out", n)
	}
	ev := eventOf(t, e.auditOf(id), approvals.EventTargetNotNotified)
	if !strings.Contains(ev.Detail, "by mail from "+noticeMailbox) || !strings.Contains(ev.Detail, "application access policy") {
		t.Fatalf("not-notified event %q, want the mailbox and the access policy named", ev.Detail)
	}
}
