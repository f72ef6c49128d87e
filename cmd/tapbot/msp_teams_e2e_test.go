package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/bot"
	teamsbot "github.com/tapbot/tapbot/bot/teams"
	"github.com/tapbot/tapbot/bot/teams/teamstest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// contosoTeams is the Teams channel of contoso's cards in the MSP-mode
// Teams tests; fabrikam's go to TEAMS_APPROVAL_CONVERSATION.
const contosoTeams = "19:contosoapprovals@thread.tacv2"

// mspTeamsTenantsFile gives contoso a Teams conversation of its own and
// Arno as its one approver; fabrikam is approved by Bea alone.
const mspTeamsTenantsFile = `tenants:
  - name: contoso
    id: ` + contosoID + `
    domains: [contoso.com]
    teamsApprovalConversation: "` + contosoTeams + `"
    approvers: [` + arnoID + `]
  - name: fabrikam
    id: ` + fabrikamID + `
    domains: [fabrikam.com]
    approvers: [` + beaID + `]
`

// mspTeamsEnv is tapbot in MSP mode serving Teams, with contoso and
// fabrikam as customer tenants in the fake Graph.
type mspTeamsEnv struct {
	*teamsEnv
	contoso, fabrikam *graphtest.Tenant
}

func startMSPTeams(t *testing.T) *mspTeamsEnv {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tenants.yaml")
	if err := os.WriteFile(path, []byte(mspTeamsTenantsFile), 0o600); err != nil {
		t.Fatal(err)
	}
	te := startTeamsEnv(t, map[string]string{"TAPBOT_TENANTS_FILE": path, "AZURE_TENANT_ID": "msp-home-tenant", "TEAMS_REDACT_AFTER": "300ms"})
	// tapbot reaches the customers' directories only when a request needs
	// them, so they may be set up after it started.
	m := &mspTeamsEnv{teamsEnv: te, contoso: te.graph.AddTenant(contosoID, "Contoso Ltd"), fabrikam: te.graph.AddTenant(fabrikamID, "Fabrikam Inc")}
	graphtest.DemoCustomer(m.contoso, "contoso.com", "Contoso")
	graphtest.DemoCustomer(m.fabrikam, "fabrikam.com", "Fabrikam")
	te.graph.Consent(contosoID, "tapbot-client")
	te.graph.Consent(fabrikamID, "tapbot-client")
	te.teams.AddChannel(contosoTeams, "contoso-approvals")
	return m
}

// passes checks how many passes each tenant has issued: none in the MSP's
// home tenant, ever.
func (m *mspTeamsEnv) passes(contoso, fabrikam int) {
	m.t.Helper()
	if c, f, home := len(m.contoso.Issued()), len(m.fabrikam.Issued()), len(m.graph.Issued()); c != contoso || f != fabrikam || home != 0 {
		m.t.Fatalf("passes: contoso %d, fabrikam %d, home %d; want %d, %d, 0", c, f, home, contoso, fabrikam)
	}
}

func TestTeamsMSPCardsGoToEachTenantsConversationAndItsApproversAlone(t *testing.T) {
	m := startMSPTeams(t)
	// Installing tapbot in contoso's channel is how it learns that
	// conversation's reference; fabrikam's (the default conversation) it
	// reaches by id at the service URL Teams last used.
	if status := m.deliver(m.teams.InstallTeam(m.arno, contosoTeams)); status != http.StatusOK {
		t.Fatalf("install in contoso's channel: HTTP %d", status)
	}
	m.reaches(map[string]teamsbot.Reach{contosoTeams: teamsbot.ReachStored, teamsApprovals: teamsbot.ReachService})

	m.says(m.rita, "tap alice@contoso.com 1h new phone")
	card := m.teamsWait("contoso's card", teamstest.Sent(contosoTeams, "Temporary Access Pass request"))
	if !card.Shows("in tenant contoso") || !card.Shows("alice@contoso.com") {
		t.Errorf("contoso's card does not name its tenant: %s", card.Shown())
	}
	m.press(m.bea, card, "approve") // fabrikam's approver, on contoso's card
	m.teamsWait("fabrikam's approver refused", teamstest.Sent(contosoTeams, "not an approver for tenant contoso"))
	m.passes(0, 0)
	m.press(m.arno, card, "approve")
	m.teamsWait("contoso's pass, naming its tenant", teamstest.Sent(m.chat(m.rita), passFor("contoso"), "alice@contoso.com"))
	m.teamsWait("contoso's card shows delivery", teamstest.Updated(contosoTeams, "Issued and delivered privately"))
	m.teamsWait("contoso's pass removed, still naming its tenant", teamstest.Updated(m.chat(m.rita), bot.EscapeMarkdown("[contoso] "), "was removed from this message"))
	m.passes(1, 0)

	m.says(m.rita, "tap alice@fabrikam.com 1h lost phone")
	fcard := m.teamsWait("fabrikam's card", teamstest.Sent(teamsApprovals, "Temporary Access Pass request"))
	if !fcard.Shows("in tenant fabrikam") || !fcard.Shows("alice@fabrikam.com") {
		t.Errorf("fabrikam's card does not name its tenant: %s", fcard.Shown())
	}
	m.press(m.arno, fcard, "approve") // contoso's approver, on fabrikam's card
	m.teamsWait("contoso's approver refused", teamstest.Sent(teamsApprovals, "not an approver for tenant fabrikam"))
	m.passes(1, 0)
	m.press(m.bea, fcard, "approve")
	m.teamsWait("fabrikam's pass, naming its tenant", teamstest.Sent(m.chat(m.rita), passFor("fabrikam"), "alice@fabrikam.com"))
	m.passes(1, 1)

	m.stopOnce()
	for _, a := range m.teams.Activities() {
		if a.Card() == nil || !strings.Contains(a.Shown(), "Temporary Access Pass request") {
			continue
		}
		if a.Shows("alice@contoso.com") && a.Conversation != contosoTeams || a.Shows("alice@fabrikam.com") && a.Conversation != teamsApprovals {
			t.Errorf("a card for the wrong tenant's conversation: %s in %s", a.ID, a.Conversation)
		}
	}
}

// passFor is how the pass card of a request of tenant opens, in the
// card's markdown.
func passFor(tenant string) string {
	return bot.EscapeMarkdown("["+tenant+"] ") + "🔑 Temporary Access Pass for"
}

// reaches checks how the running tapbot would reach each conversation, as
// tapbot doctor reports it.
func (m *mspTeamsEnv) reaches(want map[string]teamsbot.Reach) {
	m.t.Helper()
	for conv, reach := range want {
		if got, err := teamsbot.ApprovalReach(m.app.store, conv); err != nil || got != reach {
			m.t.Errorf("reach of %s = %v, %v; want %v", conv, got, err, reach)
		}
	}
}
