package main

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

func TestSlackRequestApprovedIsDeliveredPrivately(t *testing.T) {
	approvedIsDeliveredPrivately(t, nil)
}

func TestSlackRequestApprovedIsDeliveredPrivatelyOnPostgres(t *testing.T) {
	approvedIsDeliveredPrivately(t, onPostgres(t))
}

// approvedIsDeliveredPrivately walks a request from /tap to the pass in
// the requester's ephemeral message, with vars over the test environment.
func approvedIsDeliveredPrivately(t *testing.T, vars map[string]string) {
	e := startEnv(t, vars)
	ack := e.command(requester, "alice@contoso.com 2h once new phone INC-4711")
	if !strings.Contains(ack, "Checking the account of alice@contoso.com") || strings.Contains(ack, "TAP-") {
		t.Fatalf("ack = %q, want the check and no request id before the request exists", ack)
	}
	card := e.card()
	for _, want := range []string{"Alice Andersen", "alice@contoso.com", "2h", "one-time", "starts now", "new phone INC-4711", "Waiting for approval", "<@" + requester + ">"} {
		if !strings.Contains(shown(card), want) {
			t.Errorf("card lacks %q: %s", want, shown(card))
		}
	}
	e.reply("is waiting for approval")

	if status := e.click(approver1, card, "tap_approve"); status != http.StatusOK {
		t.Fatalf("approve click: HTTP %d", status)
	}
	pass := e.waitFor("the pass", kind(slacktest.KindPostEphemeral, "", "Temporary Access Pass for"))
	dm := e.dmOf(requester)
	issued := e.graph.Issued()
	if len(issued) != 1 {
		t.Fatalf("Graph issued %d passes, want 1", len(issued))
	}
	if pass.Channel != dm || pass.User != requester || !strings.Contains(shown(pass), "```"+issued[0].Secret+"```") {
		t.Fatalf("pass message in %s for %s: %q", pass.Channel, pass.User, shown(pass))
	}
	if strings.Contains(pass.Text, issued[0].Secret) {
		t.Error("the notification text of the pass message holds the pass")
	}
	// The pass is the first the requester hears of the approval: it says who.
	for _, want := range []string{"One-time", "2h", "Approved by <@" + approver1 + ">.", "Sign-in options", "Temporary Access Pass"} {
		if !strings.Contains(shown(pass), want) {
			t.Errorf("pass message lacks %q", want)
		}
	}
	if !issued[0].UsableOnce || issued[0].LifetimeMinutes != 120 {
		t.Fatalf("issued %+v", issued[0])
	}
	final := e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered privately"))
	if strings.Contains(shown(final), "tap_approve") {
		t.Fatal("a decided card still has buttons")
	}
	if !strings.Contains(shown(final), "<@"+approver1+">") {
		t.Fatalf("card does not say who approved: %s", final.Blocks)
	}
}

func TestSlackSelfApprovalIsRefused(t *testing.T) {
	e := startEnv(t, nil)
	e.command(both, "alice@contoso.com 1h reset")
	card := e.card()
	e.click(both, card, "tap_approve")
	e.reply("can't approve your own request")
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
	// Another approver still can.
	e.click(approver1, card, "tap_approve")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(both), "Temporary Access Pass for"))
}

func TestSlackOutsidersCanDoNothing(t *testing.T) {
	e := startEnv(t, nil)
	e.command(outsider, "alice@contoso.com 1h")
	e.reply("not allowed to request")
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	e.click(outsider, card, "tap_approve")
	e.reply("not an approver")
	e.click(requester, card, "tap_deny")
	e.reply("not an approver")
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
	if cur, _ := e.slack.Current(card.Channel, card.TS); !strings.Contains(string(cur.Blocks), "Waiting for approval") {
		t.Fatalf("card changed: %s", cur.Blocks)
	}
}

func TestSlackDenyEndsRequestAndLaterClicksExplain(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	e.submitModal(approver1, e.denyModal(approver1, card), nil)
	e.waitFor("card shows denial", kind(slacktest.KindUpdate, approvalsCh, "Denied by <@"+approver1+">"))
	e.waitFor("requester told", kind(slacktest.KindPostMessage, "", "denied request"))
	id := requestIDOf(t, card)
	e.lateClick(approver2, "tap_approve", id) // the button as it was before the update
	e.reply("already denied")
	e.command(approver2, "deny "+id+" too late")
	e.reply("already denied")
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
}

func TestSlackDenyCommandCarriesReason(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	e.command(approver1, "deny "+requestIDOf(t, card)+" no ticket <!channel>")
	e.waitFor("card shows reason", kind(slacktest.KindUpdate, approvalsCh, "no ticket &lt;!channel&gt;"))
}

func TestSlackRequesterCancels(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	e.card()
	reply := e.reply("is waiting for approval")
	cb, err := e.slack.Click(requester, reply, "tap_cancel")
	if err != nil {
		t.Fatal(err)
	}
	form, _ := slacktest.BlockActionForm(cb)
	e.post("/slack/interactions", form, time.Now())
	e.waitFor("card shows cancellation", kind(slacktest.KindUpdate, approvalsCh, "Cancelled by the requester"))
}

