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
