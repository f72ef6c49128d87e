package bot

import (
	"regexp"
	"strings"
	"time"
)

// MaxStartAhead is how far in the future a pass may be scheduled to start.
const MaxStartAhead = 30 * 24 * time.Hour

// start reads "at <start>", which takes one or two more words.
func (p *optionParser) start(toks []token) (int, error) {
	if p.atTok != "" {
		return 0, invalid("The start is given twice, as %s and %s; a pass has one start.", quote("at "+p.atTok), quote("at "+toks[min(1, len(toks)-1)].text))
	}
	if len(toks) < 2 {
		return 0, invalid("%s needs a start time, e.g. at 14:30 (the next 14:30), at +2h, or a date and time like at YYYY-MM-DD 09:00.", quote(toks[0].text))
	}
	t, n, err := parseStart(toks[1:], p.now, p.loc)
	if err != nil {
		return 0, err
	}
	p.cmd.Start, p.atTok = t, toks[1].text
	return 1 + n, nil
}

// parseStart reads the start time at the head of toks, checks it lies
// within the next 30 days, and says how many words it used.
func parseStart(toks []token, now time.Time, loc *time.Location) (time.Time, int, error) {
	word, n := toks[0].text, 1
	var t time.Time
	var err error
	switch {
	case strings.HasPrefix(word, "+"):
		t, err = relativeStart(word, now)
	case isClock(word):
		t, err = nextClock(word, now, loc)
	case isDate(word):
		if len(toks) < 2 || !isClock(toks[1].text) {
			return time.Time{}, 0, invalid("The start date %s needs a time too, e.g. %s.", quote(word), quote("at "+word+" 09:00"))
		}
		word, n = word+" "+toks[1].text, 2
		t, err = dateAndClock(toks[0].text, toks[1].text, loc)
	default:
		t, err = timestamp(word, loc)
	}
	if err != nil {
		return time.Time{}, 0, err
	}
	return t, n, checkStart(word, t, now, loc)
}

// relativeStart reads "+30m", "+2h", "+1d": that long from now.
func relativeStart(word string, now time.Time) (time.Time, error) {
	d, err := parseSpan(word, word[1:])
	if err != nil {
		return time.Time{}, err
	}
	return now.Add(d), nil
}

// nextClock reads "HH:MM" as the next time the clock in loc shows it:
// today, or tomorrow when that time has passed today (or is this very
// minute), so "at 08:00" typed in the evening means tomorrow morning.
func nextClock(word string, now time.Time, loc *time.Location) (time.Time, error) {
	h, m, err := clock(word)
	if err != nil {
		return time.Time{}, err
	}
	y, mo, d := now.In(loc).Date()
	t := wallClock(y, mo, d, h, m, loc)
	if !t.After(now) {
		t = wallClock(y, mo, d+1, h, m, loc)
	}
	return t, nil
}

// wallClock is h:m on that day in loc. On a day whose clock skips that
// time (summer time begins), it is as late as the skip: 02:30 becomes
// 03:30, never a time before the one asked for.
func wallClock(y int, mo time.Month, d, h, m int, loc *time.Location) time.Time {
	t := time.Date(y, mo, d, h, m, 0, 0, loc)
	if t.Hour() != h || t.Minute() != m {
		_, before := t.Zone()
		_, after := t.Add(24 * time.Hour).Zone()
		if after > before {
			t = t.Add(time.Duration(after-before) * time.Second)
		}
	}
	return t
}

// dateAndClock reads "YYYY-MM-DD" and "HH:MM" as a time in loc.
func dateAndClock(date, hhmm string, loc *time.Location) (time.Time, error) {
	day, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return time.Time{}, invalid("%s is not a date; write YYYY-MM-DD (year, month, day), at most 30 days ahead.", quote(date))
	}
	h, m, err := clock(hhmm)
	if err != nil {
		return time.Time{}, err
	}
	return wallClock(day.Year(), day.Month(), day.Day(), h, m, loc), nil
}

