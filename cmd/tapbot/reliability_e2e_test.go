package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

func TestSlackRateLimitIsWaitedOut(t *testing.T) {
	e := startEnv(t, nil)
	e.slack.RateLimit("chat.postMessage", 1, time.Second)
	e.command(requester, "alice@contoso.com 1h")
	e.card()
	if n := e.slack.CallCount("chat.postMessage"); n < 2 {
		t.Fatalf("chat.postMessage called %d times; the rate-limited call was not retried", n)
	}
}

func TestUnreachableApprovalChannelIsReportedToRequester(t *testing.T) {
	e := startEnv(t, nil)
	e.slack.FailMethod("chat.postMessage", "not_in_channel", 10)
	e.command(requester, "alice@contoso.com 1h")
	reply := e.reply("could not be shown to approvers")
	if !strings.Contains(reply.Text, "not_in_channel") || !strings.Contains(reply.Text, "invite the bot") {
		t.Fatalf("reply = %q", reply.Text)
	}
	if n := len(e.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
}

func TestUndeliverablePassIsRevokedAndEveryoneTold(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	e.slack.FailMethod("chat.postEphemeral", "user_not_in_channel", 1)
	e.click(approver1, card, "tap_approve")
	e.waitFor("card shows revocation", kind(slacktest.KindUpdate, approvalsCh, "could not be delivered"))
	notice := e.waitFor("requester told", kind(slacktest.KindPostMessage, "", "was revoked"))
	if len(e.graph.Issued()) != 1 || len(e.graph.Passes("alice@contoso.com")) != 0 {
		t.Fatalf("issued %d, live %d: the undelivered pass must be deleted", len(e.graph.Issued()), len(e.graph.Passes("alice@contoso.com")))
	}
	e.click(requester, notice, "tap_reissue") // Slack works again
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, "", "Temporary Access Pass for"))
}

func TestRevokedClientSecretGivesAClearMessage(t *testing.T) {
	e := startEnv(t, nil)
	e.graph.FailTokens("invalid_client", 100)
	e.command(requester, "alice@contoso.com 1h")
	reply := e.reply("was not raised")
	if !strings.Contains(strings.ToLower(reply.Text), "secret") {
		t.Fatalf("reply does not point at the client secret: %q", reply.Text)
	}
	if !strings.Contains(e.logs.String(), "level=") {
		t.Fatal("no log line")
	}
}

func TestGraphOutageEndsInFailedWithReason(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	e.graph.Fail("temporaryAccessPassMethods", http.MethodPost, http.StatusServiceUnavailable, "serviceNotAvailable", 100)
	e.click(approver1, card, "tap_approve")
	e.waitFor("card shows failure", kind(slacktest.KindUpdate, approvalsCh, "Failed:"))
	e.waitFor("requester told", kind(slacktest.KindPostMessage, "", "could not be created"))
}

func TestTwoHundredConcurrentRequests(t *testing.T) {
	e := startEnv(t, nil)
	const n = 200
	for i := range n {
		e.graph.AddUser(graphtest.User{UPN: fmt.Sprintf("load%03d@contoso.com", i), DisplayName: "Load", AccountEnabled: true})
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form, err := e.slack.SlashCommand(requester, generalCh, fmt.Sprintf("load%03d@contoso.com 1h", i))
			if err != nil {
				t.Error(err)
				return
			}
			if status, _ := e.post("/slack/commands", form, time.Now()); status != http.StatusOK {
				t.Errorf("request %d: HTTP %d", i, status)
			}
		}()
	}
	wg.Wait()
	for range n {
		e.card()
	}
	e.stopOnce()
	cards := 0
	for _, m := range e.slack.Messages() {
		if m.Kind == slacktest.KindPostMessage && m.Channel == approvalsCh {
			cards++
		}
	}
	if cards != n {
		t.Fatalf("%d cards for %d requests", cards, n)
	}
}
