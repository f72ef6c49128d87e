package teams

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

// TargetFacts makes the fake tenant a FactFinder: the facts a test set for
// the user, else none checked.
func (f *fakeTenant) TargetFacts(_ context.Context, userID string, _ time.Time) (approvals.TargetFacts, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.facts[userID], nil
}

// setFacts sets what the directory says of the user with id.
func (f *fakeTenant) setFacts(id string, facts approvals.TargetFacts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.facts == nil {
		f.facts = map[string]approvals.TargetFacts{}
	}
	f.facts[id] = facts
}

// verify puts the harness's service under a policy with steps, the
// harness's requesters and approvers unchanged.
func (h *harness) verify(steps ...string) {
	key := func(u teamstest.User) string { return Platform + ":" + u.AADObjectID }
	h.svc.SetPolicy(approvals.Policy{
		Authorizer: approvals.NewStaticAuthorizer(
			[]string{key(h.rita), key(h.ian), key(h.nina), key(h.bea)},
			[]string{key(h.arno), key(h.bea)}),
		Verify: approvals.VerifyPolicy{Steps: steps},
	})
}

// manager adds alice's manager, who has a 1:1 chat with the bot, and sets
// alice's facts to name them.
func (h *harness) manager() teamstest.User {
	h.t.Helper()
	mark := h.fake.AddUser(teamstest.User{Name: "Mark Manager", Personal: true})
	h.says(mark, "help")
	h.waitFor("the manager's help", teamstest.Sent(h.chat(mark)))
	facts := teamsFacts()
	facts.Manager = &approvals.Person{ID: mark.AADObjectID, UPN: "mark@contoso.com", DisplayName: "Mark Manager"}
	h.tenant.setFacts("id-alice", facts)
	return mark
}

// teamsFacts are alice's facts, with directory text that would be
// markdown if it were not escaped.
func teamsFacts() approvals.TargetFacts {
	ok := approvals.Checked{OK: true}
	return approvals.TargetFacts{
		BusinessPhones: []string{"+1 555 0100"}, Phones: ok,
		Manager:     &approvals.Person{ID: "id-mark", UPN: "mark@contoso.com", DisplayName: "Mark [boss](https://evil.example)"},
		ManagerRead: ok,
		Risk:        approvals.Risk{Checked: ok, Level: "high", State: "atRisk"},
		Methods:     approvals.Methods{Checked: approvals.Checked{Why: "needs UserAuthenticationMethod.Read.All"}},
	}
}

func TestTeamsCardShowsTheCallerFactsToApprovers(t *testing.T) {
	h := newHarness(t)
	h.verify(approvals.StepCallback)
	h.tenant.setFacts("id-alice", teamsFacts())
	h.says(h.rita, "tap alice@contoso.com 1h new phone")
	card := h.card()
	for _, want := range []string{
		"**Verify the caller**",
		"[+1 555 0100](tel:+15550100) (office)",
		`Mark \[boss\]\(https://evil.example\)`,
		"⚠ High risk in Entra ID Protection (atRisk)",
		"⚠ New sign-in methods not checked: needs UserAuthenticationMethod.Read.All",
		"⏳ callback needed",
	} {
		if !card.Shows(want) {
			t.Errorf("the card lacks %q:\n%s", want, card.Shown())
		}
	}
	h.waitFor("receipt", teamstest.Sent(h.chat(h.rita), "is waiting for approval"))
	for _, a := range h.fake.Activities() {
		if a.Conversation != h.chat(h.rita) {
			continue
		}
		for _, fact := range []string{"555 0100", "Mark", "High risk", "not checked"} {
			if a.Shows(fact) {
				t.Errorf("the requester was shown %q: %s", fact, a.Shown())
			}
		}
	}
}

