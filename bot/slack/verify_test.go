package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/internal/logbuf"
)

const verifyTestToken = "xoxb-1-verify-test-bot-token"

// The people of the verification tests: rita asks (and may approve
// others' requests), arno approves, mark is the target's manager in Entra
// and in Slack.
const (
	rita = "UREQ00001"
	arno = "UAPP00001"
	mark = "UMGR00001"
)

// verifyTenant is Entra for the verification tests: one user, alice, whose
// facts the test sets, and passes that carry a secret the leak scans look
// for.
type verifyTenant struct {
	mu      sync.Mutex
	facts   approvals.TargetFacts
	secrets []string
}

var alice = approvals.Target{ID: "id-alice", UPN: "alice@contoso.com", DisplayName: "Alice Andersen", AccountEnabled: true, UserType: "Member"}

func (f *verifyTenant) LookupUser(_ context.Context, upn string) (approvals.Target, error) {
	if !strings.EqualFold(upn, alice.UPN) {
		return approvals.Target{}, approvals.Errorf(approvals.ENOTFOUND, "No user %s in the tenant.", upn)
	}
	return alice, nil
}

func (f *verifyTenant) TAPPolicy(context.Context) (approvals.TAPPolicy, error) {
	return approvals.TAPPolicy{Enabled: true, DefaultLifetime: 60, MinLifetime: 10, MaxLifetime: 480, DefaultLength: 8}, nil
}

func (f *verifyTenant) ListPasses(context.Context, string) ([]approvals.PassInfo, error) {
	return nil, nil
}
func (f *verifyTenant) UserGroups(context.Context, string) ([]string, error) { return nil, nil }
func (f *verifyTenant) UserDirectoryRoles(context.Context, string) ([]approvals.DirectoryRole, error) {
	return nil, nil
}

func (f *verifyTenant) CreatePass(_ context.Context, _ string, p approvals.PassParams) (approvals.Pass, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	secret := fmt.Sprintf("PaSs%04dXq", len(f.secrets))
	f.secrets = append(f.secrets, secret)
	return approvals.Pass{MethodID: "m1", Secret: approvals.NewSecret(secret), Start: time.Now(), LifetimeMinutes: p.LifetimeMinutes, UsableOnce: p.UsableOnce}, nil
}

func (f *verifyTenant) DeletePass(context.Context, string, string) error { return nil }

func (f *verifyTenant) TargetFacts(context.Context, string, time.Time) (approvals.TargetFacts, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.facts, nil
}

// aliceFacts are alice's facts as Graph gives them, with directory text
// that would be markup if it were not escaped.
func aliceFacts(now time.Time) approvals.TargetFacts {
	ok := approvals.Checked{OK: true}
	return approvals.TargetFacts{
		BusinessPhones: []string{"+1 555 0100"}, MobilePhone: "+1 555 0199", Phones: ok,
		Manager:     &approvals.Person{ID: "id-mark", UPN: "mark@contoso.com", Mail: "Mark@Contoso.com", DisplayName: "Mark <!channel> Manager"},
		ManagerRead: ok,
		Risk:        approvals.Risk{Checked: ok, Level: "high", State: "atRisk"},
		Methods: approvals.Methods{Checked: ok, Since: now.Add(-7 * 24 * time.Hour), Recent: []approvals.Method{
			{Type: "microsoftAuthenticatorAuthenticationMethod", Name: "Microsoft Authenticator", Created: now.Add(-49 * time.Hour)},
		}},
	}
}

// verifyHarness is a Slack bot and its service against a fake Slack, under
// a policy with verification steps.
type verifyHarness struct {
	t      *testing.T
	srv    *slacktest.Server
	bot    *Bot
	svc    *approvals.Service
	tenant *verifyTenant
	logs   *logbuf.Buffer
	ctx    context.Context
}

