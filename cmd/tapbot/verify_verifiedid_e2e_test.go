package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
	"github.com/tapbot/tapbot/internal/verifiedid/verifiedidtest"
)

// verifiedIDPolicy asks every user for a Face Check with Verified ID, at
// the default threshold (70).
const verifiedIDPolicy = "  steps: [verifiedId]\n"

// aliceCard is Alice's Verified Employee credential as her wallet presents
// it, with the Face Check score.
func aliceCard(score float64) verifiedidtest.Presented {
	return verifiedidtest.Presented{Score: score, Claims: map[string]string{
		"revocationId": "alice@contoso.com", "mail": "alice@contoso.com", "displayName": "Alice Andersen",
	}}
}

// raiseWithVerifiedID has the requester ask for a pass for Alice and
// returns the card and the presentation tapbot started, once the requester
// has its link.
func raiseWithVerifiedID(e *env, vid *verifiedIDFake) (slacktest.Message, verifiedidtest.Request) {
	e.t.Helper()
	e.command(requester, "alice@contoso.com 1h new phone")
	card := e.card()
	link := e.waitFor("the link for the user", kind(slacktest.KindPostMessage, e.dmOf(requester), "prove who they are with Entra Verified ID"))
	p := vid.lastPresentation(e.t)
	if !strings.Contains(shown(link), "verifiableCredentials/presentationRequests/"+p.ID) {
		e.t.Fatalf("the requester's message lacks the link of presentation %s: %s", p.ID, shown(link))
	}
	e.waitFor("the card shows the link was sent", kind(slacktest.KindUpdate, approvalsCh, "Verified ID: link sent to the requester, not opened yet"))
	return card, p
}

func TestFaceCheckAboveTheThresholdLetsTheApprovalIssueThePass(t *testing.T) {
	e, vid := startVerifiedIDEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t, verifiedIDPolicy)})
	card, p := raiseWithVerifiedID(e, vid)
	id := requestIDOf(t, card)
	cb, fc := p.Body.Callback, p.Body.RequestedCredentials[0].Configuration.Validation.FaceCheck
	if p.Body.Authority != vidAuthority || cb.URL != vid.ingress.URL+"/verifiedid/callback" || cb.Headers["api-key"] != vidAPIKey || fc.MatchConfidenceThreshold == nil || *fc.MatchConfidenceThreshold != 70 {
		t.Fatalf("presentation request %+v, callback %+v: want the authority, the public callback with the api key, and threshold 70", p.Body, cb)
	}
	for _, m := range e.slack.Messages() {
		if m.Channel == approvalsCh && strings.Contains(shown(m), p.ID) {
			t.Fatal("the Verified ID link is on the approval card; it is the requester's to send")
		}
	}

	e.click(approver1, card, "tap_approve")
	e.reply("is not verified yet (link sent, not opened yet)")
	if err := vid.Open(p.ID); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the card shows the link opened", kind(slacktest.KindUpdate, approvalsCh, "Verified ID: link opened"))
	if err := vid.Present(p.ID, aliceCard(87)); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the card shows the Face Check", kind(slacktest.KindUpdate, approvalsCh, "Face Check 87 % ≥ 70 ✓"))
	e.waitFor("the requester told", kind(slacktest.KindPostMessage, e.dmOf(requester), "passed the Verified ID check for request "+id))
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued before an approval", n)
	}
	e.click(approver1, card, "tap_approve")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	if ev := eventOf(t, e.auditOf(id), approvals.EventVerifiedIDVerified); !strings.Contains(ev.Detail, "Face Check 87 % ≥ 70; Verified Employee credential of alice@contoso.com issued by "+vidAuthority) {
		t.Fatalf("verified event %+v", ev)
	}
	db, err := os.ReadFile(e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(db, []byte(cb.State)) {
		t.Error("the presentation's state token is in the database: a copy of it would forge callbacks")
	}
}

