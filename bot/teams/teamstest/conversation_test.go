package teamstest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

// echoBot is a bot endpoint for the Conversation tests: it answers a
// message with a card that echoes it and has an "ok" button, a press of
// that button with who pressed it, refuses "refuse" with 403 and a token
// signed with a key it does not know with 401. It answers through the fake
// connector with bearer, as a real bot does.
func echoBot(t *testing.T, bearer string) *httptest.Server {
	t.Helper()
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a schema.Activity
		if err := json.NewDecoder(r.Body).Decode(&a); err != nil || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if keyID(r.Header.Get("Authorization")) != "tapbot-test-key-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if a.Text == "refuse" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		reply := map[string]any{"type": "message", "text": "pressed by " + a.From.Name}
		if a.Value["action"] != "ok" {
			card := map[string]any{"type": "AdaptiveCard", "body": []any{map[string]any{"type": "TextBlock", "text": "TAP-ABC123: " + a.Text}},
				"actions": []any{map[string]any{"type": "Action.Submit", "title": "OK", "data": map[string]any{"action": "ok"}}}}
			reply = map[string]any{"type": "message", "attachments": []any{map[string]any{"contentType": teamstest.AdaptiveCardType, "content": card}}}
		}
		body, _ := json.Marshal(reply)
		req, _ := http.NewRequest(http.MethodPost, a.ServiceURL+"v3/conversations/"+a.Conversation.ID+"/activities", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("echo bot: %v", err) // not Fatal: this is the bot's goroutine
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		resp.Body.Close()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(bot.Close)
	return bot
}

// keyID returns the key id in the header of the JWT in authorization.
func keyID(authorization string) string {
	header, _, _ := strings.Cut(strings.TrimPrefix(authorization, "Bearer "), ".")
	raw, _ := base64.RawURLEncoding.DecodeString(header)
	var h struct{ Kid string }
	_ = json.Unmarshal(raw, &h)
	return h.Kid
}

func TestConversationSaysPressesAndWaitsForTheBotsAnswers(t *testing.T) {
	s, login := newServer(t)
	rita := s.AddUser(teamstest.User{Name: "Rita", Personal: true})
	var endpoint string // set after Converse: the endpoint is read at each delivery
	c := s.Converse(t, func() string { return endpoint }, nil)
	endpoint = echoBot(t, token(t, login, appID, password)).URL

	c.Say(rita, "hello")
	card := c.Wait("the echo", teamstest.Sent(s.PersonalConversation(rita), "hello"))
	if id := teamstest.RequestID(t, card); id != "TAP-ABC123" {
		t.Fatalf("RequestID = %q", id)
	}
	c.Press(rita, card, "ok")
	c.Wait("the press", teamstest.Sent(s.PersonalConversation(rita), "pressed by Rita"))
	if status := c.Deliver(s.Message(rita, "hello"), teamstest.KeyID("unknown")); status != http.StatusUnauthorized {
		t.Fatalf("delivery with a token for an unknown key: HTTP %d, want 401", status)
	}
}

// failingTB stands in for a test's testing.TB and records how a
// Conversation ended the test.
type failingTB struct {
	testing.TB
	ctx     context.Context
	failure string
}

func (f *failingTB) Helper()                  {}
func (f *failingTB) Context() context.Context { return f.ctx }
func (f *failingTB) Fatal(args ...any)        { f.failure = fmt.Sprint(args...); runtime.Goexit() }
func (f *failingTB) Fatalf(format string, args ...any) {
	f.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// failure runs step as a test's goroutine and returns the message it ended
// the test with, "" when it did not.
func failure(t *testing.T, ctx context.Context, step func(tb testing.TB)) string {
	tb := &failingTB{TB: t, ctx: ctx}
	done := make(chan struct{})
	go func() { defer close(done); step(tb) }()
	<-done
	return tb.failure
}

func TestConversationEndsTheTestSayingWhatWentWrong(t *testing.T) {
	s, login := newServer(t)
	rita := s.AddUser(teamstest.User{Name: "Rita", Personal: true})
	bot := echoBot(t, token(t, login, appID, password))
	converse := func(tb testing.TB) *teamstest.Conversation {
		return s.Converse(tb, func() string { return bot.URL }, func() string { return "the bot's logs" })
	}

	if got := failure(t, t.Context(), func(tb testing.TB) { converse(tb).Say(rita, "refuse") }); got != `Rita says "refuse": HTTP 403` {
		t.Errorf("refused message: %q", got)
	}
	if got := failure(t, t.Context(), func(tb testing.TB) { converse(tb).Press(rita, teamstest.Activity{}, "ok") }); !strings.Contains(got, `no "ok" button`) {
		t.Errorf("press of a missing button: %q", got)
	}
	ended, cancel := context.WithCancel(t.Context())
	cancel() // the wait gives up at once instead of after its limit
	got := failure(t, ended, func(tb testing.TB) { converse(tb).Wait("an answer never sent", teamstest.Sent("", "never")) })
	if !strings.Contains(got, "waiting for an answer never sent") || !strings.HasSuffix(got, "logs:\nthe bot's logs") {
		t.Errorf("failed wait: %q", got)
	}
}

func TestLeaksAreCallsCarryingTheSecretOutsideThePrivateChats(t *testing.T) {
	s, login := newServer(t)
	rita := s.AddUser(teamstest.User{Name: "Rita", Personal: true})
	bea := s.AddUser(teamstest.User{Name: "Bea", Personal: true})
	tok := token(t, login, appID, password)
	send := func(conv, text string) string {
		_, body := call(t, http.MethodPost, s.ServiceURL()+"v3/conversations/"+conv+"/activities", tok, map[string]any{"type": "message", "text": text})
		var sent struct{ ID string }
		_ = json.Unmarshal([]byte(body), &sent)
		return sent.ID
	}
	send(s.PersonalConversation(rita), "your pass: s3cret")
	send(s.PersonalConversation(bea), "Rita's pass: s3cret")
	id := send(channel, "nothing to see")
	call(t, http.MethodPut, s.ServiceURL()+"v3/conversations/"+channel+"/activities/"+id, tok, map[string]any{"type": "message", "text": "s3cret"})

	if got := s.Leaks("s3cret"); len(got) != 1 || got[0].Kind != teamstest.KindUpdate {
		t.Errorf("Leaks without private chats named: %+v, want the channel update", got)
	}
	if got := s.Leaks("s3cret", s.PersonalConversation(rita)); len(got) != 2 || got[0].Conversation != s.PersonalConversation(bea) {
		t.Errorf("Leaks with Rita's chat named: %+v, want Bea's message and the channel update", got)
	}
	edit := func(conv, id, text string) {
		call(t, http.MethodPut, s.ServiceURL()+"v3/conversations/"+conv+"/activities/"+id, tok, map[string]any{"type": "message", "text": text})
	}
	shown := send(s.PersonalConversation(rita), "press Show pass")
	edit(s.PersonalConversation(rita), shown, "your pass: s3cret")
	if got := s.Leaks("s3cret", s.PersonalConversation(rita)); len(got) != 3 || got[2].ID != shown {
		t.Errorf("Leaks with a pass still shown by an edit in Rita's chat: %+v, want that edit too", got)
	}
	edit(s.PersonalConversation(rita), shown, "the pass was removed")
	if got := s.Leaks("s3cret", s.PersonalConversation(rita)); len(got) != 2 {
		t.Errorf("Leaks once the edit was undone: %+v, want Bea's message and the channel update", got)
	}
	if n := s.Count(teamstest.Sent("", "s3cret")); n != 2 {
		t.Errorf("Count of messages showing the secret: %d, want 2", n)
	}
}
