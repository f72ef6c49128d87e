package teamstest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

// botEndpoint is a messaging endpoint that hands each activity it gets,
// decoded into plain maps from the JSON on the wire, to got and answers 200.
func botEndpoint(t *testing.T, got func(map[string]any)) string {
	t.Helper()
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got(body)
	}))
	t.Cleanup(bot.Close)
	return bot.URL
}

// entityOf returns the entity of type typ in an activity on the wire.
func entityOf(body map[string]any, typ string) map[string]any {
	list, _ := body["entities"].([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && m["type"] == typ {
			return m
		}
	}
	return nil
}

func TestMessagesCarryTheClientsLocaleAndTimeZone(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	tests := []struct {
		name         string
		user         teamstest.User
		wantEntity   string
		wantTimezone string
		wantLocale   string
	}{
		{"a phone in New York", teamstest.User{Name: "Nina", Personal: true, Locale: "en-GB", TimeZone: "America/New_York", Platform: "Android"},
			`{"country":"GB","locale":"en-GB","platform":"Android","timezone":"America/New_York","type":"clientInfo"}`, "America/New_York", "en-GB"},
		{"a client that sends no time zone", teamstest.User{Name: "Rita", Personal: true},
			`{"country":"US","locale":"en-US","platform":"Web","type":"clientInfo"}`, "", "en-US"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newServer(t)
			u := s.AddUser(tt.user)
			got := make(chan map[string]any, 1)
			bot := botEndpoint(t, func(body map[string]any) { got <- body })
			c := s.Converse(t, func() string { return bot }, nil)

			c.Say(u, "tap bob@contoso.com 2h at 08:00")
			body := <-got
			entity, _ := json.Marshal(entityOf(body, "clientInfo"))
			if string(entity) != tt.wantEntity {
				t.Fatalf("clientInfo = %s, want %s", entity, tt.wantEntity)
			}
			tz, _ := body["localTimezone"].(string)
			if tz != tt.wantTimezone || body["locale"] != tt.wantLocale {
				t.Fatalf("localTimezone %q, locale %v; want %q, %q", tz, body["locale"], tt.wantTimezone, tt.wantLocale)
			}
			local, err := time.Parse(time.RFC3339Nano, body["localTimestamp"].(string))
			if err != nil {
				t.Fatal(err)
			}
			_, gotOffset := local.Zone()
			_, wantOffset := time.Now().UTC().Zone()
			if tt.wantTimezone != "" {
				_, wantOffset = time.Now().In(newYork).Zone()
			}
			if gotOffset != wantOffset {
				t.Fatalf("localTimestamp %s has offset %d, want %d", body["localTimestamp"], gotOffset, wantOffset)
			}
		})
	}
}

func TestEveryMessageKindCarriesClientInfoButInstallsDoNot(t *testing.T) {
	s, login := newServer(t)
	nina := s.AddUser(teamstest.User{Name: "Nina", Personal: true, TimeZone: "Europe/Berlin", Platform: "iOS"})
	card := postCard(t, s, login, channel, denyCard())
	click, err := s.Click(nina, card, "approve")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		body       func() ([]byte, error)
		wantClient bool
	}{
		{"1:1 message", func() ([]byte, error) { return s.Body(s.Message(nina, "tap")) }, true},
		{"channel mention", func() ([]byte, error) { return s.Body(s.Mention(nina, channel, "tap")) }, true},
		{"card submit", func() ([]byte, error) { return s.Body(click) }, true},
		{"install", func() ([]byte, error) { return s.Body(s.InstallPersonal(nina)) }, false},
	} {
		raw, err := tc.body()
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatal(err)
		}
		client := entityOf(body, "clientInfo")
		if (client != nil) != tc.wantClient || tc.wantClient && (client["timezone"] != "Europe/Berlin" || client["platform"] != "iOS") {
			t.Errorf("%s: clientInfo = %v, want one: %v", tc.name, client, tc.wantClient)
		}
		if tc.name == "channel mention" && entityOf(body, "mention") == nil {
			t.Errorf("the mention lost its mention entity: %s", raw)
		}
	}
}
