package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones of the tests, whatever the host has

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// nextAt is the next hh:mm in loc after now.
func nextAt(now time.Time, hh, mm int, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	t := time.Date(y, m, d, hh, mm, 0, 0, loc)
	if !t.After(now) {
		t = time.Date(y, m, d+1, hh, mm, 0, 0, loc)
	}
	return t
}

// cardStart is the moment the card's terms say it starts, from the Unix
// time of its <!date> token.
func cardStart(t *testing.T, card slacktest.Message) time.Time {
	t.Helper()
	m := regexp.MustCompile(`starts <!date\^([0-9]+)\^`).FindStringSubmatch(shown(card))
	if m == nil {
		t.Fatalf("card shows no start date: %s", shown(card))
	}
	unix, _ := strconv.ParseInt(m[1], 10, 64)
	return time.Unix(unix, 0)
}

func TestSlackAtEightIsEightInTheRequestersOwnZone(t *testing.T) {
	e := startEnv(t, nil) // TAPBOT_TIMEZONE is UTC
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	e.slack.AddUser(slacktest.User{ID: requester, Name: "ureq0001", RealName: requester, Email: "ureq0001@msp.example", TZ: "America/New_York"})

	before := nextAt(e.clock.Now(), 8, 0, ny)
	ack := e.command(requester, "alice@contoso.com 2h at 08:00 new hire")
	after := nextAt(e.clock.Now(), 8, 0, ny)
	if strings.Contains(ack, "TAP-") {
		t.Errorf("ack %q names a request id before the request exists", ack)
	}
	card := e.card()
	if got := cardStart(t, card); !got.Equal(before) && !got.Equal(after) {
		t.Fatalf("card starts %v, want the next 08:00 in New York, %v", got.In(ny), before)
	}
	receipt := e.reply("is waiting for approval")
	if !strings.Contains(shown(receipt), "valid from <!date^") || strings.Contains(shown(receipt), "default time zone") {
		t.Errorf("receipt = %s", shown(receipt))
	}

	// Remembered: the next command is parsed at once, in the same zone.
	before = nextAt(e.clock.Now(), 9, 30, ny)
	ack = e.command(requester, "carol@contoso.com 1h at 9:30")
	after = nextAt(e.clock.Now(), 9, 30, ny)
	if !strings.Contains(ack, "carol@contoso.com") {
		t.Errorf("ack for a remembered zone = %q, want the immediate acknowledgement", ack)
	}
	if got := cardStart(t, e.card()); !got.Equal(before) && !got.Equal(after) {
		t.Fatalf("second card starts %v, want %v", got.In(ny), before)
	}

	// A date and time is read in New York too, and one that has passed
	// there is refused, saying when it is there now.
	yesterday := e.clock.Now().In(ny).AddDate(0, 0, -1).Format(time.DateOnly)
	ack = e.command(requester, "alice@contoso.com 1h at "+yesterday+" 10:00")
	if !strings.Contains(ack, "is in the past") || !strings.Contains(ack, "America/New_York") {
		t.Errorf("past date: ack = %q", ack)
	}
}

func TestSlackWithoutTheRequestersZoneReadsTimesInTheConfiguredOneAndSaysSo(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_TIMEZONE": "Europe/Berlin"})
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	e.slack.FailMethod("users.info", "ratelimited", 1)
	before := nextAt(e.clock.Now(), 8, 0, berlin)
	e.command(requester, "alice@contoso.com 2h at 08:00")
	after := nextAt(e.clock.Now(), 8, 0, berlin)
	receipt := e.reply("is waiting for approval")
	for _, want := range []string{"read in Europe/Berlin, tapbot's default time zone", "Slack did not tell tapbot your time zone", "at +2h"} {
		if !strings.Contains(shown(receipt), want) {
			t.Errorf("receipt lacks %q: %s", want, shown(receipt))
		}
	}
	if got := cardStart(t, e.card()); !got.Equal(before) && !got.Equal(after) {
		t.Fatalf("card starts %v, want the next 08:00 in Berlin, %v", got.In(berlin), before)
	}
}
