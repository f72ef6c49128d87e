package bot

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones of the tests, whatever the host has

	"github.com/tapbot/tapbot/approvals"
)

func TestParseReadsClockTimesInTheGivenZone(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*60*60)
	// testNow is 22:05 in Tokyo, so 23:00 is still today there.
	got, err := Parse("alice@contoso.com at 23:00", testNow, tokyo)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2025, 3, 1, 23, 0, 0, 0, tokyo)
	if !got.Start.Equal(want) {
		t.Errorf("Start = %v, want %v", got.Start, want)
	}
	// 15:00 has passed in Tokyo: the next 15:00 there is tomorrow, though
	// in CET it is still ahead today.
	got, err = Parse("alice@contoso.com at 15:00", testNow, tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 3, 2, 15, 0, 0, 0, tokyo); !got.Start.Equal(want) {
		t.Errorf("Start = %v, want tomorrow's %v", got.Start, want)
	}
}

func TestParseRollsAClockTimeToTheNextDayInTheRequestersZone(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	tests := []struct {
		name string
		now  time.Time
		text string
		want time.Time
	}{
		{"evening: 08:00 is tomorrow", time.Date(2026, 12, 3, 21, 30, 0, 0, ny), "at 08:00", time.Date(2026, 12, 4, 8, 0, 0, 0, ny)},
		{"early morning: 08:00 is today", time.Date(2026, 12, 3, 6, 0, 0, 0, ny), "at 08:00", time.Date(2026, 12, 3, 8, 0, 0, 0, ny)},
		// 06:00 UTC is 01:00 in New York: 08:00 there is 13:00 UTC, not 08:00 UTC.
		{"read in the zone, not UTC", time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC), "at 08:00", time.Date(2026, 12, 3, 8, 0, 0, 0, ny)},
		// 03:00 UTC on the 4th is still the 3rd in New York: "today" is its day there.
		{"today is the day in the zone", time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC), "at 23:00", time.Date(2026, 12, 3, 23, 0, 0, 0, ny)},
		{"at 23:59 every time of day is tomorrow", time.Date(2026, 12, 31, 23, 59, 0, 0, ny), "at 23:58", time.Date(2027, 1, 1, 23, 58, 0, 0, ny)},
		{"into a leap day", time.Date(2028, 2, 28, 22, 0, 0, 0, ny), "at 07:00", time.Date(2028, 2, 29, 7, 0, 0, 0, ny)},
		// Clocks go forward at 02:00 on 14 March 2027: 02:30 does not exist
		// that day and time.Date moves it to 03:30.
		{"into the hour daylight saving skips", time.Date(2027, 3, 13, 23, 0, 0, 0, ny), "at 02:30", time.Date(2027, 3, 14, 3, 30, 0, 0, ny)},
		{"a date and time is read in the zone", time.Date(2026, 12, 3, 21, 30, 0, 0, ny), "at 2026-12-04 08:00", time.Date(2026, 12, 4, 8, 0, 0, 0, ny)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("alice@contoso.com 2h "+tt.text, tt.now, ny)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Start.Equal(tt.want) {
				t.Errorf("Start = %v, want %v", got.Start.In(ny), tt.want)
			}
		})
	}
}

func TestParseRefusesAPastDateInTheRequestersZone(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	// 08:00 on 4 December in New York is 13:00 UTC; at 10:00 New York time
	// it has passed there, though 08:00 UTC would not tell.
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, ny)
	_, err := Parse("alice@contoso.com at 2026-12-04 08:00", now, ny)
	if err == nil {
		t.Fatal("a start two hours ago was accepted")
	}
	for _, want := range []string{"`2026-12-04 08:00`", "is in the past", "Fri 4 Dec 2026 08:00 EST (America/New_York)", "now Fri 4 Dec 2026 10:00 EST"} {
		if !strings.Contains(approvals.ErrorMessage(err), want) {
			t.Errorf("%q lacks %q", approvals.ErrorMessage(err), want)
		}
	}
}

// mustZone loads an IANA zone; the test binary embeds the zone data.
func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseWithoutZoneUsesUTC(t *testing.T) {
	got, err := Parse("alice@contoso.com at 2025-03-02 09:00", testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC); !got.Start.Equal(want) {
		t.Errorf("Start = %v, want %v", got.Start, want)
	}
}

func TestReadsLocalTimeSaysWhenOnlyTheRequestersZoneGivesTheStart(t *testing.T) {
	for text, want := range map[string]bool{
		"alice@contoso.com 2h at 08:00":                   true,
		"alice@contoso.com AT 8:00 once":                  true,
		"alice@contoso.com at 2026-12-04 09:00":           true,
		"alice@contoso.com at 2026-12-04T09:00":           true,
		"alice@contoso.com at 2026-12-04t09:00:00":        true,
		"alice@contoso.com at +2h":                        false,
		"alice@contoso.com at 2026-12-04T09:00:00Z":       false,
		"alice@contoso.com at 2026-12-04T09:00+01:00":     false,
		"alice@contoso.com 2h once new phone, INC-4711":   false,
		"alice@contoso.com":                               false,
		"status alice@contoso.com":                        false,
		"alice@contoso.com at":                            false,
		"alice@contoso.com\u00a0at\u00a008:00":            true,
		"deny TAP-7K3Q9D call me at 14:30 about it first": true, // harmless: the zone is asked for, then unused
	} {
		if got := ReadsLocalTime(text); got != want {
			t.Errorf("ReadsLocalTime(%q) = %v, want %v", text, got, want)
		}
	}
}
