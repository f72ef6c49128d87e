package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

func TestJSONLogLinesOfARequestAllCarryItsID(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_LOG_FORMAT": "json"})
	e.command(requester, "alice@contoso.com 2h once new phone INC-4711")
	card := e.card() // the id is announced once the request exists
	id := regexp.MustCompile(`TAP-[A-Z0-9]{6}`).FindString(card.Text)
	if id == "" {
		t.Fatalf("no request id in %q", card.Text)
	}
	e.click(approver1, card, "tap_approve")
	e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered privately"))
	// A late press whose explanation cannot be posted: two more lines of
	// the request's life, from the Slack front-end.
	late := "late-" + approver2 + "tap_approve"
	e.slack.ResponseURL(late)
	e.slack.ExpireResponseURL(late)
	e.lateClick(approver2, "tap_approve", id)
	e.stopOnce() // waits for the background work, so the log is complete

	target := e.graph.Passes("alice@contoso.com")
	if len(target) != 1 {
		t.Fatalf("alice has %d passes, want 1", len(target))
	}
	var ofRequest []string
	for i, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %d is not JSON: %v\n%s", i+1, err, line)
		}
		mentions := strings.Contains(line, id) || strings.Contains(line, "alice@contoso.com") || strings.Contains(line, target[0].UserID)
		if mentions && rec["request"] != id {
			t.Errorf("log line %d is about request %s but lacks its id: %s", i+1, id, line)
		}
		if rec["request"] == id {
			ofRequest = append(ofRequest, rec["msg"].(string))
		}
	}
	for _, want := range []string{"request raised", "request approved", "pass issued", "pass delivered", "button press refused", "slack response_url post failed"} {
		if !slices.Contains(ofRequest, want) {
			t.Errorf("no %q line carries request %s; lines of the request: %q", want, id, ofRequest)
		}
	}
}
