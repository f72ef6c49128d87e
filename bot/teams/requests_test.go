package teams

import (
	"strings"
	"sync"
	"testing"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

func TestRequestInChatIsApprovedOnCardAndPassGoesToRequesterChat(t *testing.T) {
	h := newHarness(t)
	h.says(h.rita, "tap alice@contoso.com 2h once new phone INC-4711")
	ack := h.waitFor("acknowledgement", teamstest.Sent(h.chat(h.rita), "Checking the account of alice@contoso.com"))
	if ack.Shows("TAP-") {
		t.Errorf("the acknowledgement names a request id before the request exists: %s", ack.Text)
	}
	card := h.card()
	for _, want := range []string{"Rita Requester", "Alice Andersen", "alice@contoso.com", "2h", "one-time", "starts now", "new phone INC-4711", "Waiting for approval", "0 of 1"} {
		if !card.Shows(want) {
			t.Errorf("card lacks %q: %s", want, card.Card())
		}
	}
	h.waitFor("receipt", teamstest.Sent(h.chat(h.rita), "is waiting for approval"))

	h.click(h.arno, card, actionApprove)
	pass := h.waitFor("the pass", teamstest.Sent(h.chat(h.rita), "Temporary Access Pass for"))
	issued := h.tenant.issued()
	if len(issued) != 1 {
		t.Fatalf("%d passes issued, want 1", len(issued))
	}
	if !pass.Shows(issued[0]) {
		t.Fatalf("the pass message does not show the pass verbatim: %s", pass.Card())
	}
	for _, want := range []string{"One-time", "2h", "Approved by Arno Approver.", "Sign-in options", "removes the pass", "10m"} {
		if !pass.Shows(want) {
			t.Errorf("pass message lacks %q", want)
		}
	}
	final := h.waitFor("card shows delivery", teamstest.Updated(approvalChan, "Issued and delivered privately", "Arno Approver"))
	if final.ID != card.ID {
		t.Fatalf("updated message %s, not the card %s", final.ID, card.ID)
	}
	if _, ok := findAction(final, actionApprove); ok {
		t.Fatal("a decided card still has buttons")
	}
}

func TestRequestTypedInChannelOpensTheRequestersChat(t *testing.T) {
	h := newHarness(t)
	const general = "19:general0001@thread.tacv2"
	h.fake.AddChannel(general, "helpdesk")
	mention := h.fake.Mention(h.ian, general, "tap alice@contoso.com 1h&nbsp;reset")
	if status := h.deliver(mention); status != 200 {
		t.Fatalf("HTTP %d", status)
	}
	ack := h.waitFor("acknowledgement in the thread", teamstest.Sent(general, "Checking"))
	if ack.Thread != mention.ID {
		t.Fatalf("acknowledgement went to thread %q, not under the mention %s", ack.Thread, mention.ID)
	}
	h.click(h.arno, h.card(), actionApprove)
	pass := h.waitFor("the pass", teamstest.Sent("", "Temporary Access Pass for"))
	if pass.Conversation != h.chat(h.ian) || pass.ConvType != teamstest.TypePersonal {
		t.Fatalf("the pass went to %s (%s), not Ian's 1:1 chat", pass.Conversation, pass.ConvType)
	}
}

func TestRequesterWithoutTheAppIsToldHowToStartAChatAndNothingIsRaised(t *testing.T) {
	h := newHarness(t)
	const general = "19:general0001@thread.tacv2"
	h.fake.AddChannel(general, "helpdesk")
	h.deliver(h.fake.Mention(h.nina, general, "tap alice@contoso.com 1h"))
	h.waitFor("explanation", teamstest.Sent(general, "no chat with it yet", "Apps"))
	h.stop()
	for _, a := range h.fake.Activities() {
		if a.Conversation == approvalChan {
			t.Fatal("a card was posted although the pass could not be delivered")
		}
	}
}

func TestSelfApprovalInTeamsIsRefused(t *testing.T) {
	h := newHarness(t)
	h.says(h.bea, "tap alice@contoso.com 1h")
	card := h.card()
	h.click(h.bea, card, actionApprove)
	h.waitFor("refusal", teamstest.Sent(h.chat(h.bea), "can't approve your own request"))
	if n := len(h.tenant.issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
	h.click(h.arno, card, actionApprove)
	h.waitFor("the pass", teamstest.Sent(h.chat(h.bea), "Temporary Access Pass for"))
}

func TestOutsidersCannotRequestApproveOrDenyInTeams(t *testing.T) {
	h := newHarness(t)
	h.says(h.otto, "tap alice@contoso.com 1h")
	h.waitFor("refusal", teamstest.Sent(h.chat(h.otto), "not allowed to request"))
	h.says(h.rita, "tap alice@contoso.com 1h")
	card := h.card()
	h.click(h.otto, card, actionApprove)
	h.waitFor("approve refused", teamstest.Sent(h.chat(h.otto), "not an approver"))
	h.click(h.rita, card, actionDeny)
	h.waitFor("deny refused", teamstest.Sent(h.chat(h.rita), "not an approver"))
	h.stop()
	if n := len(h.tenant.issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
	if cur, _ := h.fake.Current(approvalChan, card.ID); !cur.Shows("Waiting for approval") {
		t.Fatalf("card changed: %s", cur.Card())
	}
}

func TestRefusalToSomeoneWithoutAChatGoesToTheCardsThread(t *testing.T) {
	h := newHarness(t)
	h.says(h.rita, "tap alice@contoso.com 1h")
	card := h.card()
	h.click(h.arno, card, actionDeny)
	h.waitFor("card shows denial", teamstest.Updated(approvalChan, "Denied by Arno Approver"))
	h.click(h.arno, card, actionApprove) // the button as it was before the update
	late := h.waitFor("late click explained", teamstest.Sent(approvalChan, "already denied"))
	if late.Thread != card.Thread {
		t.Fatalf("explanation in thread %q, not the card's %q", late.Thread, card.Thread)
	}
}

func TestDenyCommandCarriesEscapedReasonAndTellsRequester(t *testing.T) {
	h := newHarness(t)
	h.says(h.rita, "tap alice@contoso.com 1h")
	id := requestID(t, h.card())
	h.says(h.arno, "deny "+id+" no ticket [here](https://evil.example)")
	h.waitFor("card shows reason", teamstest.Updated(approvalChan, `no ticket \[here\]\(https://evil.example\)`))
	h.waitFor("requester told", teamstest.Sent(h.chat(h.rita), "denied request"))
	h.waitFor("denier told", teamstest.Sent(h.chat(h.arno), "You denied request "+id))
}

func TestRequesterCancelsFromTheReceipt(t *testing.T) {
	h := newHarness(t)
	h.says(h.rita, "tap alice@contoso.com 1h")
	h.card()
	receipt := h.waitFor("receipt", teamstest.Sent(h.chat(h.rita), "is waiting for approval"))
	h.click(h.rita, receipt, actionCancel)
	h.waitFor("card shows cancellation", teamstest.Updated(approvalChan, "Cancelled by the requester"))
}

func TestDoubleClickInTeamsIssuesOnePass(t *testing.T) {
	h := newHarness(t)
	h.says(h.rita, "tap alice@contoso.com 1h")
	card := h.card()
	var wg sync.WaitGroup
	for _, who := range []teamstest.User{h.arno, h.bea, h.arno, h.bea} {
		a, err := h.fake.Click(who, card, actionApprove)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); h.fake.Deliver(t.Context(), h.endpoint(), a) }()
	}
	wg.Wait()
	h.waitFor("card shows delivery", teamstest.Updated(approvalChan, "Issued and delivered"))
	h.stop()
	if n := len(h.tenant.issued()); n != 1 {
		t.Fatalf("%d passes issued, want 1", n)
	}
	passes := 0
	for _, a := range h.fake.Activities() {
		if a.Kind == teamstest.KindSend && a.Shows("Temporary Access Pass for") {
			passes++
		}
	}
	if passes != 1 {
		t.Fatalf("%d pass messages, want 1", passes)
	}
}

func TestUserTextOnCardsIsEscaped(t *testing.T) {
	h := newHarness(t)
	h.says(h.rita, "tap carol@contoso.com 1h see [this](https://evil.example) **now** <at>Everyone</at>")
	card := h.card()
	for _, want := range []string{`Carol \<b\>Chen\</b\>`, `\[this\]\(https://evil.example\)`, `\*\*now\*\*`, "Everyone"} {
		if !card.Shows(want) {
			t.Errorf("card lacks escaped %q: %s", want, card.Card())
		}
	}
	if card.Shows("<at>") || card.Shows("[this](") {
		t.Errorf("card holds live markup: %s", card.Card())
	}
}

func TestApprovalChannelIsRememberedFromTheTeamInstall(t *testing.T) {
	h := newHarness(t)
	if status := h.deliver(h.fake.InstallTeam(h.arno, approvalChan)); status != 200 {
		t.Fatalf("HTTP %d", status)
	}
	h.stop()
	var ref struct {
		ServiceURL   string `json:"serviceUrl"`
		Conversation struct {
			ID string `json:"id"`
		} `json:"conversation"`
	}
	ok, err := h.bot.getJSON(refConversation, approvalChan, &ref)
	if err != nil || !ok {
		t.Fatalf("approval conversation not stored: %v", err)
	}
	if ref.ServiceURL != h.fake.ServiceURL() || ref.Conversation.ID != approvalChan {
		t.Fatalf("stored %+v", ref)
	}
}

func TestPersonalInstallIsWelcomed(t *testing.T) {
	h := newHarness(t)
	h.deliver(h.fake.InstallPersonal(h.ian))
	h.waitFor("welcome", teamstest.Sent(h.chat(h.ian), "Hi Ian Installed", "help"))
}

// findAction reports whether the card of m has an Action.Submit for action.
func findAction(m teamstest.Activity, action string) (string, bool) {
	s := string(m.Card())
	return s, strings.Contains(s, `"action":"`+action+`"`)
}