// timestampLayouts are the one-word forms of a start: local date and time
// (read in loc), then RFC 3339 with and without seconds.
var timestampLayouts = []struct {
	layout string
	local  bool
}{
	{"2006-01-02T15:04", true},
	{"2006-01-02T15:04:05", true},
	{time.RFC3339, false},
	{"2006-01-02T15:04Z07:00", false},
}

// timestamp reads a one-word date and time such as 2025-03-01T09:00 (in
// loc) or 2025-03-01T09:00:00+01:00.
func timestamp(word string, loc *time.Location) (time.Time, error) {
	up := strings.ToUpper(word)
	for _, l := range timestampLayouts {
		in := time.UTC
		if l.local {
			in = loc
		}
		if t, err := time.ParseInLocation(l.layout, up, in); err == nil {
			return t, nil
		}
	}
	return time.Time{}, invalid("%s is not a start time; write HH:MM, YYYY-MM-DD HH:MM, an RFC 3339 time or +30m.", quote(word))
}

// checkStart refuses starts that are not in the future or are more than
// MaxStartAhead away; word is what the user wrote.
func checkStart(word string, t, now time.Time, loc *time.Location) error {
	switch startBound(t, now) {
	case startPassed:
		return invalid("The start %s (%s) is in the past: it is now %s. Give a later date, a time of day (at 09:00 is the next 09:00) or a delay such as at +2h.", quote(word), formatTime(t, loc), formatTime(now, loc))
	case startTooFar:
		return invalid("The start %s (%s) is more than 30 days ahead; a pass can be scheduled at most 30 days in advance.", quote(word), formatTime(t, loc))
	}
	return nil
}

// startCheck is what the rule for a start says of one: the typed grammar
// and the request forms word it each their own way.
type startCheck int

const (
	startFine   startCheck = iota
	startPassed            // not after now
	startTooFar            // more than MaxStartAhead away
)

// startBound applies the rule for a start: later than now, and at most
// MaxStartAhead away.
func startBound(t, now time.Time) startCheck {
	switch {
	case !t.After(now):
		return startPassed
	case t.Sub(now) > MaxStartAhead:
		return startTooFar
	}
	return startFine
}

// formatTime writes t in loc for error messages, naming the zone when its
// abbreviation alone may not say which it is ("EST" but also "-03").
func formatTime(t time.Time, loc *time.Location) string {
	s := t.In(loc).Format("Mon 2 Jan 2006 15:04 MST")
	if name := loc.String(); strings.Contains(name, "/") {
		s += " (" + name + ")"
	}
	return s
}

var (
	clockPattern = regexp.MustCompile(`^[0-9]{1,2}:[0-9]{2}$`)
	datePattern  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

func isClock(s string) bool { return clockPattern.MatchString(s) }
func isDate(s string) bool  { return datePattern.MatchString(s) }

// clock reads "H:MM" or "HH:MM" on a 24-hour clock.
func clock(s string) (hour, minute int, err error) {
	h, m, _ := strings.Cut(s, ":")
	hour, minute = int(spanNumber(h)), int(spanNumber(m))
	if !isClock(s) || hour > 23 || minute > 59 {
		return 0, 0, invalid("%s is not a time of day; write HH:MM on a 24-hour clock, e.g. 14:30.", quote(s))
	}
	return hour, minute, nil
}

// localTimestamp matches the one-word forms of a start read in the
// requester's zone (timestampLayouts without an offset).
var localTimestamp = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?$`)

// ReadsLocalTime reports whether text gives a start as a time of day or a
// date ("at 08:00", "at 2026-12-04 09:00"), which only the requester's own
// time zone makes a moment; "at +2h" and RFC 3339 times need none. A
// front-end that must ask for the zone asks only then. It may say true for
// words that turn out to be part of a reason; it never says false for a
// start that needs the zone.
func ReadsLocalTime(text string) bool {
	toks := tokenize(normalize(text))
	for i := 0; i+1 < len(toks); i++ {
		next := toks[i+1].text
		if strings.EqualFold(toks[i].text, "at") && (isClock(next) || isDate(next) || localTimestamp.MatchString(next)) {
			return true
		}
	}
	return false
}
