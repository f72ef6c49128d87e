package bot

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones of the tests, whatever the host has
)

// TestEveryDocumentedExampleWorksOnAnyDay parses every example command of
// /tap help and of the README, and every "at …" start they show, at
// instants chosen to break fixed dates and today-only clock times: late in
// the evening, just after the example times, on a leap day, across a
// daylight-saving change, years from now, in zones from UTC−11 to UTC+14.
// Each must parse and start now or in the future.
func TestEveryDocumentedExampleWorksOnAnyDay(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := append(usageExamples(t, Usage), readmeExamples(t, string(readme))...)
	for _, zone := range []string{"UTC", "America/New_York", "Europe/Berlin", "Pacific/Kiritimati", "Pacific/Pago_Pago"} {
		loc := mustZone(t, zone)
		for _, now := range []time.Time{
			time.Now(),
			time.Date(2026, 12, 3, 23, 59, 0, 0, loc),
			time.Date(2026, 12, 31, 23, 59, 59, 0, loc),
			time.Date(2027, 3, 14, 8, 1, 0, 0, loc),    // after 08:00; the US change to summer time
			time.Date(2027, 10, 31, 14, 31, 0, 0, loc), // after 14:30; the EU change to winter time
			time.Date(2028, 2, 29, 23, 59, 0, 0, loc),
			time.Date(2031, 6, 15, 0, 0, 0, 0, loc),
		} {
			for _, ex := range examples {
				cmd, err := Parse(ex, now, loc)
				if err != nil {
					t.Errorf("%s at %s: %q does not parse: %v", zone, now.Format(time.DateTime), ex, err)
					continue
				}
				if !cmd.Start.IsZero() && !cmd.Start.After(now) {
					t.Errorf("%s at %s: %q starts %v, not in the future", zone, now.Format(time.DateTime), ex, cmd.Start)
				}
			}
		}
	}
}

// exampleStart matches a start the texts show, e.g. "at 14:30", "at +1d",
// "at 2026-11-23T09:00"; placeholders such as "at YYYY-MM-DD HH:MM" are not
// examples.
var exampleStart = regexp.MustCompile(`\bat (\+[0-9a-zA-Z]+|[0-9]{1,2}:[0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?)`)

// usageExamples are the command lines of text with no placeholder in
// them, and a request for each start the text shows.
func usageExamples(t *testing.T, text string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if isExampleLine(line) {
			out = append(out, line)
		}
	}
	out = append(out, startExamples(text)...)
	if len(out) < 6 {
		t.Fatalf("found %d examples in /tap help, want at least 6: %q", len(out), out)
	}
	return out
}

// readmeExamples are the /tap lines of the README's code blocks, without
// the notes beside them, and a request for each start the README shows.
func readmeExamples(t *testing.T, readme string) []string {
	t.Helper()
	var out []string
	inCode := false
	for _, line := range strings.Split(readme, "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if !inCode {
			continue
		}
		if i := strings.Index(line, "  "); i >= 0 {
			line = line[:i] // "/tap list        open requests"
		}
		if isExampleLine(line) {
			out = append(out, line)
		}
	}
	out = append(out, startExamples(readme)...)
	if len(out) < 6 {
		t.Fatalf("found %d examples in the README, want at least 6: %q", len(out), out)
	}
	return out
}

// isExampleLine reports whether line is a whole /tap command, not a form
// with placeholders ("[lifetime]", "<upn>", "reason…", "user@domain").
func isExampleLine(line string) bool {
	return strings.HasPrefix(line, "/tap ") && !strings.ContainsAny(line, "[<…") && !strings.Contains(line, "user@domain")
}

// startExamples is a request for every start shown in text.
func startExamples(text string) []string {
	var out []string
	for _, m := range exampleStart.FindAllStringSubmatch(text, -1) {
		out = append(out, "alice@contoso.com 1h at "+m[1])
	}
	return out
}

func TestExampleExtractionFindsFixedDates(t *testing.T) {
	// The check above must catch what issue 12 found in the help text.
	got := startExamples("- at start: at 14:30 (today), at 2025-03-01 09:00, at +30m, or `at 2026-11-23T09:00`")
	want := []string{"alice@contoso.com 1h at 14:30", "alice@contoso.com 1h at 2025-03-01 09:00", "alice@contoso.com 1h at +30m", "alice@contoso.com 1h at 2026-11-23T09:00"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("startExamples = %q, want %q", got, want)
	}
	now := time.Date(2026, 12, 3, 23, 59, 0, 0, time.UTC)
	if _, err := Parse(want[3], now, time.UTC); err == nil {
		t.Error("a date that has passed parsed: the examples test would not notice one")
	}
}
