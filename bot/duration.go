package bot

import (
	"strings"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// MinLifetime and MaxLifetime are the absolute bounds of a pass lifetime
// that Entra accepts (10 to 43200 minutes). The tenant's own, narrower
// bounds are checked by approvals.
const (
	MinLifetime = 10 * time.Minute
	MaxLifetime = 30 * 24 * time.Hour
)

// maxSpanMinutes caps what a span can add up to, so that absurd numbers
// neither overflow nor need a special case: anything larger is simply
// "too long" for every caller.
const maxSpanMinutes = 10_000_000

// spanUnits are the words someone may put after a number. Only d, h and m
// are accepted; the others are recognised so the answer can say what to
// write instead of treating the token as the start of the reason.
var spanUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "h": time.Hour, "m": time.Minute,
	"s": 0, "sec": 0, "secs": 0, "second": 0, "seconds": 0, "ms": 0,
	"min": 0, "mins": 0, "minute": 0, "minutes": 0,
	"hr": 0, "hrs": 0, "hour": 0, "hours": 0,
	"day": 0, "days": 0, "w": 0, "wk": 0, "week": 0, "weeks": 0,
	"mo": 0, "month": 0, "months": 0, "y": 0, "yr": 0, "year": 0, "years": 0,
}

// FormatMinutes writes m minutes the way /tap reads them back; see
// approvals.FormatMinutes.
func FormatMinutes(m int) string { return approvals.FormatMinutes(m) }

// ParseLifetime reads a pass lifetime written as whole days, hours and
// minutes, largest unit first and each at most once: "90m", "2h", "1h30m",
// "1d", "1d12h". Units are case-insensitive. It returns an EINVALID
// *approvals.Error, naming s, when s has a sign, a fraction, no unit or
// another unit (seconds, weeks, "min"), or when it lies outside 10 minutes
// to 30 days.
func ParseLifetime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, invalid("A lifetime is missing; give one from 10m to 30d, e.g. 2h.")
	}
	if s[0] == '-' {
		return 0, invalid("The lifetime %s is negative; give one from 10m to 30d, e.g. 2h.", quote(s))
	}
	if s[0] == '+' {
		return 0, invalid("The lifetime %s has a sign; write it without one (e.g. 2h), or write %s to start the pass later.", quote(s), quote("at "+s))
	}
	d, err := parseSpan(s, s)
	if err != nil {
		return 0, err
	}
	switch {
	case d == 0:
		return 0, invalid("The lifetime %s is zero; give one from 10m to 30d, e.g. 2h.", quote(s))
	case d < MinLifetime:
		return 0, invalid("The lifetime %s is too short: a pass lives from 10 minutes (10m) to 30 days (30d).", quote(s))
	case d > MaxLifetime:
		return 0, invalid("The lifetime %s is too long: a pass lives from 10 minutes (10m) to 30 days (30d).", quote(s))
	}
	return d, nil
}

// parseSpan reads body as whole d, h and m parts, largest first, each at
// most once, and adds them up; name is the token to quote in errors. Sums
// beyond maxSpanMinutes are capped there.
func parseSpan(name, body string) (time.Duration, error) {
	var total int64
	last := time.Duration(1 << 62) // the previous unit; each must be smaller
	for rest := body; rest != ""; {
		num, unit, tail := splitSpanPart(rest)
		size, err := spanUnit(name, num, unit)
		if err != nil {
			return 0, err
		}
		if size >= last {
			return 0, invalid("In %s give days, hours and minutes once each, largest first, e.g. 1d12h or 1h30m.", quote(name))
		}
		last = size
		total = min(total+spanNumber(num)*int64(size/time.Minute), maxSpanMinutes)
		rest = tail
	}
	return time.Duration(total) * time.Minute, nil
}

// splitSpanPart cuts the leading digits and the non-digits after them off
// s: "1h30m" gives "1", "h", "30m"; "1.5h" gives "1", ".", "5h".
func splitSpanPart(s string) (num, unit, rest string) {
	i := strings.IndexFunc(s, func(r rune) bool { return !isDigit(r) })
	if i < 0 {
		return s, "", ""
	}
	j := strings.IndexFunc(s[i:], isDigit)
	if j < 0 {
		return s[:i], s[i:], ""
	}
	return s[:i], s[i : i+j], s[i+j:]
}

// spanUnit checks one number-and-unit part and returns the unit's size.
func spanUnit(name, num, unit string) (time.Duration, error) {
	lower := strings.ToLower(unit)
	size, known := spanUnits[lower]
	switch {
	case isFractionMark(unit):
		return 0, invalid("%s has a fraction; write whole units, e.g. 1h30m instead of 1.5h.", quote(name))
	case num == "" || (unit != "" && !known):
		return 0, invalid("%s is not a length of time; write days, hours and minutes like 90m, 2h or 1d12h.", quote(name))
	case unit == "":
		return 0, invalid("%s needs a unit: m, h or d, e.g. %sm or %sh.", quote(name), num, num)
	case size == 0 && strings.HasPrefix(lower, "s"):
		return 0, invalid("%s is in seconds; write days, hours and minutes (d, h, m), e.g. 90m.", quote(name))
	case size == 0:
		return 0, invalid("%s uses the unit %s; write days, hours and minutes as d, h and m, e.g. 90m, 2h or 1d12h.", quote(name), quote(unit))
	}
	return size, nil
}

// isFractionMark reports whether unit starts with a decimal point or
// comma, as in "1.5h", "1,5h" or "2.h".
func isFractionMark(unit string) bool {
	return strings.HasPrefix(unit, ".") || strings.HasPrefix(unit, ",")
}

// spanNumber reads a run of digits, capped at maxSpanMinutes.
func spanNumber(s string) int64 {
	var n int64
	for _, r := range s {
		n = min(n*10+int64(r-'0'), maxSpanMinutes)
	}
	return n
}

// looksLikeSpan reports whether tok is meant as a length of time: an
// optional sign, then numbers each followed by a unit word, a decimal mark
// or nothing. Such a token is read strictly, so "90" or "1.5h" get an
// answer instead of silently becoming part of the reason; "3rd" or "2fa"
// do not qualify.
func looksLikeSpan(tok string) bool {
	s := strings.TrimPrefix(strings.TrimPrefix(tok, "+"), "-")
	if s == "" || !(isDigit(rune(s[0])) || s[0] == '.' || s[0] == ',') {
		return false
	}
	for s != "" {
		_, unit, rest := splitSpanPart(s)
		if _, known := spanUnits[strings.ToLower(unit)]; unit != "" && !known && !isFractionMark(unit) {
			return false
		}
		s = rest
	}
	return true
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
