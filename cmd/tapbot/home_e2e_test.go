package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// openHome opens user's Home tab over the Events API and returns it once
// tapbot has published it and it shows want.
func (e *env) openHome(user, want string) slacktest.View {
	e.t.Helper()
	ev, err := e.slack.AppHomeOpened(user)
	if err != nil {
		e.t.Fatal(err)
	}
	status, err := e.slack.PostEvent(context.Background(), e.base+"/slack/events", signing, ev)
	if err != nil || status != http.StatusOK {
		e.t.Fatalf("app_home_opened: HTTP %d, %v", status, err)
	}
	return e.homeShowing(user, want)
}

// homeShowing waits until user's Home tab is published showing want.
func (e *env) homeShowing(user, want string) slacktest.View {
	e.t.Helper()
	e.waitFor("the Home tab of "+user+" showing "+want, func(m slacktest.Message) bool {
		return m.Kind == slacktest.KindPublishView && m.User == user && strings.Contains(shown(m), want)
	})
	v, ok := e.slack.Home(user)
	if !ok {
		e.t.Fatalf("%s has no Home tab", user)
	}
	return v
}

func homeText(v slacktest.View) string { return jsonUnescape.Replace(string(v.Blocks)) }

func TestHomeTabShowsYourRequestsAndThoseWaitingForYou(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h new phone")
	id := requestIDOf(t, e.card())

	mine := e.openHome(requester, id)
	text := homeText(mine)
	for _, want := range []string{"Your requests", "Waiting for your approval", "alice@contoso.com", "Waiting for approval", "Nothing waits for your approval"} {
		if !strings.Contains(text, want) {
			t.Errorf("requester's Home lacks %q:\n%s", want, text)
		}
	}
	if _, ok := mine.Button("tap_cancel"); !ok {
		t.Error("requester's Home has no Cancel button on the pending request")
	}
	if _, ok := mine.Button("tap_approve"); ok {
		t.Error("requester's Home offers to approve their own request")
	}

	theirs := e.openHome(approver1, id)
	text = homeText(theirs)
	for _, want := range []string{"Waiting for your approval", "<@" + requester + "> asks for a pass", "Alice Andersen", "new phone"} {
		if !strings.Contains(text, want) {
			t.Errorf("approver's Home lacks %q:\n%s", want, text)
		}
	}
	for _, b := range []string{"tap_approve", "tap_deny"} {
		if btn, ok := theirs.Button(b); !ok || btn.Value != id {
			t.Errorf("approver's Home has no %s button for %s", b, id)
		}
	}
	if outsiders := e.openHome(outsider, "Nothing waits for your approval"); strings.Contains(homeText(outsiders), id) {
		t.Error("an outsider's Home shows the request")
	}

	// Approve from the Home tab: the pass goes to the requester alone and
	// the approver's Home says what happened.
	in, err := e.slack.ClickView(approver1, theirs.ID, "tap_approve")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.slack.PostInteraction(context.Background(), e.base+"/slack/interactions", signing, in); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	after := e.homeShowing(approver1, "You approved request "+id)
	if _, ok := after.Button("tap_approve"); ok {
		t.Error("the approver's Home still offers to approve the decided request")
	}

	// The requester's Home now offers a re-issue, which works from there.
	mine = e.openHome(requester, "Issued and delivered")
	in, err = e.slack.ClickView(requester, mine.ID, "tap_reissue")
	if err != nil {
		t.Fatalf("requester's Home has no Re-issue button: %v\n%s", err, homeText(mine))
	}
	if _, err := e.slack.PostInteraction(context.Background(), e.base+"/slack/interactions", signing, in); err != nil {
		t.Fatal(err)
	}
	e.homeShowing(requester, "A new pass was sent to you privately")
	if n := len(e.graph.Issued()); n != 2 {
		t.Errorf("%d passes issued, want the first and its re-issue", n)
	}
}

func TestHomeTabAsksAgainForAnExpiredRequest(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h new phone")
	first := requestIDOf(t, e.card())
	e.clock.Advance(31 * time.Minute)
	e.waitFor("card shows expiry", kind(slacktest.KindUpdate, approvalsCh, "Expired"))
	home := e.openHome(requester, "Expired")
	in, err := e.slack.ClickView(requester, home.ID, "tap_ask_again")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.slack.PostInteraction(context.Background(), e.base+"/slack/interactions", signing, in); err != nil {
		t.Fatal(err)
	}
	again := requestIDOf(t, e.card())
	if again == first {
		t.Fatal("no new request")
	}
	e.homeShowing(requester, "Request *"+again+"* for alice@contoso.com is waiting for approval")
}

func TestEventsEndpointAnswersSlacksURLVerification(t *testing.T) {
	e := startEnv(t, nil)
	body := []byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	req, err := slacktest.NewSignedJSONRequest(context.Background(), e.base+"/slack/events", body, signing, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got strings.Builder
	_, _ = io.Copy(&got, resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(got.String(), "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P") {
		t.Errorf("url_verification: HTTP %d %s, want the challenge back", resp.StatusCode, got.String())
	}
	unsigned, _ := http.NewRequest(http.MethodPost, e.base+"/slack/events", strings.NewReader(string(body)))
	if resp, err := http.DefaultClient.Do(unsigned); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned event: %v %v, want 401", resp, err)
	} else {
		resp.Body.Close()
	}
}

func TestHomeTabRequestButtonOpensTheRequestForm(t *testing.T) {
	e := startEnv(t, nil)
	home := e.openHome(requester, "Your requests")
	if _, ok := home.Button("tap_open_request_form"); !ok {
		t.Fatalf("the Home tab has no Request a pass button: %s", homeText(home))
	}
	in, err := e.slack.ClickView(requester, home.ID, "tap_open_request_form")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.slack.PostInteraction(context.Background(), e.base+"/slack/interactions", signing, in); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the request form", func(m slacktest.Message) bool {
		return m.Kind == slacktest.KindOpenView && m.User == requester && strings.Contains(shown(m), "Temporary Access Pass")
	})
}
