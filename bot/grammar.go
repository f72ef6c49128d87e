package bot

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tapbot/tapbot/approvals"
)

// Verb is what a /tap command asks the bot to do.
type Verb string

// The verbs of /tap. A command whose first word is a user name is a
// VerbRequest; the others are named by their first word.
const (
	VerbRequest Verb = "request" // ask for a pass for a user
	VerbHelp    Verb = "help"    // show how to use /tap
	VerbStatus  Verb = "status"  // show a user's pass and open requests
	VerbRevoke  Verb = "revoke"  // delete a user's pass
	VerbList    Verb = "list"    // list open requests
	VerbCancel  Verb = "cancel"  // withdraw one's own pending request
	VerbDeny    Verb = "deny"    // refuse a pending request
)

// verbs maps the words that start a sub-command to their verb.
var verbs = map[string]Verb{
	"help": VerbHelp, "?": VerbHelp, "status": VerbStatus, "revoke": VerbRevoke,
	"list": VerbList, "cancel": VerbCancel, "deny": VerbDeny,
}

// usageWords maps the words for one-time and multi-use passes to Once.
var usageWords = map[string]bool{
	"once": true, "one-time": true, "onetime": true,
	"multi": false, "multiple": false, "reusable": false, "multi-use": false, "multiuse": false,
}

// Command is one parsed /tap command. Only the fields of its Verb are set.
type Command struct {
	Verb      Verb
	UPN       string        // request/status/revoke: lower-cased UPN
	RequestID string        // cancel/deny: e.g. "TAP-7K3Q9D" (upper-cased)
	Lifetime  time.Duration // request: 0 = tenant policy default
	Once      *bool         // request: nil = tenant policy default; once → true, multi → false
	Start     time.Time     // request: zero = immediately
	Reason    string        // request, deny: free text, trimmed, ≤ MaxReasonLen runes
}

// MaxReasonLen is the longest reason, in characters (runes), a command
// may carry.
const MaxReasonLen = 300

// MaxStartAhead is how far in the future a pass may be scheduled to start.
const MaxStartAhead = 30 * 24 * time.Hour

// RequestIDPrefix starts every request id; Parse adds it when left out.
const RequestIDPrefix = "TAP-"

// Limits Entra puts on a user principal name.
const (
	maxUPNLen    = 113
	maxLocalLen  = 64
	maxDomainLen = 48
)

// quoteMaxRunes is how much of a bad token an error message repeats.
const quoteMaxRunes = 40

// Parse reads the text after /tap:
//
//	/tap <upn> [lifetime] [once|multi] [at <start>] [reason…]
//	/tap help | list | status <upn> | revoke <upn> | cancel <id> | deny <id> [reason…]
//
// Words are separated by any white space and are case-insensitive; a
// leading "/tap" or "tap" is skipped. Empty text asks for help. The options
// of a request may come in any order; the first word that is none of them
// starts the reason, which keeps the user's own spacing, unless it looks
// like a mistyped option ("onse", "2x"), which is refused with what was
// probably meant (misspelling.go). A start given as
// HH:MM, YYYY-MM-DD HH:MM or YYYY-MM-DDTHH:MM is read in loc (UTC when nil);
// RFC 3339 times carry their own zone; +30m counts from now.
//
// Slack's <mailto:…|…> links and Teams' <a href="mailto:…">…</a> anchors
// around a user name are unwrapped. Parse never panics. Every error is an
// *approvals.Error with code EINVALID whose message is one sentence naming
// the word at fault and what is expected; callers append Usage.
func Parse(text string, now time.Time, loc *time.Location) (Command, error) {
	if loc == nil {
		loc = time.UTC
	}
	text = normalize(text)
	toks := tokenize(text)
	if len(toks) > 0 && isCommandName(toks[0].text) {
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return Command{Verb: VerbHelp}, nil
	}
	if strings.Contains(toks[0].text, "@") {
		return parseRequest(text, toks, now, loc)
	}
	verb, ok := verbs[strings.ToLower(toks[0].text)]
	if !ok {
		return Command{}, invalid("I don't know %s: start with the user's sign-in name, like alice@contoso.com, or with help, status, revoke, list, cancel or deny.", quote(toks[0].text))
	}
	return parseSubcommand(verb, text, toks)
}