func newVerifyHarness(t *testing.T, steps ...string) *verifyHarness {
	t.Helper()
	h := &verifyHarness{t: t, srv: slacktest.NewServer(verifyTestToken), tenant: &verifyTenant{}, logs: &logbuf.Buffer{}}
	t.Cleanup(h.srv.Close)
	h.tenant.facts = aliceFacts(time.Now())
	h.srv.AddUser(slacktest.User{ID: rita, Name: "rita", RealName: "Rita Requester", Email: "rita@contoso.com"})
	h.srv.AddUser(slacktest.User{ID: arno, Name: "arno", RealName: "Arno Approver", Email: "arno@contoso.com"})
	h.srv.AddUser(slacktest.User{ID: mark, Name: "mark", RealName: "Mark Manager", Email: "mark@contoso.com"})
	h.srv.AddChannel("C1", "tap-approvals", true)
	if err := h.srv.AddMembers("C1", rita, arno); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(h.logs, nil))
	h.bot = New(Config{BotToken: verifyTestToken, ApprovalChannel: "C1", APIURL: h.srv.APIURL(), MaxRetries: 1}, log)
	dbPath := filepath.Join(t.TempDir(), "verify.db")
	store, err := approvals.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	h.svc = approvals.NewService(approvals.Config{
		Store: store, Tenant: h.tenant, Logger: log, Notifiers: map[string]approvals.Notifier{Platform: h.bot},
		Policy: approvals.Policy{
			Authorizer: approvals.NewStaticAuthorizer([]string{Platform + ":" + rita}, []string{Platform + ":" + rita, Platform + ":" + arno}),
			Verify:     approvals.VerifyPolicy{Steps: steps},
		},
	})
	h.bot.Attach(h.svc)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	h.ctx = ctx
	t.Cleanup(func() {
		defer cancel()
		if err := h.svc.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		store.Close()
		h.scanForLeaks()
	})
	return h
}

// scanForLeaks proves that no pass reached the logs or any Slack message
// but its requester's ephemeral one.
func (h *verifyHarness) scanForLeaks() {
	for _, secret := range h.tenant.secrets {
		if strings.Contains(h.logs.String(), secret) {
			h.t.Error("a pass is in the logs")
		}
		for _, m := range h.srv.Messages() {
			if containsText(m, secret) && !(m.Kind == slacktest.KindPostEphemeral && m.User == rita) {
				h.t.Errorf("a pass is in a %s in %s", m.Kind, m.Channel)
			}
		}
	}
}

// raise has rita ask for a pass for alice and returns the request and its
// card as Slack shows it.
func (h *verifyHarness) raise() (*approvals.Request, slacktest.Message) {
	h.t.Helper()
	r, err := h.svc.Raise(h.ctx, approvals.RaiseInput{Requester: principal(rita, "rita"), UPN: alice.UPN, Reason: "new phone INC-4711"})
	if err != nil {
		h.t.Fatalf("raise: %v", err)
	}
	card, ok := h.srv.Current(r.Card.Channel, r.Card.ID)
	if !ok {
		h.t.Fatalf("no card for %s", r.ID)
	}
	return r, card
}

// click presses button action of m as user and hands the bot the click.
func (h *verifyHarness) click(user string, m slacktest.Message, action string) slack.InteractionCallback {
	h.t.Helper()
	cb, err := h.srv.Click(user, m, action)
	if err != nil {
		h.t.Fatal(err)
	}
	if ans := h.bot.HandleInteraction(h.ctx, cb); ans != nil {
		h.t.Fatalf("a click answered %v", ans)
	}
	return cb
}

// submit fills the modal viewID in as user, hands the bot the
// submission and returns its answer as Slack applies it.
func (h *verifyHarness) submit(user, viewID string, entries slacktest.Entries) slacktest.Answer {
	h.t.Helper()
	in, err := h.srv.ViewSubmission(user, viewID, entries)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.answer(in, nil)
}

// answer hands the bot submission in, changed by change first, and
// applies its answer.
func (h *verifyHarness) answer(in slacktest.Interaction, change func(*slack.InteractionCallback)) slacktest.Answer {
	h.t.Helper()
	cb, err := in.Callback()
	if err != nil {
		h.t.Fatal(err)
	}
	if change != nil {
		change(&cb)
	}
	body, err := json.Marshal(h.bot.HandleInteraction(h.ctx, cb))
	if err != nil {
		h.t.Fatal(err)
	}
	ans, err := h.srv.Answer(in, 200, body)
	if err != nil {
		h.t.Fatal(err)
	}
	return ans
}