func TestTeamsApproveNeedsTheCallbackTick(t *testing.T) {
	h := newHarness(t)
	h.verify(approvals.StepCallback)
	h.tenant.setFacts("id-alice", teamsFacts())
	h.says(h.rita, "tap alice@contoso.com 1h new phone")
	card := h.card()
	id := requestID(t, card)
	if _, err := h.fake.Submit(h.arno, card, actionApprove, map[string]string{inputCalled: "false"}); err == nil {
		t.Fatal("Teams would send an approval without the tick: the box is not required")
	}
	// A client that sends it unticked all the same is refused.
	a, err := h.fake.Submit(h.arno, card, actionApprove, map[string]string{inputCalled: "true"})
	if err != nil {
		t.Fatal(err)
	}
	a.Value[inputCalled] = "false"
	h.deliver(a)
	h.waitFor("the refusal", teamstest.Sent("", "Tick", "I called the user back on a directory number"))
	if r, _ := h.store.Get(id); len(r.Approvals) != 0 {
		t.Fatalf("an unticked approval counted: %+v", r.Approvals)
	}

	h.conv.Submit(h.arno, card, actionApprove, map[string]string{inputCalled: "true", inputCallbackNote: "office line, she confirmed"})
	h.waitFor("the pass", teamstest.Sent(h.chat(h.rita), "Temporary Access Pass for"))
	r, _ := h.store.Get(id)
	if c := r.Verify.Callback; !c.Done() || c.Note != "office line, she confirmed" || c.By.ID != h.arno.AADObjectID {
		t.Fatalf("callback %+v, want ticked by arno with the note", c)
	}
}

func TestTeamsManagerIsAskedAndTheirAnswerDecides(t *testing.T) {
	tests := []struct {
		action    string
		wantState approvals.ManagerState
		wantReq   approvals.State
		wantText  string
	}{
		{actionManagerConfirm, approvals.ManagerConfirmed, approvals.StatePending, "You confirmed that Alice Andersen asked"},
		{actionManagerReject, approvals.ManagerRejected, approvals.StateDenied, "You rejected request"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			h := newHarness(t)
			h.verify(approvals.StepManager)
			mark := h.manager()
			h.says(h.rita, "tap alice@contoso.com 1h new phone INC-4711")
			ask := h.waitFor("the manager's ask", teamstest.Sent(h.chat(mark), "Rita Requester asks for a Temporary Access Pass for **Alice Andersen**"))
			for _, want := range []string{"INC-4711", bot.ManagerConfirmButton, bot.ManagerRejectButton} {
				if !ask.Shows(want) {
					t.Errorf("the ask lacks %q: %s", want, ask.Shown())
				}
			}
			id := requestID(t, ask)
			h.waitFor("the requester told of the ask", teamstest.Sent(h.chat(h.rita), "tapbot asked Mark Manager"))
			h.click(mark, ask, tt.action)
			redrawn := h.waitFor("the redrawn ask", teamstest.Updated(h.chat(mark), tt.wantText))
			if redrawn.ID != ask.ID {
				t.Fatalf("updated %s, not the ask %s", redrawn.ID, ask.ID)
			}
			if _, ok := findAction(redrawn, tt.action); ok {
				t.Error("the answered ask still has its buttons")
			}
			r, _ := h.store.Get(id)
			if r.Verify.Manager.State != tt.wantState || r.State != tt.wantReq {
				t.Fatalf("request %s, manager %+v", r.State, r.Verify.Manager)
			}
		})
	}
}