// parseSubcommand reads the words after a verb.
func parseSubcommand(verb Verb, text string, toks []token) (Command, error) {
	switch verb {
	case VerbList:
		if len(toks) > 1 {
			return Command{}, invalid("%s takes nothing after it, but got %s.", quote(string(verb)), quote(toks[1].text))
		}
		return Command{Verb: verb}, nil
	case VerbStatus, VerbRevoke:
		return parseUserCommand(verb, toks)
	case VerbCancel:
		return parseIDCommand(verb, text, toks, false)
	case VerbDeny:
		return parseIDCommand(verb, text, toks, true)
	}
	return Command{Verb: VerbHelp}, nil
}

// parseUserCommand reads "status <upn>" and "revoke <upn>".
func parseUserCommand(verb Verb, toks []token) (Command, error) {
	if len(toks) < 2 {
		return Command{}, invalid("%s needs the user's sign-in name, e.g. %s.", quote(string(verb)), quote(string(verb)+" alice@contoso.com"))
	}
	if len(toks) > 2 {
		return Command{}, invalid("%s takes one sign-in name; remove %s and what follows.", quote(string(verb)), quote(toks[2].text))
	}
	upn, err := ParseUPN(toks[1].text)
	if err != nil {
		return Command{}, err
	}
	return Command{Verb: verb, UPN: upn}, nil
}

// parseIDCommand reads "cancel <id>" and, when withReason, "deny <id> [reason…]".
func parseIDCommand(verb Verb, text string, toks []token, withReason bool) (Command, error) {
	if len(toks) < 2 {
		return Command{}, invalid("%s needs a request id, e.g. %s.", quote(string(verb)), quote(string(verb)+" TAP-7K3Q9D"))
	}
	if len(toks) > 2 && !withReason {
		return Command{}, invalid("%s takes one request id; remove %s and what follows.", quote(string(verb)), quote(toks[2].text))
	}
	id, err := ParseRequestID(toks[1].text)
	if err != nil {
		return Command{}, err
	}
	c := Command{Verb: verb, RequestID: id}
	if len(toks) > 2 {
		if c.Reason, err = parseReason(text[toks[2].start:]); err != nil {
			return Command{}, err
		}
	}
	return c, nil
}

// parseRequest reads "<upn> [options…] [reason…]".
func parseRequest(text string, toks []token, now time.Time, loc *time.Location) (Command, error) {
	upn, err := ParseUPN(toks[0].text)
	if err != nil {
		return Command{}, err
	}
	c := Command{Verb: VerbRequest, UPN: upn}
	p := optionParser{cmd: &c, now: now, loc: loc}
	rest, err := p.parse(toks[1:])
	if err != nil {
		return Command{}, err
	}
	if len(rest) == 0 {
		return c, nil
	}
	if _, err := ParseUPN(rest[0].text); err == nil {
		return Command{}, invalid("One request is for one user; ask for %s in a second /tap.", quote(rest[0].text))
	}
	if err := misspeltOption(rest); err != nil {
		return Command{}, err
	}
	if c.Reason, err = parseReason(text[rest[0].start:]); err != nil {
		return Command{}, err
	}
	return c, nil
}

// optionParser fills in the options of a request and remembers the words
// that set them, to name both when one is given twice.
type optionParser struct {
	cmd                         *Command
	now                         time.Time
	loc                         *time.Location
	lifetimeTok, onceTok, atTok string
}

// parse consumes options from toks and returns the words left for the
// reason.
func (p *optionParser) parse(toks []token) ([]token, error) {
	for len(toks) > 0 {
		n, err := p.option(toks)
		if err != nil || n == 0 {
			return toks, err
		}
		toks = toks[n:]
	}
	return nil, nil
}