func TestFaceCheckThatDoesNotProveTheTargetKeepsTheRequestFromApproval(t *testing.T) {
	for _, tc := range []struct {
		name    string
		present func(vid *verifiedIDFake, id string) error
		card    string
	}{
		{"below the threshold", func(vid *verifiedIDFake, id string) error { return vid.Present(id, aliceCard(62)) },
			"Verified ID failed: the presentation failed (claimValidationError: Match confidence score failing to meet the threshold.)"},
		{"a credential for the wrong person", func(vid *verifiedIDFake, id string) error {
			return vid.Present(id, verifiedidtest.Presented{Score: 95, Claims: map[string]string{"revocationId": "bob@contoso.com", "mail": "bob@contoso.com"}})
		}, "Verified ID failed: the credential is for bob@contoso.com, not alice@contoso.com"},
		{"a presentation error", func(vid *verifiedIDFake, id string) error {
			return vid.Fail(id, "presentation_error", "The user cancelled the Face Check.")
		}, "Verified ID failed: the presentation failed (presentation_error: The user cancelled the Face Check.)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, vid := startVerifiedIDEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t, verifiedIDPolicy)})
			card, p := raiseWithVerifiedID(e, vid)
			id := requestIDOf(t, card)
			if err := tc.present(vid, p.ID); err != nil {
				t.Fatal(err)
			}
			e.waitFor("the card shows the failure", kind(slacktest.KindUpdate, approvalsCh, tc.card))
			e.waitFor("the requester told", kind(slacktest.KindPostMessage, e.dmOf(requester), "The Verified ID check for request "+id+" failed"))
			e.click(approver1, card, "tap_approve")
			e.reply("The Verified ID check of " + id + " failed")
			if n := len(e.graph.Issued()); n != 0 {
				t.Fatalf("%d passes issued", n)
			}
			eventOf(t, e.auditOf(id), approvals.EventVerifiedIDFailed)
		})
	}
}

// forgedVerification is a presentation_verified callback for Alice with a
// perfect Face Check, as someone who learnt the presentation's state
// would write it.
func forgedVerification(t *testing.T, p verifiedidtest.Request) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"requestId": p.ID, "requestStatus": "presentation_verified", "state": p.Body.Callback.State, "subject": "did:jwk:forged",
		"verifiedCredentialsData": []any{map[string]any{
			"issuer": vidAuthority, "type": []string{"VerifiableCredential", "VerifiedEmployee"},
			"claims":          map[string]any{"revocationId": "alice@contoso.com", "mail": "alice@contoso.com"},
			"credentialState": map[string]any{"revocationStatus": "VALID"},
			"faceCheck":       map[string]any{"matchConfidenceScore": 99, "sourcePhotoQuality": "HIGH"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestForgedVerifiedIDCallbackIsRefusedAndChangesNothing(t *testing.T) {
	e, vid := startVerifiedIDEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t, verifiedIDPolicy)})
	card, p := raiseWithVerifiedID(e, vid)
	id := requestIDOf(t, card)
	forged := forgedVerification(t, p)
	for _, key := range []string{"", "not-the-key", vidAPIKey + "x"} {
		if status := vid.callback(t, key, forged); status != http.StatusUnauthorized {
			t.Fatalf("a callback with api-key %q: HTTP %d, want 401", key, status)
		}
	}
	e.click(approver1, card, "tap_approve")
	e.reply("is not verified yet (link sent, not opened yet)") // the step is where it was

	// The real presentation still works, and its replay changes nothing.
	if err := vid.Present(p.ID, aliceCard(91)); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the card shows the Face Check", kind(slacktest.KindUpdate, approvalsCh, "Face Check 91 % ≥ 70 ✓"))
	if err := vid.Replay(p.ID); err != nil {
		t.Fatalf("the replayed callback: %v", err)
	}
	e.click(approver1, card, "tap_approve")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	if !e.logLine("verified id callback refused", "api-key wrong or missing") {
		t.Error("the refused callbacks are not logged")
	}
	verified := 0
	for _, ev := range e.auditOf(id) {
		if ev.Type == approvals.EventVerifiedIDVerified {
			verified++
			if !strings.Contains(ev.Detail, "91 %") {
				t.Errorf("verified by %q, want the real Face Check", ev.Detail)
			}
		}
	}
	if verified != 1 {
		t.Fatalf("%d verified events, want the real presentation's alone", verified)
	}
}

// The customer tenants' own Verified ID authorities in MSP mode.
const (
	contosoDID  = "did:web:verifiedid.contoso.com"
	fabrikamDID = "did:web:verifiedid.fabrikam.com"
)

