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
		return 0, invalid("%s needs a start time, e.g. at 14:30, at 2025-03-01 09:00 or at +2h.", quote(toks[0].text))
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
		t, err = clockToday(word, now, loc)
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

// clockToday reads "HH:MM" as that time today in loc. A time already past
// is not moved to tomorrow: checkStart refuses it.
func clockToday(word string, now time.Time, loc *time.Location) (time.Time, error) {
	h, m, err := clock(word)
	if err != nil {
		return time.Time{}, err
	}
	y, mo, d := now.In(loc).Date()
	return time.Date(y, mo, d, h, m, 0, 0, loc), nil
}

// dateAndClock reads "YYYY-MM-DD" and "HH:MM" as a time in loc.
func dateAndClock(date, hhmm string, loc *time.Location) (time.Time, error) {
	day, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return time.Time{}, invalid("%s is not a date; write YYYY-MM-DD, e.g. 2025-03-01.", quote(date))
	}
	h, m, err := clock(hhmm)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc), nil
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

// timestamp reads a one-word date and time such as 2025-03-01T09:00 or
// 2025-03-01T09:00:00+01:00.
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
	if !t.After(now) {
		return invalid("The start %s (%s) is in the past: it is now %s.", quote(word), formatTime(t, loc), formatTime(now, loc))
	}
	if t.Sub(now) > MaxStartAhead {
		return invalid("The start %s (%s) is more than 30 days ahead; a pass can be scheduled at most 30 days in advance.", quote(word), formatTime(t, loc))
	}
	return nil
}

// formatTime writes t in loc for error messages.
func formatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST")
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