// option consumes one option at the head of toks and says how many words
// it took; 0 means the reason starts here.
func (p *optionParser) option(toks []token) (int, error) {
	word := toks[0].text
	if once, ok := usageWords[strings.ToLower(word)]; ok {
		return 1, p.setOnce(word, once)
	}
	switch {
	case strings.EqualFold(word, "at"):
		return p.start(toks)
	case looksLikeSpan(word):
		return p.lifetime(toks)
	case isClock(word) || isDate(word):
		return 0, invalid("To start the pass at %s, write %s.", quote(word), quote("at "+word))
	}
	return 0, nil
}

// setOnce records once or multi; the same choice twice is harmless.
func (p *optionParser) setOnce(word string, once bool) error {
	if p.cmd.Once != nil && *p.cmd.Once != once {
		return invalid("%s contradicts %s: a pass is either one-time (once) or multi-use (multi).", quote(word), quote(p.onceTok))
	}
	p.cmd.Once, p.onceTok = &once, word
	return nil
}

// lifetime reads a lifetime, joining words that continue it ("1d 12h").
func (p *optionParser) lifetime(toks []token) (int, error) {
	if p.lifetimeTok != "" {
		if _, err := ParseLifetime(toks[0].text); err != nil {
			return 0, err
		}
		return 0, invalid("The lifetime is given twice, as %s and %s; give one.", quote(p.lifetimeTok), quote(toks[0].text))
	}
	joined, n := joinSpans(toks)
	d, err := ParseLifetime(joined)
	if err != nil {
		return 0, err
	}
	p.cmd.Lifetime, p.lifetimeTok = d, joined
	return n, nil
}

// joinSpans joins the spans at the head of toks for as long as they read
// as one ("1d" "12h" → "1d12h") and says how many words it used.
func joinSpans(toks []token) (string, int) {
	joined, n := toks[0].text, 1
	if _, err := parseSpan(joined, joined); err != nil {
		return joined, n
	}
	for ; n < len(toks) && looksLikeSpan(toks[n].text); n++ {
		next := joined + toks[n].text
		if _, err := parseSpan(next, next); err != nil {
			break
		}
		joined = next
	}
	return joined, n
}

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

// mailtoLink matches Slack's <mailto:addr|label> and <mailto:addr>.
var mailtoLink = regexp.MustCompile(`(?i)<mailto:([^|>]*)(?:\|([^>]*))?>`)

// parseReason turns the rest of the text into a reason: links to mail
// addresses become the text the user typed, and the result is trimmed.
func parseReason(s string) (string, error) {
	s = strings.TrimSpace(mailtoLink.ReplaceAllStringFunc(s, func(link string) string {
		m := mailtoLink.FindStringSubmatch(link)
		if strings.TrimSpace(m[2]) != "" {
			return m[2]
		}
		return m[1]
	}))
	if n := utf8.RuneCountInString(s); n > MaxReasonLen {
		return "", invalid("The reason is %d characters long; keep it to %d.", n, MaxReasonLen)
	}
	return s, nil
}

// ParseUPN checks that s is a user principal name Entra would accept and
// returns it lower-cased. A Slack link (<mailto:a@b|a@b>, <mailto:a@b>),
// angle brackets and trailing punctuation (a comma, a full stop) are
// removed first. The local part may hold letters, digits and ' . - _ ! # ^ ~
// (so guests' #EXT# names pass), up to 64 characters, with no dot at either
// end or two in a row; the domain is a DNS name with a dot, up to 48
// characters. It returns an EINVALID *approvals.Error naming s otherwise.
func ParseUPN(s string) (string, error) {
	upn, err := unwrapMailto(strings.TrimRight(s, ",;:."))
	if err != nil {
		return "", err
	}
	upn = strings.ToLower(strings.TrimRight(upn, ",;:."))
	if err := checkUPN(s, upn); err != nil {
		return "", err
	}
	return upn, nil
}

