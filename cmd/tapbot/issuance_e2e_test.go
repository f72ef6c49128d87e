package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

func TestCreateWhoseAnswerIsLostIsUndoneAndTheCardSaysSo(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	e.graph.DropAnswer("temporaryAccessPassMethods", http.MethodPost, 1)
	e.click(approver1, card, "tap_approve")
	updated := e.waitFor("card shows the failure", kind(slacktest.KindUpdate, approvalsCh, "Failed:"))
	if !strings.Contains(shown(updated), "A pass had been created all the same") || !strings.Contains(shown(updated), "tapbot deleted it again") {
		t.Errorf("card does not say the pass was created and deleted: %s", shown(updated))
	}
	e.waitFor("requester told", kind(slacktest.KindPostMessage, e.dmOf(requester), "tapbot deleted it again"))
	if issued, live := len(e.graph.Issued()), len(e.graph.Passes("alice@contoso.com")); issued != 1 || live != 0 {
		t.Fatalf("issued %d, live %d: the pass nobody received must be deleted", issued, live)
	}
	if strings.Contains(e.logs.String(), "PASS MAY BE LIVE") {
		t.Error("a deleted pass was logged as maybe live")
	}
}

func TestHugeGraphErrorStillGivesAValidCard(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 1h")
	card := e.card()
	e.graph.FailWithMessage("temporaryAccessPassMethods", http.MethodPost, http.StatusBadRequest, "badRequest", strings.Repeat("<&>", 3334), 1)
	e.click(approver1, card, "tap_approve")
	updated := e.waitFor("card shows the failure", kind(slacktest.KindUpdate, approvalsCh, "Failed:"))
	for _, text := range blockTexts(t, updated.Blocks) {
		if n := utf8.RuneCountInString(text); n > 3000 {
			t.Errorf("a block text of %d characters; Slack takes 3000", n)
		}
	}
	if !strings.Contains(shown(updated), "&lt;&amp;&gt;") {
		t.Errorf("Graph's message is not on the card, escaped: %s", shown(updated))
	}
}

// blockTexts returns the text of every text object in raw Block Kit JSON.
func blockTexts(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var blocks any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatalf("blocks are not JSON: %v", err)
	}
	var texts []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["text"].(string); ok {
				texts = append(texts, s)
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(blocks)
	if len(texts) == 0 {
		t.Fatal("no text in the blocks")
	}
	return texts
}
