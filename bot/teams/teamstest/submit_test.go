package teamstest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// postCard has the bot send card to conv through the fake connector and
// returns the activity the fake recorded.
func postCard(t *testing.T, s *teamstest.Server, login *graphtest.Server, conv string, card map[string]any) teamstest.Activity {
	t.Helper()
	status, body := call(t, http.MethodPost, s.ServiceURL()+"v3/conversations/"+conv+"/activities", token(t, login, appID, password),
		map[string]any{"type": "message", "attachments": []any{map[string]any{"contentType": teamstest.AdaptiveCardType, "content": card}}})
	if status != http.StatusCreated {
		t.Fatalf("send card: HTTP %d %s", status, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := s.Take(ctx, teamstest.Sent(conv))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// requestCard is a form like tapbot's Teams request form: every input kind
// it uses, with values set where a default is marked.
func requestCard() map[string]any {
	return map[string]any{
		"type": "AdaptiveCard", "version": "1.5",
		"body": []any{
			map[string]any{"type": "Input.Text", "id": "upn", "label": "User (sign-in name)", "isRequired": true, "errorMessage": "Who needs the pass?"},
			map[string]any{"type": "Input.ChoiceSet", "id": "duration", "label": "Duration", "value": "2h", "choices": []any{
				map[string]any{"title": "1 hour", "value": "1h"}, map[string]any{"title": "2 hours (tenant default)", "value": "2h"},
			}},
			map[string]any{"type": "Input.Toggle", "id": "once", "title": "One-time use", "value": "yes", "valueOn": "yes", "valueOff": "no"},
			map[string]any{"type": "ColumnSet", "columns": []any{
				map[string]any{"type": "Column", "items": []any{map[string]any{"type": "Input.Date", "id": "startDate", "min": "2025-01-01"}}},
				map[string]any{"type": "Column", "items": []any{map[string]any{"type": "Input.Time", "id": "startTime"}}},
			}},
			map[string]any{"type": "Input.Number", "id": "hours", "min": 1, "max": 720},
			map[string]any{"type": "Input.Text", "id": "reason", "maxLength": 40, "regex": "INC-[0-9]+.*"},
		},
		"actions": []any{map[string]any{"type": "Action.Submit", "title": "Request", "data": map[string]any{"action": "request"}}},
	}
}

// denyCard is an approval card whose Deny opens a reason input in an
// Action.ShowCard, beside another ShowCard with an input of its own.
func denyCard() map[string]any {
	return map[string]any{
		"type": "AdaptiveCard", "version": "1.5",
		"body": []any{
			map[string]any{"type": "TextBlock", "text": "TAP-ABC123: alice asks for bob@contoso.com"},
			map[string]any{"type": "Input.Text", "id": "note", "label": "Note"},
		},
		"actions": []any{
			map[string]any{"type": "Action.Submit", "title": "Approve", "data": map[string]any{"action": "approve", "requestId": "TAP-ABC123"}},
			map[string]any{"type": "Action.ShowCard", "title": "Deny", "card": map[string]any{
				"type": "AdaptiveCard",
				"body": []any{map[string]any{"type": "Input.Text", "id": "reason", "label": "Why?", "isRequired": true}},
				"actions": []any{map[string]any{"type": "Action.Submit", "title": "Deny",
					"data": map[string]any{"action": "deny", "requestId": "TAP-ABC123"}}},
			}},
			map[string]any{"type": "Action.ShowCard", "title": "Later", "card": map[string]any{
				"type": "AdaptiveCard",
				"body": []any{map[string]any{"type": "Input.Text", "id": "when", "label": "When?"}},
				"actions": []any{map[string]any{"type": "Action.Submit", "title": "Remind me",
					"data": map[string]any{"action": "later"}, "associatedInputs": "none"}},
			}},
		},
	}
}

func valueJSON(t *testing.T, v map[string]any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSubmitSendsTheInputsAsTeamsDoes(t *testing.T) {
	s, login := newServer(t)
	rita := s.AddUser(teamstest.User{Name: "Rita", Personal: true})
	form := postCard(t, s, login, s.PersonalConversation(rita), requestCard())

	a, err := s.Submit(rita, form, "request", map[string]string{
		"upn": "bob@contoso.com", "once": "no", "startDate": "2025-03-01", "startTime": "08:00", "hours": "4",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"action":"request","duration":"2h","hours":"4","once":"no","startDate":"2025-03-01","startTime":"08:00","upn":"bob@contoso.com"}`
	if got := valueJSON(t, a.Value); got != want {
		t.Fatalf("value = %s\nwant    %s (an empty reason is left out)", got, want)
	}
	if a.Type != "message" || a.Text != "" || a.ReplyToID != form.ID || a.Conversation.ID != s.PersonalConversation(rita) || a.From.AadObjectID != rita.AADObjectID {
		t.Fatalf("activity = %+v", a)
	}
}

func TestSubmitFromAShowCardGathersItsInputsAndThoseAboveIt(t *testing.T) {
	s, login := newServer(t)
	arno := s.AddUser(teamstest.User{Name: "Arno"})
	card := postCard(t, s, login, channel, denyCard())

	deny, err := s.Submit(arno, card, "deny", map[string]string{"reason": "no ticket", "note": "call me"})
	if err != nil {
		t.Fatal(err)
	}
	if got := valueJSON(t, deny.Value); got != `{"action":"deny","note":"call me","reason":"no ticket","requestId":"TAP-ABC123"}` {
		t.Fatalf("deny value = %s", got)
	}
	if deny.Conversation.ID != channel+";messageid="+card.Thread {
		t.Fatalf("a press in a channel goes to %q, want the card's thread", deny.Conversation.ID)
	}
	approve, err := s.Click(arno, card, "approve")
	if err != nil || valueJSON(t, approve.Value) != `{"action":"approve","requestId":"TAP-ABC123"}` {
		t.Fatalf("approve value = %v, %v", approve.Value, err)
	}
	later, err := s.Click(arno, card, "later")
	if err != nil || valueJSON(t, later.Value) != `{"action":"later"}` {
		t.Fatalf("associatedInputs none sent %v, %v", later.Value, err)
	}
}

func TestSubmitRefusesWhatTeamsWouldNotSend(t *testing.T) {
	tests := []struct {
		name   string
		card   func() map[string]any
		action string
		inputs map[string]string
	}{
		{"a required input left empty", requestCard, "request", map[string]string{"reason": "INC-1"}},
		{"a choice not offered", requestCard, "request", map[string]string{"upn": "bob", "duration": "3d"}},
		{"a date in another format", requestCard, "request", map[string]string{"upn": "bob", "startDate": "01/03/2025"}},
		{"a date before min", requestCard, "request", map[string]string{"upn": "bob", "startDate": "2024-12-31"}},
		{"a time with am/pm", requestCard, "request", map[string]string{"upn": "bob", "startTime": "8am"}},
		{"a toggle value it has not", requestCard, "request", map[string]string{"upn": "bob", "once": "true"}},
		{"a number above max", requestCard, "request", map[string]string{"upn": "bob", "hours": "721"}},
		{"text not matching regex", requestCard, "request", map[string]string{"upn": "bob", "reason": "new phone"}},
		{"no such input", requestCard, "request", map[string]string{"upn": "bob", "ticket": "1"}},
		{"an input of another ShowCard", denyCard, "deny", map[string]string{"reason": "x", "when": "later"}},
		{"a ShowCard's input from the main card", denyCard, "approve", map[string]string{"reason": "x"}},
		{"a required ShowCard input left empty", denyCard, "deny", nil},
		{"inputs for a button gathering none", denyCard, "later", map[string]string{"when": "tomorrow"}},
		{"no such button", denyCard, "escalate", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, login := newServer(t)
			rita := s.AddUser(teamstest.User{Name: "Rita", Personal: true})
			card := postCard(t, s, login, s.PersonalConversation(rita), tt.card())
			if a, err := s.Submit(rita, card, tt.action, tt.inputs); err == nil {
				t.Fatalf("submitted %v", a.Value)
			}
		})
	}
}

func TestConversationSubmitDeliversTheInputs(t *testing.T) {
	s, login := newServer(t)
	rita := s.AddUser(teamstest.User{Name: "Rita", Personal: true})
	got := make(chan map[string]any, 1)
	bot := botEndpoint(t, func(body map[string]any) { got <- body })
	c := s.Converse(t, func() string { return bot }, nil)
	form := postCard(t, s, login, s.PersonalConversation(rita), requestCard())

	c.Submit(rita, form, "request", map[string]string{"upn": "bob@contoso.com"})
	body := <-got
	if value, _ := body["value"].(map[string]any); value["upn"] != "bob@contoso.com" || value["action"] != "request" || body["replyToId"] != form.ID {
		t.Fatalf("the bot got %v", body)
	}
}