// unwrapMailto returns the address inside a Slack mail link or angle
// brackets. A link whose text differs from its address is refused, since
// which of the two was meant cannot be known.
func unwrapMailto(s string) (string, error) {
	const prefix = "<mailto:"
	if !strings.HasPrefix(s, "<") || !strings.HasSuffix(s, ">") || len(s) < 2 {
		return s, nil
	}
	inner := s[1 : len(s)-1]
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		inner = s[len(prefix) : len(s)-1]
	}
	addr, label, _ := strings.Cut(inner, "|")
	if label = strings.TrimSpace(label); label != "" && !strings.EqualFold(label, addr) {
		return "", invalid("The link %s shows %s but points to %s; type the sign-in name without a link.", quote(s), quote(label), quote(addr))
	}
	return addr, nil
}

// checkUPN applies Entra's rules for a user principal name to upn; raw is
// what the user typed, for the message.
func checkUPN(raw, upn string) error {
	local, domain, _ := strings.Cut(upn, "@")
	switch {
	case !strings.Contains(upn, "@"):
		return invalid("%s is not a sign-in name: it needs an @, like alice@contoso.com.", quote(raw))
	case strings.Contains(domain, "@"):
		return invalid("%s has more than one @; a sign-in name looks like alice@contoso.com.", quote(raw))
	case len(upn) > maxUPNLen:
		return invalid("%s is longer than the %d characters Entra allows in a sign-in name.", quote(raw), maxUPNLen)
	}
	if err := checkLocalPart(raw, local); err != nil {
		return err
	}
	return checkDomain(raw, domain)
}

// checkLocalPart checks the part of a UPN before the @.
func checkLocalPart(raw, local string) error {
	if bad := strings.IndexFunc(local, func(r rune) bool { return !isLocalRune(r) }); bad >= 0 {
		r, _ := utf8.DecodeRuneInString(local[bad:])
		return invalid("%s contains %s, which Entra does not allow before the @ (only letters, digits and ' . - _ ! # ^ ~).", quote(raw), quote(string(r)))
	}
	switch {
	case local == "":
		return invalid("%s has nothing before the @; a sign-in name looks like alice@contoso.com.", quote(raw))
	case len(local) > maxLocalLen:
		return invalid("The part before the @ in %s is longer than the %d characters Entra allows.", quote(raw), maxLocalLen)
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return invalid("The part before the @ in %s may not start or end with a dot or have two dots in a row.", quote(raw))
	}
	return nil
}

// checkDomain checks the part of a UPN after the @: a DNS name with at
// least two labels whose last one is not a number.
func checkDomain(raw, domain string) error {
	labels := strings.Split(domain, ".")
	switch {
	case domain == "":
		return invalid("%s has no domain after the @, like contoso.com.", quote(raw))
	case len(domain) > maxDomainLen:
		return invalid("The domain in %s is longer than the %d characters Entra allows.", quote(raw), maxDomainLen)
	case len(labels) < 2:
		return invalid("The domain in %s needs a dot, like contoso.com.", quote(raw))
	case strings.Trim(labels[len(labels)-1], "0123456789") == "":
		return invalid("The domain in %s must end in a name such as .com, not a number.", quote(raw))
	}
	for _, l := range labels {
		if err := checkLabel(raw, l); err != nil {
			return err
		}
	}
	return nil
}

// checkLabel checks one dot-separated part of a domain.
func checkLabel(raw, label string) error {
	switch {
	case label == "":
		return invalid("The domain in %s has an empty part between dots.", quote(raw))
	case strings.IndexFunc(label, func(r rune) bool { return !isDNSRune(r) }) >= 0:
		return invalid("The domain in %s may hold only letters, digits, hyphens and dots.", quote(raw))
	case label[0] == '-' || label[len(label)-1] == '-':
		return invalid("A part of the domain in %s starts or ends with a hyphen.", quote(raw))
	}
	return nil
}

func isLocalRune(r rune) bool {
	return isDNSRune(r) || strings.ContainsRune("'._!#^~", r)
}

func isDNSRune(r rune) bool {
	return isDigit(r) || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '-'
}