func TestTeamsManagerAnswerByAnyoneElseChangesNothing(t *testing.T) {
	h := newHarness(t)
	h.verify(approvals.StepManager)
	mark := h.manager()
	h.says(h.rita, "tap alice@contoso.com 1h new phone")
	ask := h.waitFor("the manager's ask", teamstest.Sent(h.chat(mark), "asks for a Temporary Access Pass"))
	id := requestID(t, ask)
	h.waitFor("the requester told of the ask", teamstest.Sent(h.chat(h.rita), "tapbot asked Mark Manager"))
	a, err := h.fake.Click(mark, ask, actionManagerConfirm)
	if err != nil {
		t.Fatal(err)
	}
	a.From.AadObjectID, a.From.Name = h.bea.AADObjectID, h.bea.Name // a forged press
	h.deliver(a)
	h.waitFor("the refusal", teamstest.Sent("", "can confirm or reject"))
	if r, _ := h.store.Get(id); r.Verify.Manager.State != approvals.ManagerAsked {
		t.Fatalf("manager step %+v after a stranger's press", r.Verify.Manager)
	}
}

func TestTeamsAskManagerWithoutTheirChatIsNotFound(t *testing.T) {
	h := newHarness(t)
	r := &approvals.Request{ID: "TAP-MGR001", Requester: principal(h.rita.AADObjectID, h.rita.Name), Target: approvals.Target{ID: "id-alice", UPN: "alice@contoso.com"}}
	for _, p := range []approvals.Person{{ID: h.otto.AADObjectID, DisplayName: "Otto"}, {DisplayName: "Nobody"}} {
		if _, err := h.bot.AskManager(context.Background(), r, p); approvals.ErrorCode(err) != approvals.ENOTFOUND {
			t.Errorf("%s: %v, want ENOTFOUND", p.DisplayName, err)
		}
	}
}

func TestTeamsTellTargetWritesInTheTargetsChat(t *testing.T) {
	h := newHarness(t)
	alice := h.fake.AddUser(teamstest.User{Name: "Alice Andersen", Personal: true})
	h.says(alice, "help")
	h.waitFor("alice's help", teamstest.Sent(h.chat(alice)))
	r := &approvals.Request{ID: "TAP-TGT001", Target: approvals.Target{ID: alice.AADObjectID, UPN: "alice@contoso.com"}}
	if err := h.bot.TellTarget(context.Background(), r, "A Temporary Access Pass was created for your account *now*."); err != nil {
		t.Fatal(err)
	}
	told := h.waitFor("the notice", teamstest.Sent(h.chat(alice), "A Temporary Access Pass was created for your account"))
	if !told.Shows(`\*now\*`) {
		t.Errorf("the notice is not escaped: %s", told.Text)
	}
	r.Target.ID = h.otto.AADObjectID
	if err := h.bot.TellTarget(context.Background(), r, "hello"); approvals.ErrorCode(err) != approvals.ENOTFOUND {
		t.Fatalf("a target without a chat: %v, want ENOTFOUND", err)
	}
}

func TestTeamsVerifiedIDLinkComesWithAButtonAndTheLinkToCopy(t *testing.T) {
	h := newHarness(t)
	h.says(h.rita, "help")
	h.waitFor("rita's help", teamstest.Sent(h.chat(h.rita)))
	link := "https://verifiedid.example/p/abc?state=x_y&z=1"
	r := &approvals.Request{ID: "TAP-VID001", Requester: principal(h.rita.AADObjectID, h.rita.Name), Target: approvals.Target{UPN: "alice@contoso.com"},
		Verify: &approvals.Verification{VerifiedID: &approvals.VerifiedIDStep{Required: true, State: approvals.VerifiedIDStarted, URL: link}}}
	if err := h.bot.TellRequester(context.Background(), approvals.Notice{Request: r, Kind: approvals.EventVerifiedIDStarted, Text: "Send them this link: " + link}); err != nil {
		t.Fatal(err)
	}
	m := h.waitFor("the link", teamstest.Sent(h.chat(h.rita), "Send them this link"))
	card := string(m.Card())
	if !strings.Contains(card, `"type":"Action.OpenUrl"`) || !strings.Contains(card, bot.VerifiedIDButton) {
		t.Errorf("no button opens the link: %s", card)
	}
	if !m.Shows("\n" + link + "\n") {
		t.Errorf("the link is not shown verbatim to copy: %s", m.Shown())
	}
}