func TestSlackPendingRequestExpires(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	e.clock.Advance(31 * time.Minute)
	e.waitFor("card shows expiry", kind(slacktest.KindUpdate, approvalsCh, "Expired"))
	e.waitFor("requester told", kind(slacktest.KindPostMessage, "", "expired"))
	e.lateClick(approver1, "tap_approve", requestIDOf(t, card))
	e.reply("expired")
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
}

func TestFiftySimultaneousApproveClicksIssueOnePass(t *testing.T) {
	fiftyClicksIssueOnePass(t, nil)
}

func TestFiftySimultaneousApproveClicksOnPostgresIssueOnePass(t *testing.T) {
	fiftyClicksIssueOnePass(t, onPostgres(t))
}

// fiftyClicksIssueOnePass has fifty approvers press Approve twice each at
// once, with vars over the test environment.
func fiftyClicksIssueOnePass(t *testing.T, vars map[string]string) {
	const n = 50
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("UMANY%03d", i))
	}
	vars = maps.Clone(vars)
	if vars == nil {
		vars = map[string]string{}
	}
	vars["TAPBOT_APPROVERS"] = strings.Join(ids, ",")
	e := startEnv(t, vars)
	for _, id := range ids {
		e.slack.AddUser(slacktest.User{ID: id, Name: strings.ToLower(id)})
	}
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	forms := e.pressesTwice(card, ids)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, form := range forms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			e.post("/slack/interactions", form, time.Now())
		}()
	}
	close(start)
	wg.Wait()
	e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
	for range 2*n - 1 {
		e.reply("already approved")
	}
	e.stopOnce() // waits for every click's work to finish
	if got := len(e.graph.Issued()); got != 1 {
		t.Fatalf("%d passes issued, want 1", got)
	}
	if passes := e.passMessages(); passes != 1 {
		t.Fatalf("%d pass messages, want 1", passes)
	}
}

func TestSlackUnsignedOrReplayedRequestsAreRefused(t *testing.T) {
	e := startEnv(t, nil)
	form, err := e.slack.SlashCommand(requester, generalCh, "alice@contoso.com 1h")
	if err != nil {
		t.Fatal(err)
	}
	// Stale: signed correctly, but six minutes old.
	if status, _ := e.post("/slack/commands", form, time.Now().Add(-6*time.Minute)); status != http.StatusUnauthorized {
		t.Fatalf("stale request: HTTP %d", status)
	}
	// Wrong secret.
	req, _ := slacktest.NewSignedRequest(t.Context(), e.base+"/slack/commands", form, "wrong-secret", time.Now())
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("mis-signed request: %v %v", resp.StatusCode, err)
	}
	// Unsigned.
	resp, err := http.PostForm(e.base+"/slack/interactions", form)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned request: %v %v", resp.StatusCode, err)
	}
	// Replayed: the same signed request twice.
	ts := time.Now()
	if status, _ := e.post("/slack/commands", form, ts); status != http.StatusOK {
		t.Fatalf("first request: HTTP %d", status)
	}
	if status, _ := e.post("/slack/commands", form, ts); status != http.StatusUnauthorized {
		t.Fatalf("replayed request: HTTP %d", status)
	}
	e.card()
	e.stopOnce()
	cards := 0
	for _, m := range e.slack.Messages() {
		if m.Kind == slacktest.KindPostMessage && m.Channel == approvalsCh {
			cards++
		}
	}
	if cards != 1 {
		t.Fatalf("%d approval cards, want 1 (only the first signed request counts)", cards)
	}
}

func TestSlackBadInputIsRefusedBeforeApproval(t *testing.T) {
	tests := []struct {
		name, text, ack, reply string
	}{
		{"lifetime above tenant max", "alice@contoso.com 12h", "Checking", "it allows 1h to 8h"},
		{"malformed upn", "alice@@contoso 1h", "alice@@contoso", ""},
		{"unknown user", "zed@contoso.com 1h", "Checking", "zed@contoso.com"},
		{"disabled account", "bob@contoso.com 1h", "Checking", "disabled"},
		{"start in the past", "alice@contoso.com 1h at 2020-01-01T10:00Z", "in the past", ""},
		{"lifetime too short for anyone", "alice@contoso.com 5m", "10 minutes", ""},
		{"mistyped once", "alice@contoso.com 2h onse new phone", "did you mean `once`", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, nil)
			ack := e.command(requester, tt.text)
			if !strings.Contains(ack, tt.ack) {
				t.Fatalf("ack %q lacks %q", ack, tt.ack)
			}
			if tt.reply != "" {
				e.reply(tt.reply)
			}
			e.stopOnce()
			for _, m := range e.slack.Messages() {
				if m.Channel == approvalsCh {
					t.Fatalf("a card was posted for bad input: %s", m.Text)
				}
			}
		})
	}
}

