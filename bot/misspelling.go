package bot

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A request's reason starts at the first word that is no option, so a
// mistyped option ("onse", "mutli", "2x") would silently become the start
// of the reason and the pass would get the tenant's default instead of
// what was asked for. misspeltOption refuses such a first word. The rule
// is narrow, so that ordinary reasons ("new phone", "lost phone", "one
// phone", "3rd phone this month", "2fa reset") still pass:
//
//   - a word starting with a digit is taken for a lifetime when it is
//     digits and letters only and each run of letters is a unit or one
//     edit away from one ("2x", "3hrz", "1dy"), and for a start time when
//     it reads like 10am or 14:30; ordinals (1st, 2nd, 3rd, 4th) are not;
//   - any other word is taken for once or multi when it is one of the
//     words for them or an edit away: one edit from the short words (once,
//     multi, single), two from the long ones (one-time, multiple,
//     reusable…) when the first letter matches; "twice" and the like are
//     known; a few English words that are that close ("one", "ounce") are
//     left alone.
//
// A word followed by a comma or full stop ("2h,", "once.") is checked
// without it. A technician whose reason does start with such a word is
// told to begin it with another.

// usageGuesses are the words a technician may mean by once or multi, each
// with the option to suggest, in the order they are tried.
var usageGuesses = []struct{ word, option string }{
	{"once", "once"}, {"onetime", "once"}, {"one-time", "once"}, {"single", "once"}, {"single-use", "once"}, {"singleuse", "once"},
	{"multi", "multi"}, {"multiple", "multi"}, {"multi-use", "multi"}, {"multiuse", "multi"}, {"reusable", "multi"},
}

// usageWordsKnown are words that are no option but plainly mean one.
var usageWordsKnown = map[string]string{
	"twice": "multi", "thrice": "multi", "reuse": "multi", "multi-time": "multi", "multitime": "multi",
	"one-off": "once", "oneoff": "once", "one-use": "once", "oneuse": "once", "one-shot": "once", "oneshot": "once",
}

// ordinaryWords are close to a usage word but are plain English that may
// start a reason.
var ordinaryWords = map[string]bool{"one": true, "ounce": true, "nonce": true}

// oneWordAfter are the words that turn "one" into "one time" and the like.
var oneWordAfter = map[string]bool{"time": true, "use": true, "off": true, "shot": true}

// unitGuesses are the unit names a technician may mean, with the number
// of minutes each stands for; 0 is a unit that cannot be suggested
// (seconds, months, years).
var unitGuesses = map[string]int{
	"m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1,
	"h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60,
	"d": 1440, "day": 1440, "days": 1440,
	"w": 10080, "wk": 10080, "wks": 10080, "week": 10080, "weeks": 10080,
	"s": 0, "sec": 0, "secs": 0, "second": 0, "seconds": 0, "ms": 0,
	"mo": 0, "month": 0, "months": 0, "y": 0, "yr": 0, "yrs": 0, "year": 0, "years": 0,
}

var (
	ordinalPattern   = regexp.MustCompile(`^[0-9]+(st|nd|rd|th)$`)
	hourOfDayPattern = regexp.MustCompile(`^([0-9]{1,2})(am|pm)$`)
	unitsPattern     = regexp.MustCompile(`^([0-9]+[a-z]+)+$`)
	lettersPattern   = regexp.MustCompile(`[a-z]+`)
)

// misspeltOption returns an EINVALID error when the first word of a
// reason (toks[0]) looks like a mistyped option, with what was probably
// meant; see the rule above. It returns nil for every other word.
func misspeltOption(toks []token) error {
	word := strings.ToLower(strings.TrimRight(toks[0].text, ",;:."))
	if word == "" {
		return nil
	}
	var hint string
	if isDigit(rune(word[0])) {
		hint = lifetimeHint(word)
	} else {
		hint = usageHint(word, toks[1:])
	}
	if hint == "" {
		return nil
	}
	return invalid("%s looks like a mistyped option: did you mean %s? If the reason really starts with it, begin the reason with another word.", quote(toks[0].text), hint)
}

// usageHint suggests once or multi for word, or returns "".
func usageHint(word string, next []token) string {
	if word == "one" && len(next) > 0 && oneWordAfter[strings.ToLower(strings.TrimRight(next[0].text, ",;:."))] {
		return usageSuggestion("once")
	}
	if _, ok := usageWords[word]; ok {
		return "`" + word + "`" // an option with punctuation stuck to it
	}
	if option, ok := usageWordsKnown[word]; ok {
		return usageSuggestion(option)
	}
	if ordinaryWords[word] {
		return ""
	}
	for _, g := range usageGuesses {
		if closeTo(word, g.word) {
			return usageSuggestion(g.option)
		}
	}
	return ""
}

