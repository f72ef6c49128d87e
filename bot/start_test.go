package bot

import (
	"testing"
	"time"
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
	if _, err := Parse("alice@contoso.com at 15:00", testNow, tokyo); err == nil {
		t.Error("15:00 Tokyo time has passed, want an error")
	}
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
