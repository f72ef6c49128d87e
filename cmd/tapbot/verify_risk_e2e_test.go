package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// riskPolicy refuses passes for users ID Protection sees at high risk or
// as compromised, and needs two approvals for a medium risk.
const riskPolicy = "  risk:\n    refuse: [high, confirmedCompromised]\n    approvals: {medium: 2}\n"

// storedRequests stops the app and lists the requests in its database.
func (e *env) storedRequests() []*approvals.Request {
	e.t.Helper()
	e.stopOnce()
	store, err := approvals.Open(e.dbPath)
	if err != nil {
		e.t.Fatal(err)
	}
	defer store.Close()
	reqs, err := store.List(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return reqs
}

func TestRiskyUserIsRefusedBeforeAnythingIsStored(t *testing.T) {
	for _, tc := range []struct {
		name  string
		risk  graphtest.Risk
		reply string
	}{
		{"high risk", graphtest.Risk{Level: "high", State: "atRisk"},
			"alice@contoso.com is at high risk in Entra ID Protection (riskState atRisk): tapbot does not issue passes for risky users"},
		{"confirmed compromised", graphtest.Risk{Level: "medium", State: "confirmedCompromised"},
			"alice@contoso.com is marked confirmedCompromised in Entra ID Protection (riskLevel medium)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t, riskPolicy)})
			e.graph.SetRisk("alice@contoso.com", tc.risk)
			e.command(requester, "alice@contoso.com 1h new phone")
			e.reply(tc.reply)
			e.noCards()
			if reqs := e.storedRequests(); len(reqs) != 0 {
				t.Fatalf("%d requests stored for a refused user", len(reqs))
			}
			if n := len(e.graph.Issued()); n != 0 {
				t.Fatalf("%d passes issued", n)
			}
		})
	}
}

func TestMediumRiskNeedsTwoApprovalsAndTheCardSaysWhy(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t, riskPolicy)})
	e.graph.SetRisk("alice@contoso.com", graphtest.Risk{Level: "medium", State: "atRisk"})
	e.graph.AddMethod("alice@contoso.com", graphtest.Method{Type: graphtest.MethodAuthenticator, DisplayName: "Pixel 9", Created: time.Now().Add(-26 * time.Hour)})
	e.command(requester, "alice@contoso.com 1h new phone")
	card := e.card()
	for _, want := range []string{
		"⚠ Medium risk in Entra ID Protection (atRisk)",
		"⚠ riskLevel medium in Entra ID Protection: at least 2 approvals",
		"⚠ Microsoft Authenticator (Pixel 9) registered",
	} {
		if !strings.Contains(shown(card), want) {
			t.Errorf("the card lacks %q: %s", want, shown(card))
		}
	}
	e.click(approver1, card, "tap_approve")
	e.waitFor("the first approval on the card", kind(slacktest.KindUpdate, approvalsCh, "<@"+approver1+">"))
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued after one approval of a medium-risk user", n)
	}
	e.click(approver2, card, "tap_approve")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	if n := len(e.graph.Issued()); n != 1 {
		t.Fatalf("%d passes issued, want 1", n)
	}
}

func TestRiskThatCannotBeReadIsShownNotChecked(t *testing.T) {
	withoutRisk := append(graphtest.DefaultRoles(), "UserAuthenticationMethod.Read.All", "Mail.Send")
	for _, tc := range []struct {
		name  string
		setup func(e *env)
		why   string
	}{
		{"permission withdrawn", func(e *env) { e.graph.SetRoles(withoutRisk...) }, "IdentityRiskyUser.Read.All"},
		{"no Entra ID P2", func(e *env) { e.graph.SetPremiumLicense(false) }, "Entra ID P2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t, riskPolicy)})
			e.graph.SetRisk("alice@contoso.com", graphtest.Risk{Level: "high", State: "atRisk"}) // unseen
			tc.setup(e)
			e.command(requester, "alice@contoso.com 1h new phone")
			card := e.card()
			if s := shown(card); !strings.Contains(s, "⚠ Risk in Entra ID Protection not checked: ") || !strings.Contains(s, tc.why) || strings.Contains(s, "No risk") {
				t.Fatalf("the card does not say the risk was not checked, and why: %s", s)
			}
			e.click(approver1, card, "tap_approve") // unchecked: allow is the default
			e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
		})
	}
}

func TestRiskThatCannotBeReadRefusesUnderUncheckedRefuse(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t, riskPolicy+"    unchecked: refuse\n")})
	e.graph.SetRoles(append(graphtest.DefaultRoles(), "UserAuthenticationMethod.Read.All")...)
	e.command(requester, "alice@contoso.com 1h new phone")
	e.reply("its policy issues no pass without that check")
	e.noCards()
}