// closeTo reports whether word is a likely misspelling of target: one edit
// away from a short target, two from a long one with the same first letter.
func closeTo(word, target string) bool {
	if diff := utf8.RuneCountInString(word) - utf8.RuneCountInString(target); diff > 2 || diff < -2 {
		return false // at least that many insertions or deletions apart
	}
	d := editDistance(word, target)
	if len(target) <= 6 {
		return d <= 1
	}
	return d <= 2 && word[0] == target[0]
}

func usageSuggestion(option string) string {
	if option == "once" {
		return "`once` (a one-time pass)"
	}
	return "`multi` (a multi-use pass)"
}

// lifetimeHint suggests a lifetime or a start for word, which starts with
// a digit, or returns "".
func lifetimeHint(word string) string {
	if ordinalPattern.MatchString(word) {
		return ""
	}
	if isClock(word) || isDate(word) {
		return "`at " + word + "`"
	}
	if m := hourOfDayPattern.FindStringSubmatch(word); m != nil {
		return hourOfDayHint(m[1], m[2])
	}
	if _, err := ParseLifetime(word); err == nil {
		return "`" + word + "`" // a lifetime with punctuation stuck to it
	}
	if looksLikeSpan(word) {
		return spanHint(word)
	}
	if !unitsPattern.MatchString(word) {
		return ""
	}
	for _, run := range lettersPattern.FindAllString(word, -1) {
		if len(nearestUnits(run)) == 0 {
			return "" // "2fa", "3cx": not a unit
		}
	}
	return spanHint(word)
}

// hourOfDayHint turns "10" "am" into "`at 10:00`".
func hourOfDayHint(hour, half string) string {
	h, _ := strconv.Atoi(hour)
	if h < 1 || h > 12 {
		return ""
	}
	if half == "pm" && h < 12 {
		h += 12
	} else if half == "am" && h == 12 {
		h = 0
	}
	return fmt.Sprintf("`at %02d:00`", h)
}

// spanHint suggests the lifetime a number and a unit-like word probably
// mean ("2hrz" → 2h, "2wks" → 14d, "2x" → 2h or 2d, and multi), or how
// to write one.
func spanHint(word string) string {
	num, unit, rest := splitSpanPart(word)
	generic := "a lifetime in days, hours and minutes such as `2h` or `1d12h`"
	if rest != "" {
		return generic
	}
	var lifetimes []string
	for _, perUnit := range nearestUnits(unit) {
		if s := lifetimeFor(num, perUnit); s != "" {
			lifetimes = append(lifetimes, "`"+s+"`")
		}
	}
	hint := strings.Join(lifetimes, " or ")
	if unit == "x" {
		option := "multi"
		if spanNumber(num) == 1 {
			option = "once"
		}
		return strings.TrimPrefix(hint+" for the lifetime, or "+usageSuggestion(option), " for the lifetime, or ")
	}
	if hint == "" {
		return generic
	}
	return hint
}

// lifetimeFor writes num units of perUnit minutes the way /tap reads a
// lifetime, or "" when that is no valid lifetime.
func lifetimeFor(num string, perUnit int) string {
	var s string
	switch perUnit {
	case 1:
		s = num + "m"
	case 60:
		s = num + "h"
	case 1440:
		s = num + "d"
	default:
		s = FormatMinutes(int(spanNumber(num)) * perUnit)
	}
	if _, err := ParseLifetime(s); err != nil {
		return ""
	}
	return s
}

// nearestUnits returns the sizes, in minutes, of the units closest to run,
// hours first, then days and minutes, when run is a unit or one edit away
// from one; weeks only when nothing else is as close. Units that cannot be
// suggested count as a match but are left out, so "2s" is recognised yet
// gets the generic hint.
func nearestUnits(run string) []int {
	best, found := 1, map[int]bool{}
	for name, size := range unitGuesses {
		d := editDistance(run, name)
		if d > best {
			continue
		}
		if d < best {
			best, found = d, map[int]bool{}
		}
		if d == best {
			found[size] = true
		}
	}
	if len(found) == 0 {
		return nil
	}
	out := []int{}
	for _, size := range []int{60, 1440, 1} {
		if found[size] {
			out = append(out, size)
		}
	}
	switch {
	case len(out) == 0 && found[10080]:
		out = append(out, 10080)
	case len(out) == 0:
		out = append(out, 0) // matched only units that cannot be suggested
	}
	return out
}

// editDistance is the optimal-string-alignment distance of a and b: how
// many single-letter insertions, deletions, substitutions and swaps of
// neighbours turn one into the other.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// Three rolling rows (the swap looks two back), on the stack for
	// words of ordinary length: every reason's first word is checked, so
	// this runs on each /tap.
	var buf [3][32]int
	var rows [3][]int
	for k := range rows {
		if len(t) < len(buf[k]) {
			rows[k] = buf[k][:len(t)+1]
		} else {
			rows[k] = make([]int, len(t)+1)
		}
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(s); i++ {
		prev2, prev, cur := rows[(i+1)%3], rows[(i+2)%3], rows[i%3]
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
	}
	return rows[len(s)%3][len(t)]
}
