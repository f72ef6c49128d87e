package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

// startTeamsPickup starts tapbot serving Teams with Show pass delivery
// (the harness defaults to immediate) and a short removal window.
func startTeamsPickup(t *testing.T) *teamsEnv {
	t.Helper()
	return startTeamsEnv(t, map[string]string{"TAPBOT_DELIVERY": "button", "TEAMS_REDACT_AFTER": "300ms"})
}

// teamsOffer raises a request as Rita, has Arno approve it and returns the
// Show pass card in Rita's 1:1 chat.
func teamsOffer(t *testing.T, te *teamsEnv) teamstest.Activity {
	t.Helper()
	te.says(te.rita, "tap alice@contoso.com 1h once new phone")
	te.press(te.arno, te.teamsCard(), "approve")
	offer := te.teamsWait("the Show pass card", teamstest.Sent(te.chat(te.rita), "Approved by Arno Approver", "Show pass"))
	for _, want := range []string{"Alice Andersen", "alice@contoso.com", "one-time", "1h"} {
		if !offer.Shows(want) {
			t.Errorf("the offer lacks %q: %s", want, offer.Shown())
		}
	}
	return offer
}

// monospaceRuns are the texts of the Monospace TextRuns of m's card.
func monospaceRuns(t *testing.T, m teamstest.Activity) []string {
	t.Helper()
	var card any
	if err := json.Unmarshal(m.Card(), &card); err != nil {
		t.Fatal(err)
	}
	var runs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "TextRun" && v["fontType"] == "Monospace" {
				s, _ := v["text"].(string)
				runs = append(runs, s)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(card)
	return runs
}

func TestTeamsShowPassCreatesThePassOnTheClickInTheRequestersCard(t *testing.T) {
	te := startTeamsPickup(t)
	offer := teamsOffer(t, te)
	if n := len(te.graph.Issued()); n != 0 {
		t.Fatalf("%d passes created before Show pass was pressed", n)
	}

	// Bea cannot see Rita's chat; she sends the button's data from her own.
	id := teamstest.RequestID(t, offer)
	forged := te.teams.Message(te.bea, "")
	forged.Text, forged.Value = "", map[string]any{"action": "tap_showpass", "requestId": id}
	if status := te.deliver(forged); status != http.StatusOK {
		t.Fatalf("Bea's press: HTTP %d", status)
	}
	te.teamsWait("Bea refused", teamstest.Sent(te.chat(te.bea), "Only the requester"))
	if n := len(te.graph.Issued()); n != 0 {
		t.Fatalf("another user's press created %d passes", n)
	}

	te.press(te.rita, offer, "tap_showpass")
	shown := te.teamsWait("the pass in the offer's card", teamstest.Updated(te.chat(te.rita), "Temporary Access Pass for"))
	issued := te.graph.Issued()
	if len(issued) != 1 || !issued[0].UsableOnce || issued[0].LifetimeMinutes != 60 {
		t.Fatalf("Graph issued %+v, want one one-time 1h pass", issued)
	}
	secret := issued[0].Secret
	if runs := monospaceRuns(t, shown); shown.ID != offer.ID || len(runs) != 1 || runs[0] != secret {
		t.Fatalf("message %s (offer %s) shows monospace runs %q, want the pass alone", shown.ID, offer.ID, runs)
	}
	if !shown.Shows("Sign-in options") || !shown.Shows("Re-issue") {
		t.Fatalf("the pass card lacks the sign-in steps or Re-issue: %s", shown.Shown())
	}
	for _, a := range te.teams.Activities() {
		if a.Conversation != te.chat(te.rita) && a.Shows(secret) {
			t.Fatalf("the pass reached a %s in %s", a.Kind, a.Conversation)
		}
	}
	te.teamsWait("the approval card says delivered", teamstest.Updated(teamsApprovals, "Issued and delivered"))

	removed := te.teamsWait("the pass removed", teamstest.Updated(te.chat(te.rita), "was removed from this message"))
	if removed.ID != offer.ID || removed.Shows(secret) {
		t.Fatalf("removal updated %s (offer %s): %s", removed.ID, offer.ID, removed.Shown())
	}
}

func TestTeamsReissueShowsANewPassInTheSameCardUntilTheWindowEnds(t *testing.T) {
	te := startTeamsPickup(t)
	offer := teamsOffer(t, te)
	te.press(te.rita, offer, "tap_showpass")
	te.teamsWait("the first pass", teamstest.Updated(te.chat(te.rita), "Temporary Access Pass for", "Done"))
	removed := te.teamsWait("the first pass removed", teamstest.Updated(te.chat(te.rita), "was removed from this message", "Re-issue"))

	te.press(te.rita, removed, "tap_reissue")
	again := te.teamsWait("a new pass in the same card", teamstest.Updated(te.chat(te.rita), "Temporary Access Pass for", "Done"))
	issued := te.graph.Issued()
	if len(issued) != 2 || again.ID != offer.ID {
		t.Fatalf("%d passes, shown in %s (offer %s); want 2 in the offer's card", len(issued), again.ID, offer.ID)
	}
	if runs := monospaceRuns(t, again); len(runs) != 1 || runs[0] != issued[1].Secret {
		t.Fatal("the re-issued card does not show the new pass alone")
	}
	removed = te.teamsWait("the second pass removed", teamstest.Updated(te.chat(te.rita), "was removed from this message"))
	if removed.Shows(issued[1].Secret) {
		t.Fatal("the second pass is still shown")
	}

	te.clock.Advance(11 * time.Minute)
	te.press(te.rita, removed, "tap_reissue")
	expired := te.teamsWait("the card says it expired", teamstest.Updated(te.chat(te.rita), "expired"))
	if expired.ID != offer.ID {
		t.Fatalf("expiry shown in %s, want the offer's card %s", expired.ID, offer.ID)
	}
	if n := len(te.graph.Issued()); n != 2 {
		t.Fatalf("a press after the window created a pass (%d)", n)
	}
}

func TestTeamsShowPassNeverPressedExpiresWithoutAPass(t *testing.T) {
	te := startTeamsPickup(t)
	offer := teamsOffer(t, te)
	te.clock.Advance(11 * time.Minute)
	te.press(te.rita, offer, "tap_showpass")
	if expired := te.teamsWait("the offer says it expired", teamstest.Updated(te.chat(te.rita), "expired")); expired.ID != offer.ID {
		t.Fatalf("expiry shown in %s, want the offer %s", expired.ID, offer.ID)
	}
	te.teamsWait("the approval card says expired", teamstest.Updated(teamsApprovals, "xpired"))
	if n := len(te.graph.Issued()); n != 0 {
		t.Fatalf("%d passes created for an approval nobody collected", n)
	}
}