// ParseRequestID reads a request id such as "TAP-7K3Q9D", in any case and
// with or without the TAP- prefix, and returns it upper-cased with the
// prefix. It returns an EINVALID *approvals.Error naming s when the rest is
// not 4 to 32 letters and digits.
func ParseRequestID(s string) (string, error) {
	body := strings.ToUpper(strings.TrimRight(strings.TrimSpace(s), ",;:."))
	body = strings.TrimPrefix(body, RequestIDPrefix)
	ok := len(body) >= 4 && len(body) <= 32 &&
		strings.IndexFunc(body, func(r rune) bool { return !isDigit(r) && (r < 'A' || r > 'Z') }) < 0
	if !ok {
		return "", invalid("%s is not a request id; ids look like TAP-7K3Q9D and are shown on the request's card.", quote(s))
	}
	return RequestIDPrefix + body, nil
}

// token is one word of the command and where it starts in the text.
type token struct {
	text  string
	start int
}

// tokenize splits s at white space. A Slack mail link (<mailto:…|…>) is
// one word even if its text holds spaces.
func tokenize(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += w
			continue
		}
		end := tokenEnd(s, i)
		toks = append(toks, token{text: s[i:end], start: i})
		i = end
	}
	return toks
}

// tokenEnd finds where the word starting at i ends.
func tokenEnd(s string, i int) int {
	const prefix = "<mailto:"
	if len(s)-i >= len(prefix) && strings.EqualFold(s[i:i+len(prefix)], prefix) {
		if j := strings.IndexByte(s[i:], '>'); j >= 0 {
			i += j + 1
		}
	}
	if j := strings.IndexFunc(s[i:], unicode.IsSpace); j >= 0 {
		return i + j
	}
	return len(s)
}

func isCommandName(word string) bool {
	return strings.EqualFold(word, "/tap") || strings.EqualFold(word, "tap")
}

// htmlMailto matches a Teams HTML anchor to a mail address.
var (
	htmlMailto = regexp.MustCompile(`(?is)<a\s[^>]*?\bhref\s*=\s*["']mailto:([^"'>]*)["'][^>]*>(.*?)</a\s*>`)
	htmlTag    = regexp.MustCompile(`<[^>]*>`)
	linkUnsafe = strings.NewReplacer("<", "", ">", "", "|", "")
)

// normalize makes the text safe to split: Teams' mail anchors become
// Slack-style <mailto:addr|text> links, then invalid UTF-8 (also from
// percent-escapes in an anchor) is replaced and invisible characters that
// phones and copy-paste insert are dropped.
func normalize(s string) string {
	s = htmlMailto.ReplaceAllStringFunc(s, anchorToLink)
	return strings.Map(dropInvisible, strings.ToValidUTF8(s, "\uFFFD"))
}

// anchorToLink rewrites one HTML mail anchor as <mailto:addr|text>.
func anchorToLink(anchor string) string {
	m := htmlMailto.FindStringSubmatch(anchor)
	addr := html.UnescapeString(m[1])
	if u, err := url.PathUnescape(addr); err == nil {
		addr = u
	}
	label := html.UnescapeString(htmlTag.ReplaceAllString(m[2], ""))
	return "<mailto:" + linkUnsafe.Replace(addr) + "|" + strings.TrimSpace(linkUnsafe.Replace(label)) + ">"
}

// dropInvisible removes control characters other than tab and line
// breaks, zero-width spaces and byte-order marks, and bidirectional
// overrides, which could make a reason read differently from what it says.
func dropInvisible(r rune) rune {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return r
	case unicode.IsControl(r), r == '\u200b', r == '\ufeff', r == '\u061c',
		r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f':
		return -1
	}
	return r
}

// invalid returns an EINVALID error for the technician.
func invalid(format string, args ...any) error {
	return approvals.Errorf(approvals.EINVALID, format, args...)
}

// quote puts a word the user typed in backticks for an error message,
// on one line, shortened, and with backticks of its own replaced so the
// quote stays whole.
func quote(word string) string {
	word = strings.ReplaceAll(strings.Join(strings.Fields(word), " "), "`", "'")
	return "`" + Truncate(word, quoteMaxRunes) + "`"
}
