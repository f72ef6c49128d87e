package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

func TestFormatMinutesWritesLargestUnitsFirst(t *testing.T) {
	tests := []struct {
		m    int
		want string
	}{
		{0, "0m"},
		{10, "10m"},
		{59, "59m"},
		{60, "1h"},
		{90, "1h30m"},
		{24 * 60, "1d"},
		{26 * 60, "1d2h"},
		{24*60 + 1, "1d1m"},
		{36*60 + 30, "1d12h30m"},
		{30 * 24 * 60, "30d"},
		{-90, "-1h30m"},
	}
	for _, tt := range tests {
		if got := FormatMinutes(tt.m); got != tt.want {
			t.Errorf("FormatMinutes(%d) = %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestEveryAllowedLifetimeSurvivesFormatAndParse(t *testing.T) {
	for m := int(MinLifetime / time.Minute); m <= int(MaxLifetime/time.Minute); m++ {
		s := FormatMinutes(m)
		d, err := ParseLifetime(s)
		if err != nil {
			t.Fatalf("ParseLifetime(FormatMinutes(%d) = %q) error: %v", m, s, err)
		}
		if d != time.Duration(m)*time.Minute {
			t.Fatalf("ParseLifetime(%q) = %v, want %d minutes", s, d, m)
		}
	}
}

func TestParseLifetimeAcceptsUnitsInAnyCase(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"90m", 90 * time.Minute},
		{"2H", 2 * time.Hour},
		{"1h30M", 90 * time.Minute},
		{"1D12h", 36 * time.Hour},
		{" 10m ", 10 * time.Minute},
		{"0d0h10m", 10 * time.Minute},
		{"0030d", 30 * 24 * time.Hour},
	}
	for _, tt := range tests {
		got, err := ParseLifetime(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseLifetime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseLifetimeRefusesWhatIsNotAnAllowedLifetime(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "missing"},
		{"9m", "too short"},
		{"43201m", "too long"},
		{"0h", "is zero"},
		{"-10m", "negative"},
		{"+10m", "has a sign"},
		{"10s", "in seconds"},
		{"1h10sec", "in seconds"},
		{".5h", "fraction"},
		{"2.h", "fraction"},
		{"10", "needs a unit"},
		{"1h30", "needs a unit"},
		{"1w", "unit `w`"},
		{"2hours", "unit `hours`"},
		{"h", "not a length of time"},
		{"1x", "not a length of time"},
		{"1h-30m", "not a length of time"},
		{"1m1h", "largest first"},
		{"1d1d", "once each"},
		{strings.Repeat("9", 40) + "m", "too long"},
	}
	for _, tt := range tests {
		_, err := ParseLifetime(tt.in)
		if approvals.ErrorCode(err) != approvals.EINVALID || !strings.Contains(approvals.ErrorMessage(err), tt.want) {
			t.Errorf("ParseLifetime(%q) error = %v, want EINVALID mentioning %q", tt.in, err, tt.want)
		}
	}
}

func TestLooksLikeSpanTellsLifetimesFromReasonWords(t *testing.T) {
	tests := []struct {
		tok  string
		want bool
	}{
		{"2h", true}, {"90", true}, {"1.5h", true}, {"-2h", true}, {"+30m", true},
		{"90min", true}, {"2W", true}, {"1h30", true},
		{"3rd", false}, {"2fa", false}, {"24/7", false}, {"INC-4711", false},
		{"h", false}, {"", false}, {"+-", false}, {"10:00", false}, {"2025-03-01", false},
	}
	for _, tt := range tests {
		if got := looksLikeSpan(tt.tok); got != tt.want {
			t.Errorf("looksLikeSpan(%q) = %v, want %v", tt.tok, got, tt.want)
		}
	}
}

func TestDescribePassSaysKindLengthAndWindow(t *testing.T) {
	utc := time.UTC
	start := time.Date(2025, 3, 1, 14, 5, 0, 0, utc)
	tests := []struct {
		name    string
		minutes int
		once    bool
		start   time.Time
		end     time.Time
		loc     *time.Location
		want    string
	}{
		{"same day", 120, true, start, start.Add(2 * time.Hour), utc, "one-time, valid 2h from 14:05 to 16:05 UTC on Sat 1 Mar"},
		{"end worked out from lifetime", 90, false, start, time.Time{}, utc, "multi-use, valid 1h30m from 14:05 to 15:35 UTC on Sat 1 Mar"},
		{"shown in the reader's zone", 120, true, start, time.Time{}, cet, "one-time, valid 2h from 15:05 to 17:05 CET on Sat 1 Mar"},
		{"nil zone is UTC", 120, true, start.In(cet), time.Time{}, nil, "one-time, valid 2h from 14:05 to 16:05 UTC on Sat 1 Mar"},
		{"over midnight", 24 * 60, false, start, time.Time{}, utc, "multi-use, valid 1d from Sat 1 Mar 14:05 to Sun 2 Mar 14:05 UTC"},
		{"not yet issued", 60, true, time.Time{}, time.Time{}, utc, "one-time, valid 1h from when it is issued"},
		{"tenant default lifetime", 0, true, start, time.Time{}, utc, "one-time, valid for the tenant's default lifetime from Sat 1 Mar 14:05 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DescribePass(tt.minutes, tt.once, tt.start, tt.end, tt.loc); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDescribePassNamesBothZonesAcrossAClockChange(t *testing.T) {
	berlinLike := time.FixedZone("CEST", 2*60*60)
	s := time.Date(2025, 3, 30, 1, 0, 0, 0, cet)
	e := time.Date(2025, 3, 30, 4, 0, 0, 0, berlinLike)
	got := describeSpan(s, e)
	if want := "from 01:00 CET to 04:00 CEST on Sun 30 Mar"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