// waitFor waits for the message pred accepts.
func (h *verifyHarness) waitFor(what string, pred func(slacktest.Message) bool) slacktest.Message {
	h.t.Helper()
	m, err := h.srv.Take(h.ctx, pred)
	if err != nil {
		h.t.Fatalf("waiting for %s: %v", what, err)
	}
	return m
}

// stored is request id as the store has it now.
func (h *verifyHarness) stored(id string) *approvals.Request {
	h.t.Helper()
	r, err := h.svc.Store().Get(id)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

func TestSlackCardShowsTheCallerFactsToApprovers(t *testing.T) {
	h := newVerifyHarness(t, approvals.StepCallback)
	_, card := h.raise()
	for _, want := range []string{
		"*Verify the caller*",
		"<tel:+15550100|+1 555 0100> (office), <tel:+15550199|+1 555 0199> (mobile)",
		"*Manager*: Mark &lt;!channel&gt; Manager (mark@contoso.com)",
		"⚠ High risk in Entra ID Protection (atRisk)",
		"⚠ Microsoft Authenticator registered 2 days ago",
		"⏳ callback needed",
	} {
		if !containsText(card, want) {
			t.Errorf("the card lacks %q:\n%s", want, card.Blocks)
		}
	}
	if strings.Contains(string(card.Blocks), "<!channel>") {
		t.Error("the manager's name reached the card unescaped")
	}
	blocks, err := card.BlockSet()
	if err != nil {
		t.Fatal(err)
	}
	if lines := blocksText(blocks); len(lines) < 3 || !strings.Contains(lines[0], "asks for a pass for") || strings.Contains(strings.Join(lines[:3], "\n"), "Verify the caller") {
		t.Errorf("the card's first three lines changed: %q", lines)
	}
}

func TestSlackCardSaysWhatWasNotChecked(t *testing.T) {
	h := newVerifyHarness(t, approvals.StepCallback)
	no := approvals.Checked{Why: "needs IdentityRiskyUser.Read.All"}
	h.tenant.facts.Risk = approvals.Risk{Checked: no}
	h.tenant.facts.Methods = approvals.Methods{Checked: approvals.Checked{Why: "needs UserAuthenticationMethod.Read.All"}}
	_, card := h.raise()
	for _, want := range []string{
		"⚠ Risk in Entra ID Protection not checked: needs IdentityRiskyUser.Read.All",
		"⚠ New sign-in methods not checked: needs UserAuthenticationMethod.Read.All",
	} {
		if !containsText(card, want) {
			t.Errorf("the card lacks %q:\n%s", want, card.Blocks)
		}
	}
	if containsText(card, "No risk") || containsText(card, "No sign-in method") {
		t.Errorf("an unchecked fact is shown as fine:\n%s", card.Blocks)
	}
}

// TestSlackRequesterNeverSeesTheCallerFacts: the numbers, the manager and
// the warning signs are on the approval card only, never in what the
// requester is sent nor in the card's thread.
func TestSlackRequesterNeverSeesTheCallerFacts(t *testing.T) {
	h := newVerifyHarness(t, approvals.StepCallback)
	receipt, raised := h.bot.raise(h.ctx, approvals.NewRequestID(), principal(rita, "rita"), bot.Command{UPN: alice.UPN, Reason: "new phone"})
	if !raised {
		t.Fatalf("not raised: %s", receipt.Text)
	}
	card := h.waitFor("the card", func(m slacktest.Message) bool { return m.Kind == slacktest.KindPostMessage && m.Channel == "C1" })
	r := &approvals.Request{ID: cardRequestID(t, card)}
	h.click(arno, card, actionDeny)
	deny, ok := h.srv.OpenModal(arno)
	if !ok {
		t.Fatal("Deny opened no modal")
	}
	h.submit(arno, deny.ID, slacktest.Entries{denyBlock: "call the user first"})
	h.waitFor("the requester's denial notice", func(m slacktest.Message) bool {
		return m.Kind == slacktest.KindPostMessage && m.Channel != "C1" && containsText(m, r.ID)
	})
	facts := []string{"555 0100", "555 0199", "Mark", "High risk", "Authenticator"}
	shown := []string{receipt.Text}
	for _, m := range h.srv.Messages() {
		if m.Channel != card.Channel || m.ThreadTS != "" {
			shown = append(shown, m.Text+string(m.Blocks))
		}
	}
	for _, s := range shown {
		for _, f := range facts {
			if strings.Contains(s, f) {
				t.Errorf("%q reached a message outside the approval card: %s", f, s)
			}
		}
	}
}

// cardRequestID reads the request id off a Slack card: the value of its
// Approve button.
func cardRequestID(t *testing.T, card slacktest.Message) string {
	t.Helper()
	b, ok := card.Button(actionApprove)
	if !ok {
		t.Fatalf("no Approve on %s", card.Blocks)
	}
	return b.Value
}

func TestSlackApproveOpensTheCallbackModal(t *testing.T) {
	h := newVerifyHarness(t, approvals.StepCallback)
	r, card := h.raise()
	if b, ok := card.Button(actionApprove); !ok || strings.Contains(string(card.Blocks), "Approve this pass?") {
		t.Errorf("Approve %+v asks for a confirmation the callback modal gives", b)
	}
	h.click(arno, card, actionApprove)
	modal, ok := h.srv.OpenModal(arno)
	if !ok {
		t.Fatal("Approve opened no modal")
	}
	if _, ok := modal.Input(callbackBlock); !ok {
		t.Fatalf("the modal has no tick box: %s", modal.Blocks)
	}
	if !strings.Contains(string(modal.Blocks), bot.CallbackTick) || !strings.Contains(string(modal.Blocks), "tel:+15550100") {
		t.Errorf("the modal does not show the tick and the directory numbers: %s", modal.Blocks)
	}
	if got := h.stored(r.ID); len(got.Approvals) != 0 {
		t.Fatalf("opening the modal approved: %+v", got.Approvals)
	}
}

func TestSlackCallbackModalWithoutTheTickApprovesNothing(t *testing.T) {
	h := newVerifyHarness(t, approvals.StepCallback)
	r, card := h.raise()
	h.click(arno, card, actionApprove)
	modal, _ := h.srv.OpenModal(arno)
	in, err := h.srv.ViewSubmission(arno, modal.ID, slacktest.Entries{callbackBlock: callbackValue})
	if err != nil {
		t.Fatal(err)
	}
	// Slack does not send a required box unticked; a submission that
	// comes without the tick all the same must still approve nothing.
	ans := h.answer(in, func(cb *slack.InteractionCallback) { delete(cb.View.State.Values, callbackBlock) })
	if ans.ResponseAction != "errors" || !strings.Contains(ans.Errors[callbackBlock], "Nothing was approved") {
		t.Fatalf("answer %+v, want the error under the tick box", ans)
	}
	if got := h.stored(r.ID); len(got.Approvals) != 0 || got.State != approvals.StatePending {
		t.Fatalf("an unticked submission approved: %s %+v", got.State, got.Approvals)
	}
}

func TestSlackTickedCallbackApprovesWithTheNote(t *testing.T) {
	h := newVerifyHarness(t, approvals.StepCallback)
	r, card := h.raise()
	h.click(arno, card, actionApprove)
	modal, _ := h.srv.OpenModal(arno)
	if ans := h.submit(arno, modal.ID, slacktest.Entries{callbackBlock: callbackValue, callbackNoteBlock: "office line, she confirmed"}); ans.ResponseAction != "" {
		t.Fatalf("answer %+v, want the modal closed", ans)
	}
	h.waitFor("the pass", func(m slacktest.Message) bool { return m.Kind == slacktest.KindPostEphemeral && m.User == rita })
	got := h.stored(r.ID)
	c := got.Verify.Callback
	if !c.Done() || c.By.ID != arno || c.Note != "office line, she confirmed" {
		t.Fatalf("callback %+v, want ticked by arno with the note", c)
	}
	if len(got.Approvals) != 1 || got.Approvals[0].By.ID != arno {
		t.Fatalf("approvals %+v", got.Approvals)
	}
}

func TestSlackRequesterPressingApproveIsRefusedWithoutAModal(t *testing.T) {
	h := newVerifyHarness(t, approvals.StepCallback)
	_, card := h.raise()
	h.click(rita, card, actionApprove)
	h.waitFor("the refusal", func(m slacktest.Message) bool {
		return m.Kind == slacktest.KindResponseURL && strings.Contains(m.Text, "can't approve your own request")
	})
	if _, ok := h.srv.OpenModal(rita); ok {
		t.Fatal("the requester got the callback modal")
	}
}

func TestSlackHomeTabApproveTakesTheCallbackPath(t *testing.T) {
	h := newVerifyHarness(t, approvals.StepCallback)
	r, _ := h.raise()
	h.bot.publishHome(h.ctx, principal(arno, "arno"), "")
	home, ok := h.srv.Home(arno)
	if !ok {
		t.Fatal("no Home tab")
	}
	in, err := h.srv.ClickView(arno, home.ID, actionApprove)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := in.Callback()
	if err != nil {
		t.Fatal(err)
	}
	h.bot.HandleInteraction(h.ctx, cb)
	modal, ok := h.srv.OpenModal(arno)
	if !ok {
		t.Fatal("Approve on the Home tab opened no callback modal")
	}
	h.submit(arno, modal.ID, slacktest.Entries{callbackBlock: callbackValue})
	h.waitFor("the Home tab with the outcome", func(m slacktest.Message) bool {
		return m.Kind == slacktest.KindPublishView && m.User == arno && containsText(m, "You approved request "+r.ID)
	})
	if !h.stored(r.ID).Verify.Callback.Done() {
		t.Fatal("the callback was not recorded")
	}
}

func TestSlackManagerIsAskedInADirectMessage(t *testing.T) {
	h := newVerifyHarness(t, approvals.StepManager)
	r, _ := h.raise()
	m := r.Verify.Manager
	if m.State != approvals.ManagerAsked || m.Asked.ID != mark || m.Message.ID == "" {
		t.Fatalf("manager step %+v, want mark asked", m)
	}
	ask, ok := h.srv.Current(m.Message.Channel, m.Message.ID)
	if !ok {
		t.Fatal("the ask is not in Slack")
	}
	if dm, _ := h.srv.IMChannel(mark); ask.Channel != dm {
		t.Fatalf("the ask went to %s, not mark's DM %s", ask.Channel, dm)
	}
	for _, want := range []string{"<@" + rita + "> asks for a Temporary Access Pass for *Alice Andersen*", "new phone INC-4711", r.ID} {
		if !containsText(ask, want) {
			t.Errorf("the ask lacks %q: %s", want, ask.Blocks)
		}
	}
	for _, id := range []string{actionManagerConfirm, actionManagerReject} {
		if _, ok := ask.Button(id); !ok {
			t.Errorf("the ask has no %s button", id)
		}
	}
}

func TestSlackManagerAnswerDecidesAndRedrawsTheAsk(t *testing.T) {
	tests := []struct {
		button    string
		wantState approvals.ManagerState
		wantReq   approvals.State
		wantText  string
	}{
		{actionManagerConfirm, approvals.ManagerConfirmed, approvals.StatePending, "You confirmed that Alice Andersen asked"},
		{actionManagerReject, approvals.ManagerRejected, approvals.StateDenied, "You rejected request"},
	}
	for _, tt := range tests {
		t.Run(tt.button, func(t *testing.T) {
			h := newVerifyHarness(t, approvals.StepManager)
			r, _ := h.raise()
			ask, _ := h.srv.Current(r.Verify.Manager.Message.Channel, r.Verify.Manager.Message.ID)
			h.click(mark, ask, tt.button)
			redrawn := h.waitFor("the redrawn ask", func(m slacktest.Message) bool {
				return m.Kind == slacktest.KindUpdate && m.TS == ask.TS && containsText(m, tt.wantText)
			})
			if len(redrawn.Buttons()) != 0 {
				t.Errorf("the answered ask still has buttons: %+v", redrawn.Buttons())
			}
			got := h.stored(r.ID)
			if got.Verify.Manager.State != tt.wantState || got.State != tt.wantReq || got.Verify.Manager.By.ID != mark {
				t.Fatalf("request %s, manager %+v", got.State, got.Verify.Manager)
			}
		})
	}
}

func TestSlackManagerAnswerByAnyoneElseChangesNothing(t *testing.T) {
	h := newVerifyHarness(t, approvals.StepManager)
	r, _ := h.raise()
	ask, _ := h.srv.Current(r.Verify.Manager.Message.Channel, r.Verify.Manager.Message.ID)
	cb, err := h.srv.Click(mark, ask, actionManagerConfirm)
	if err != nil {
		t.Fatal(err)
	}
	cb.User = slack.User{ID: arno, Name: "arno"} // a forwarded or forged press
	h.bot.HandleInteraction(h.ctx, cb)
	h.waitFor("the refusal", func(m slacktest.Message) bool {
		return m.Kind == slacktest.KindResponseURL && strings.Contains(m.Text, "can confirm or reject")
	})
	if got := h.stored(r.ID); got.Verify.Manager.State != approvals.ManagerAsked {
		t.Fatalf("manager step %+v after a stranger's press", got.Verify.Manager)
	}
}

func TestSlackAskManagerWithoutASlackUserIsNotFound(t *testing.T) {
	h := newVerifyHarness(t)
	h.srv.AddUser(slacktest.User{ID: "UGONE0001", Name: "gone", Email: "gone@contoso.com", Deleted: true})
	r := &approvals.Request{ID: "TAP-MGR001", Requester: principal(rita, "rita"), Target: alice}
	for _, p := range []approvals.Person{
		{ID: "id-nobody", DisplayName: "Nobody", Mail: "nobody@contoso.com", UPN: "nobody@contoso.onmicrosoft.com"},
		{ID: "id-gone", DisplayName: "Gone", Mail: "gone@contoso.com"},
		{ID: "id-nomail", DisplayName: "No Mail"},
	} {
		if _, err := h.bot.AskManager(h.ctx, r, p); approvals.ErrorCode(err) != approvals.ENOTFOUND {
			t.Errorf("%s: %v, want ENOTFOUND", p.DisplayName, err)
		}
	}
	if n := h.srv.CallCount("chat.postMessage"); n != 0 {
		t.Fatalf("%d messages posted for managers not in Slack", n)
	}
}

func TestSlackAskManagerLooksUpTheMailThenTheUPN(t *testing.T) {
	h := newVerifyHarness(t)
	r := &approvals.Request{ID: "TAP-MGR002", Requester: principal(rita, "rita"), Target: alice}
	c, err := h.bot.AskManager(h.ctx, r, approvals.Person{ID: "id-mark", Mail: "m.manager@contoso.com", UPN: "MARK@contoso.com"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Principal.ID != mark || c.Message.Channel == "" || c.Message.ID == "" {
		t.Fatalf("contact %+v, want mark and the DM", c)
	}
	if n := h.srv.CallCount("users.lookupByEmail"); n != 2 {
		t.Fatalf("%d look-ups, want the mail, then the UPN", n)
	}
}

func TestSlackVerifiedIDLinkComesWithAButtonAndTheLinkToCopy(t *testing.T) {
	h := newVerifyHarness(t)
	link := "https://verifiedid.example/p/abc?state=x_y&z=1"
	r := &approvals.Request{ID: "TAP-VID001", Requester: principal(rita, "rita"), Target: alice,
		Verify: &approvals.Verification{VerifiedID: &approvals.VerifiedIDStep{Required: true, State: approvals.VerifiedIDStarted, URL: link}}}
	if err := h.bot.TellRequester(h.ctx, approvals.Notice{Request: r, Kind: approvals.EventVerifiedIDStarted, Text: "Send them this link: " + link}); err != nil {
		t.Fatal(err)
	}
	m := h.waitFor("the link notice", func(m slacktest.Message) bool { return m.Kind == slacktest.KindPostMessage })
	if _, ok := m.Button(actionOpenVerifiedID); !ok {
		t.Fatalf("no %q button: %s", bot.VerifiedIDButton, m.Blocks)
	}
	if !containsText(m, `"url":"`+link+`"`) || !containsText(m, "```"+bot.EscapeMrkdwn(link)+"```") {
		t.Errorf("the link is not on the button and in a code block: %s", m.Blocks)
	}
}
