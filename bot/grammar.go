package bot

import (
	"errors"
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
	VerbVerify  Verb = "verify"  // start a request's failed or expired Verified ID check again
)

// verbs maps the words that start a sub-command to their verb.
var verbs = map[string]Verb{
	"help": VerbHelp, "?": VerbHelp, "status": VerbStatus, "revoke": VerbRevoke,
	"list": VerbList, "cancel": VerbCancel, "deny": VerbDeny, "verify": VerbVerify,
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
	RequestID string        // cancel/deny/verify: e.g. "TAP-7K3Q9D" (upper-cased)
	Lifetime  time.Duration // request: 0 = tenant policy default
	Once      *bool         // request: nil = tenant policy default; once → true, multi → false
	Start     time.Time     // request: zero = immediately
	Reason    string        // request, deny: free text, trimmed, ≤ MaxReasonLen runes
}

// MaxReasonLen is the longest reason, in characters (runes), a command
// may carry.
const MaxReasonLen = 300

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
// HH:MM, YYYY-MM-DD HH:MM or YYYY-MM-DDTHH:MM is read in loc, the
// requester's own time zone (UTC when nil), and HH:MM is the next such time
// there: tomorrow once it has passed today. RFC 3339 times carry their own
// zone; +30m counts from now. A start that has passed is refused.
//
// Slack's <mailto:…|…> links and Teams' <a href="mailto:…">…</a> anchors
// around a user name are unwrapped. Parse never panics. Every error is an
// *approvals.Error with code EINVALID whose message is one sentence naming
// the word at fault and what is expected, caused by ErrUsage; callers
// append Usage.
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
	case VerbCancel, VerbVerify:
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

// ErrUsage is the cause of every error Parse returns: the command does not
// follow the /tap grammar, so an answer reminds of it (ShortUsage). A
// policy's refusal is EINVALID too but is no such error: the command was
// right and the usage line would not help (NotRaised).
var ErrUsage = errors.New("the command does not follow the /tap grammar")

// invalid returns an EINVALID error for the technician, caused by ErrUsage.
func invalid(format string, args ...any) error {
	e := approvals.Errorf(approvals.EINVALID, format, args...)
	e.Err = ErrUsage
	return e
}

// quote puts a word the user typed in backticks for an error message,
// on one line, shortened, and with backticks of its own replaced so the
// quote stays whole.
func quote(word string) string {
	word = strings.ReplaceAll(strings.Join(strings.Fields(word), " "), "`", "'")
	return "`" + Truncate(word, quoteMaxRunes) + "`"
}
