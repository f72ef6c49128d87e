package teamstest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

func TestMessagesCarryTheClientsTimeZoneAsTeamsSendsIt(t *testing.T) {
	s, _ := newServer(t)
	nina := s.AddUser(teamstest.User{Name: "Nina", TimeZone: "America/New_York"})
	omar := s.AddUser(teamstest.User{Name: "Omar"})
	bodies := make(chan []byte, 2)
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- b
	}))
	t.Cleanup(bot.Close)
	for _, u := range []teamstest.User{nina, omar} {
		if _, err := s.Deliver(t.Context(), bot.URL, s.Message(u, "help")); err != nil {
			t.Fatal(err)
		}
	}
	type activity struct {
		LocalTimezone string           `json:"localTimezone"`
		Entities      []map[string]any `json:"entities"`
	}
	var got []activity
	for range 2 {
		var a activity
		if err := json.Unmarshal(<-bodies, &a); err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	n := got[0]
	if n.LocalTimezone != "America/New_York" || len(n.Entities) != 1 || n.Entities[0]["type"] != "clientInfo" || n.Entities[0]["timezone"] != "America/New_York" {
		t.Errorf("Nina's message: localTimezone %q, entities %v", n.LocalTimezone, n.Entities)
	}
	if o := got[1]; o.LocalTimezone != "" || len(o.Entities) != 0 {
		t.Errorf("Omar's client reports no zone, but his message has localTimezone %q, entities %v", o.LocalTimezone, o.Entities)
	}
}