func TestMSPEachTenantsFaceCheckIsAskedInItsOwnNameWithItsOwnToken(t *testing.T) {
	vid := newVerifiedIDFake(t)
	vid.AddAuthority(contosoID, contosoDID)
	vid.AddAuthority(fabrikamID, fabrikamDID)
	tenants := filepath.Join(t.TempDir(), "tenants.yaml")
	file := "tenants:\n" +
		"  - {name: contoso, id: " + contosoID + ", domains: [contoso.com], verifiedIdAuthority: \"" + contosoDID + "\"}\n" +
		"  - {name: fabrikam, id: " + fabrikamID + ", domains: [fabrikam.com], verifiedIdAuthority: \"" + fabrikamDID + "\"}\n"
	if err := os.WriteFile(tenants, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	var vars []string
	for k, v := range vid.vars(t) {
		if k != "TAPBOT_VERIFIEDID_AUTHORITY" { // each tenant names its own
			vars = append(vars, k, v)
		}
	}
	vars = append(vars, "TAPBOT_TENANTS_FILE", tenants, "TAPBOT_POLICY_FILE", verifyPolicy(t, verifiedIDPolicy))
	m := startMSP(t, func(m *mspEnv) {
		roles := append(append(graphtest.DefaultRoles(), graphtest.VerificationRoles()...), verifiedidtest.PresentRole)
		m.contoso.SetRoles(roles...)
		m.fabrikam.SetRoles(roles...)
	}, vars...)
	vid.serve(m.env)

	m.command(requester, "alice@contoso.com 1h new phone")
	m.cardIn(approvalsCh, "alice@contoso.com")
	m.command(requester, "frank@fabrikam.com 1h new phone")
	card := m.cardIn(approvalsCh, "frank@fabrikam.com")
	m.waitFor("fabrikam's link", kind(slacktest.KindPostMessage, m.dmOf(requester), "Request "+requestIDOf(t, card)+" for frank@fabrikam.com needs"))
	asked := map[string]string{}
	for _, r := range vid.Requests() {
		if r.ID != "" {
			asked[r.Tenant] = r.Body.Authority
		}
	}
	if asked[contosoID] != contosoDID || asked[fabrikamID] != fabrikamDID || len(asked) != 2 {
		t.Fatalf("presentations asked (token tenant → authority) %v, want each tenant's own", asked)
	}
	p := vid.lastPresentation(t)
	if err := vid.Present(p.ID, verifiedidtest.Presented{Score: 88, Claims: map[string]string{"revocationId": "frank@fabrikam.com"}}); err != nil {
		t.Fatal(err)
	}
	m.waitFor("the card shows the Face Check", kind(slacktest.KindUpdate, approvalsCh, "Face Check 88 % ≥ 70 ✓"))
	m.click(approver1, card, "tap_approve")
	m.waitFor("the pass", kind(slacktest.KindPostEphemeral, m.dmOf(requester), "Temporary Access Pass for"))
	if n := len(m.fabrikam.Issued()); n != 1 {
		t.Fatalf("fabrikam issued %d passes, want 1", n)
	}
}

// TestRequesterStartsAFailedFaceCheckAgainWithTapVerify: after a Face
// Check below the threshold, /tap verify sends a new link; the old
// presentation's callbacks change nothing, the new one's Face Check lets
// the approval issue the pass. Nobody but the requester may start it again.
func TestRequesterStartsAFailedFaceCheckAgainWithTapVerify(t *testing.T) {
	e, vid := startVerifiedIDEnv(t, map[string]string{"TAPBOT_POLICY_FILE": verifyPolicy(t, verifiedIDPolicy)})
	card, first := raiseWithVerifiedID(e, vid)
	id := requestIDOf(t, card)
	if err := vid.Present(first.ID, aliceCard(62)); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the requester told how to start again", kind(slacktest.KindPostMessage, e.dmOf(requester), "start the check again with /tap verify "+id))

	e.command(approver1, "verify "+id)
	e.reply("Only the requester of " + id + " can start its Verified ID check again")
	e.command(requester, "verify "+strings.ToLower(id))
	e.reply("The Verified ID check of request " + id + " starts again")
	e.waitFor("the new link", kind(slacktest.KindPostMessage, e.dmOf(requester), "prove who they are with Entra Verified ID"))
	second := vid.lastPresentation(t)
	if second.ID == first.ID || second.Body.Callback.State == first.Body.Callback.State {
		t.Fatalf("the new presentation %s reuses the first one's id or state", second.ID)
	}
	if err := vid.Replay(first.ID); err != nil { // the first attempt's callback again: powerless now
		t.Fatalf("the first presentation's replayed callback: %v", err)
	}
	if err := vid.Present(second.ID, aliceCard(88)); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the card shows the new Face Check", kind(slacktest.KindUpdate, approvalsCh, "Face Check 88 % ≥ 70 ✓"))
	e.click(approver1, card, "tap_approve")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	if n := len(e.graph.Issued()); n != 1 {
		t.Fatalf("%d passes issued, want 1", n)
	}
}