func TestSlackGraphErrorsBecomeClearMessages(t *testing.T) {
	e := startEnv(t, nil)
	// Consent missing from the start: the request is refused with the fix.
	e.graph.SetRoles("User.Read.All", "Policy.Read.AuthenticationMethod")
	e.command(requester, "alice@contoso.com 1h")
	e.reply("UserAuthMethod-TAP.ReadWrite.All")
	e.graph.SetRoles(graphtest.DefaultRoles()...)

	// Consent withdrawn between approval and creation: the card says why.
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	e.graph.Fail("temporaryAccessPassMethods", http.MethodPost, http.StatusForbidden, "Authorization_RequestDenied", 1)
	e.click(approver1, card, "tap_approve")
	e.waitFor("card shows failure", kind(slacktest.KindUpdate, approvalsCh, "UserAuthMethod-TAP.ReadWrite.All"))
	e.waitFor("requester told", kind(slacktest.KindPostMessage, "", "UserAuthMethod-TAP.ReadWrite.All"))
	e.reply("You approved")
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
}

func TestSlackAckDoesNotWaitForGraph(t *testing.T) {
	e := startEnv(t, nil)
	e.graph.SetLatency(5 * time.Second)
	start := time.Now()
	ack := e.command(requester, "alice@contoso.com 1h")
	if took := time.Since(start); took >= 3*time.Second {
		t.Fatalf("ack took %v; Slack gives up after 3s", took)
	}
	if !strings.Contains(ack, "Checking") {
		t.Fatalf("ack = %q", ack)
	}
	e.graph.SetLatency(0)
	e.card() // the Graph work completes afterwards
}

func TestSlackStatusRevokeListHelp(t *testing.T) {
	e := startEnv(t, nil)
	if ack := e.command(requester, "help"); !strings.Contains(ack, "/tap") {
		t.Fatalf("help = %q", ack)
	}
	if ack := e.command(requester, "list"); !strings.Contains(ack, "No open requests") {
		t.Fatalf("list = %q", ack)
	}
	e.command(requester, "alice@contoso.com 1h")
	e.card()
	if ack := e.command(approver1, "list"); !strings.Contains(ack, "alice@contoso.com") || !strings.Contains(ack, "pending") {
		t.Fatalf("list = %q", ack)
	}
	if ack := e.command(outsider, "list"); !strings.Contains(ack, "neither a requester nor an approver") {
		t.Fatalf("outsider list = %q", ack)
	}
	e.command(requester, "status carol@contoso.com")
	st := e.reply("Carol Chen")
	if !strings.Contains(st.Text, "usable") || !strings.Contains(st.Text, "multi-use") {
		t.Fatalf("status = %q", st.Text)
	}
	e.command(approver1, "revoke carol@contoso.com")
	e.reply("Revoked the Temporary Access Pass of carol@contoso.com")
	if len(e.graph.Passes("carol@contoso.com")) != 0 {
		t.Fatal("carol still has a pass")
	}
	e.command(requester, "status carol@contoso.com")
	e.reply("No Temporary Access Pass")
}

func requestIDOf(t *testing.T, card slacktest.Message) string {
	t.Helper()
	s := card.Text
	i := strings.Index(s, "TAP-")
	if i < 0 || len(s) < i+10 {
		t.Fatalf("no request id in %q", s)
	}
	return s[i : i+10]
}

func TestSlackLostPassIsReissuedOnceWithoutNewApproval(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	e.click(approver1, card, "tap_approve")
	first := e.waitFor("the pass", kind(slacktest.KindPostEphemeral, "", "Temporary Access Pass for"))
	e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
	e.click(requester, first, "tap_reissue")
	e.waitFor("a second pass", kind(slacktest.KindPostEphemeral, "", "Temporary Access Pass for"))
	e.waitFor("card shows the re-issue", kind(slacktest.KindUpdate, approvalsCh, "Re-issued 1 time"))
	issued := e.graph.Issued()
	live := e.graph.Passes("alice@contoso.com")
	if len(issued) != 2 || len(live) != 1 || live[0].Secret != issued[1].Secret {
		t.Fatalf("issued %d, live %d: the re-issued pass must replace the first", len(issued), len(live))
	}
	e.click(approver1, first, "tap_reissue") // only the requester may
	e.reply("Only the requester")
}

// pressesTwice builds two Approve presses of card for each of ids, every
// press from the card as it was before any of them, as impatient thumbs
// press.
func (e *env) pressesTwice(card slacktest.Message, ids []string) []url.Values {
	e.t.Helper()
	var forms []url.Values
	for _, who := range append(ids, ids...) {
		cb, err := e.slack.Click(who, card, "tap_approve")
		if err != nil {
			e.t.Fatal(err)
		}
		form, _ := slacktest.BlockActionForm(cb)
		forms = append(forms, form)
	}
	return forms
}

// passMessages counts the private messages that showed a pass.
func (e *env) passMessages() int {
	n := 0
	for _, m := range e.slack.Messages() {
		if m.Kind == slacktest.KindPostEphemeral && strings.Contains(shown(m), "Temporary Access Pass for") {
			n++
		}
	}
	return n
}
