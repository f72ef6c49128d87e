package main

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// TestSlackApproveToPassIsOneSlackCallAndTheCardRedrawsAfter counts, with
// the fake Slack's record of every call, what stands between an approver's
// click and the pass in the requester's hands: the requester's DM is
// already open (remembered since the request was raised), so the pass is
// the first and only Slack call; the card is redrawn after it, once per
// approval, and shows the final state.
func TestSlackApproveToPassIsOneSlackCallAndTheCardRedrawsAfter(t *testing.T) {
	for _, tt := range []struct {
		name      string
		approvals int
		approvers []string
	}{
		{"one approval", 1, []string{approver1}},
		{"two approvals", 2, []string{approver1, approver2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, map[string]string{"TAPBOT_APPROVALS_REQUIRED": strconv.Itoa(tt.approvals)})
			e.command(requester, "alice@contoso.com 1h new phone")
			card := e.card()
			e.reply("is waiting for approval")
			for _, a := range tt.approvers[:len(tt.approvers)-1] {
				e.click(a, card, "tap_approve")
				e.waitFor("the card showing the first approval", kind(slacktest.KindUpdate, approvalsCh, "Approved so far by"))
				e.waitFor("the first approval in the card's thread", slacktest.InThread(card))
			}
			before := len(e.slack.CallNames())
			e.click(tt.approvers[len(tt.approvers)-1], card, "tap_approve")
			e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
			e.waitFor("the card showing delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered"))
			e.stopOnce() // every redraw is drawn before tapbot stops
			all := e.slack.CallNames()
			afterClick := all[before:]
			critical := afterClick[:slices.Index(afterClick, "chat.postEphemeral")+1]
			t.Logf("Slack calls after the final Approve: %q (critical path %q)", afterClick, critical)
			if len(critical) > 2 || slices.Contains(critical, "chat.update") {
				t.Errorf("Slack calls before the pass was shown: %q; want at most 2 and no card redraw", critical)
			}
			if len(critical) != 1 {
				t.Errorf("Slack calls before the pass was shown: %q; want the pass alone, the DM being remembered", critical)
			}
			if n := count(all, "chat.update"); n > 2 || n != tt.approvals {
				t.Errorf("%d card redraws in the whole flow, want %d (one per approval, at most 2)", n, tt.approvals)
			}
			cur, ok := e.slack.Current(card.Channel, card.TS)
			if !ok || !strings.Contains(shown(cur), "Issued and delivered") {
				t.Fatalf("the card does not end showing delivery: %s", cur.Blocks)
			}
		})
	}
}

func count(calls []string, method string) int {
	n := 0
	for _, c := range calls {
		if c == method {
			n++
		}
	}
	return n
}

// TestSlackBusyWorkersQueueARequestAndSaySoThenFinishIt keeps both workers
// in a held Graph call, so a third /tap must wait: its acknowledgement says
// it is queued, and it is raised once Graph lets the others go.
func TestSlackBusyWorkersQueueARequestAndSaySoThenFinishIt(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_WORKERS": "2"})
	users := []string{"user1@contoso.com", "user2@contoso.com", "user3@contoso.com"}
	for _, upn := range users {
		e.graph.AddUser(graphtest.User{UPN: upn, DisplayName: upn, AccountEnabled: true})
	}
	gate := e.graph.Hold()
	defer gate.Release()
	for _, upn := range users[:2] {
		if ack := e.command(requester, upn+" 1h"); strings.Contains(ack, "queued") {
			t.Fatalf("a request was queued with a worker free: %q", ack)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range 2 { // both workers now wait in Graph
		select {
		case <-gate.Arrived():
		case <-ctx.Done():
			t.Fatalf("the first requests never reached Graph\n%s", e.logs.String())
		}
	}
	ack := e.command(requester, users[2]+" 1h")
	if !strings.Contains(ack, "tapbot is busy; your request is queued (0 ahead)") || !strings.Contains(ack, "Checking the account of "+users[2]) {
		t.Fatalf("ack of a queued request = %q", ack)
	}
	gate.Release()
	for _, upn := range users {
		e.waitFor("the card for "+upn, kind(slacktest.KindPostMessage, approvalsCh, upn))
	}
}
