package bot

import (
	"strings"
	"unicode/utf8"
)

// mrkdwnEscaper replaces the three characters Slack gives meaning to in
// mrkdwn text. '&' goes first so the entities it writes stay intact.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// EscapeMrkdwn makes user-supplied text safe to put in a Slack mrkdwn
// message: &, < and > become entities, so the text cannot hold a mention
// (<!channel>, <@U123>) or a disguised link (<http://evil|bank>). It keeps
// *bold* and _italic_ marks, which cannot reach anyone or anything.
func EscapeMrkdwn(s string) string { return mrkdwnEscaper.Replace(s) }

// markdownSpecial are the characters Teams markdown (and the HTML under it)
// reads as syntax: emphasis, headings, links, images, tables, code, entities
// and tags such as <at> mentions.
const markdownSpecial = "\\*_~#[]()<>&|`"

// EscapeMarkdown makes user-supplied text safe to put in a Teams markdown
// message or Adaptive Card: every character of \ * _ ~ # [ ] ( ) < > & |
// and ` gets a backslash, so the text shows as typed and cannot form a
// link, an image, a mention or markup.
func EscapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, r := range s {
		if r < utf8.RuneSelf && strings.ContainsRune(markdownSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Truncate shortens s to at most n characters (runes), ending with "…"
// when something was cut. It never splits a character; n ≤ 0 gives "".
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := 0; i < n-1; i++ {
		_, w := utf8.DecodeRuneInString(s[cut:])
		cut += w
	}
	return s[:cut] + "…"
}

// Bounds on text tapbot shows but did not write: Graph's and the chat
// platforms' error messages, and the failure reasons built on them.
const (
	// MaxOutsideText is where such a text is cut when it enters tapbot.
	MaxOutsideText = 300
	// MaxShownReason is the most characters a failure reason takes on a
	// card once escaped, leaving room in one block text for the words
	// around it.
	MaxShownReason = 2000
	// MaxBlockText is the most characters Slack takes in one text of a
	// block (answering invalid_blocks otherwise); Teams cards keep it too.
	MaxBlockText = 3000
)

// Clip returns escape(s) — s as a card shows it — in at most n characters,
// cutting s on a character boundary and marking the cut with "…". The cut
// is made before escaping, so no entity or escape sequence is split; it
// keeps as much of s as fits.
func Clip(s string, n int, escape func(string) string) string {
	fits := func(k int) bool { return utf8.RuneCountInString(escape(Truncate(s, k))) <= n }
	// What fits only grows with k, so the longest prefix that does is found
	// by bisection; k = 0 (nothing) always fits.
	lo, hi := 0, min(max(n, 0), utf8.RuneCountInString(s))
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return escape(Truncate(s, lo))
}
