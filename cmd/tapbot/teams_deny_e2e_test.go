package main

import (
	"testing"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

func TestTeamsDenyTakesAReasonToCardThreadAndRequester(t *testing.T) {
	te := startTeamsEnv(t, nil)
	te.says(te.rita, "tap alice@contoso.com 1h new phone")
	card := te.teamsCard()
	te.conv.Submit(te.arno, card, "deny", map[string]string{"reason": "no ticket, call the service desk"})
	te.teamsWait("card shows the reason", teamstest.Updated(teamsApprovals, "Denied by Arno Approver", "Reason: no ticket, call the service desk"))
	te.teamsWait("requester told the reason", teamstest.Sent(te.chat(te.rita), "Reason: no ticket, call the service desk"))
	reply := te.teamsWait("the denial in the card's thread", func(a teamstest.Activity) bool {
		return a.Kind == teamstest.KindSend && a.Conversation == teamsApprovals && a.Thread == card.ID && a.Shows("Arno Approver denied it")
	})
	if !reply.Shows("Reason: no ticket, call the service desk") {
		t.Errorf("thread reply lacks the reason: %s", reply.Shown())
	}
}
