package slack

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones of the tests, whatever the host has

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

const zoneTestToken = "xoxb-1-zone-test-token"

// zoneBot is a bot pointed at a fake Slack with one user in New York,
// without a service: userZone is given the time.
func zoneBot(t *testing.T) (*slacktest.Server, *Bot) {
	t.Helper()
	srv := slacktest.NewServer(zoneTestToken)
	t.Cleanup(srv.Close)
	srv.AddUser(slacktest.User{ID: "UNY00001", Name: "nina", RealName: "Nina", TZ: "America/New_York"})
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	b := New(Config{BotToken: zoneTestToken, APIURL: srv.APIURL(), Location: berlin}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return srv, b
}

func TestUserZoneIsTheSlackProfilesZoneAskedOnceAndRememberedForHours(t *testing.T) {
	srv, b := zoneBot(t)
	now := time.Date(2026, 12, 3, 21, 0, 0, 0, time.UTC)
	for i, at := range []time.Time{now, now.Add(time.Minute), now.Add(zoneTTL - time.Second)} {
		loc, why := b.userZone(t.Context(), "UNY00001", at)
		if loc.String() != "America/New_York" || why != "" {
			t.Fatalf("call %d: zone %v (%q), want America/New_York", i, loc, why)
		}
	}
	if n := srv.CallCount("users.info"); n != 1 {
		t.Fatalf("users.info called %d times within the TTL, want 1", n)
	}
	if _, ok := b.zones.get("UNY00001", now.Add(zoneTTL)); ok {
		t.Fatal("the zone is still remembered after its TTL")
	}
	b.userZone(t.Context(), "UNY00001", now.Add(zoneTTL))
	if n := srv.CallCount("users.info"); n != 2 {
		t.Fatalf("users.info called %d times after the TTL, want 2", n)
	}
}

func TestUserZoneFallsBackToTheConfiguredZoneAndSaysWhy(t *testing.T) {
	srv, b := zoneBot(t)
	now := time.Now()
	srv.FailMethod("users.info", "missing_scope", 1)
	loc, why := b.userZone(t.Context(), "UNY00001", now)
	if loc.String() != "Europe/Berlin" || !strings.Contains(why, "lacks the scope") {
		t.Fatalf("zone %v, why %q: want Europe/Berlin and the missing scope", loc, why)
	}
	// A failure is not remembered: the next command asks again.
	if loc, _ := b.userZone(t.Context(), "UNY00001", now); loc.String() != "America/New_York" {
		t.Fatalf("zone after Slack recovered = %v", loc)
	}
	loc, why = b.userZone(t.Context(), "UNOBODY1", now)
	if loc.String() != "Europe/Berlin" || !strings.Contains(why, "no such user") {
		t.Fatalf("unknown user: zone %v, why %q", loc, why)
	}
	srv.AddUser(slacktest.User{ID: "UMARS001", Name: "mars", TZ: "Mars/Olympus_Mons"})
	if loc, why := b.userZone(t.Context(), "UMARS001", now); loc.String() != "Europe/Berlin" || !strings.Contains(why, "no time zone tapbot knows") {
		t.Fatalf("unknown zone name: zone %v, why %q", loc, why)
	}
}

func TestZoneCacheStaysBounded(t *testing.T) {
	var c zoneCache
	now := time.Now()
	for i := range maxZones + 100 {
		c.put(fmt.Sprintf("U%08d", i), time.UTC, now.Add(time.Duration(i)*time.Millisecond))
	}
	if n := len(c.entries); n > maxZones {
		t.Fatalf("%d entries, want at most %d", n, maxZones)
	}
	if _, ok := c.get("U00000000", now); ok {
		t.Error("the entry that expires soonest was kept over newer ones")
	}
	if _, ok := c.get(fmt.Sprintf("U%08d", maxZones+99), now); !ok {
		t.Error("the newest entry is missing")
	}
	// Expired entries go first.
	later := now.Add(zoneTTL + time.Hour)
	c.put("UNEW00001", time.UTC, later)
	if n := len(c.entries); n != 1 {
		t.Fatalf("%d entries after everything expired, want 1", n)
	}
}
