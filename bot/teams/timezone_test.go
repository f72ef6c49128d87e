package teams

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones of the tests, whatever the host has

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

func TestClientZoneReadsTheClientInfoEntityThenLocalTimezone(t *testing.T) {
	for body, want := range map[string]string{
		`{"type":"message","entities":[{"type":"mention"},{"type":"clientInfo","locale":"en-US","timezone":"America/New_York"}],"localTimezone":"Europe/Berlin"}`: "America/New_York",
		`{"type":"message","entities":[{"type":"clientInfo","locale":"en-US"}],"localTimezone":"Europe/Berlin"}`:                                                  "Europe/Berlin",
		`{"type":"message","entities":[{"type":"mention"}]}`:                                                                                                      "",
		`{"type":"message"}`: "",
		`not json`:           "",
	} {
		if got := clientZone([]byte(body)); got != want {
			t.Errorf("clientZone(%s) = %q, want %q", body, got, want)
		}
	}
}

// nextClock is the next h:00 in loc after now.
func nextClock(now time.Time, h int, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	t := time.Date(y, m, d, h, 0, 0, 0, loc)
	if !t.After(now) {
		t = time.Date(y, m, d+1, h, 0, 0, 0, loc)
	}
	return t
}

func TestTimeOfDayIsReadInTheZoneTheTeamsClientReports(t *testing.T) {
	h := newHarness(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	h.rita.TimeZone = "America/New_York" // her client reports it with every message
	before := nextClock(h.clock.Now(), 8, ny)
	h.says(h.rita, "tap alice@contoso.com 2h at 08:00")
	after := nextClock(h.clock.Now(), 8, ny)
	card := h.card()
	// Times in Teams messages are shown in the configured zone, UTC here.
	if !card.Shows(h.bot.when(before)) && !card.Shows(h.bot.when(after)) {
		t.Fatalf("card does not show the start %s (08:00 in New York): %s", h.bot.when(before), card.Card())
	}
	receipt := h.waitFor("receipt", teamstest.Sent(h.chat(h.rita), "is waiting for approval"))
	if !receipt.Shows("valid from") || receipt.Shows("default time zone") {
		t.Errorf("receipt = %s", receipt.Text)
	}
}

func TestTimeOfDayWithoutAZoneFromTeamsIsReadInTheConfiguredOneAndSaysSo(t *testing.T) {
	h := newHarness(t) // Rita's client reports no zone; the bot's is UTC
	h.says(h.rita, "tap alice@contoso.com 2h at 08:00")
	want := nextClock(h.clock.Now(), 8, time.UTC)
	ack := h.waitFor("acknowledgement", teamstest.Sent(h.chat(h.rita), "default time zone"))
	for _, s := range []string{"read in UTC", "Teams did not say which time zone you are in", "at +2h"} {
		if !ack.Shows(s) {
			t.Errorf("acknowledgement lacks %q: %s", s, ack.Text)
		}
	}
	if card := h.card(); !card.Shows(h.bot.when(want)) {
		t.Errorf("card does not show %s: %s", h.bot.when(want), card.Card())
	}
	// Without a time of day in the command the zone does not matter: no note.
	h.says(h.rita, "tap alice@contoso.com 2h at +1h")
	if ack := h.waitFor("second acknowledgement", teamstest.Sent(h.chat(h.rita), "Checking")); ack.Shows("time zone") {
		t.Errorf("note on a command without a time of day: %s", ack.Text)
	}
}
