package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeMrkdwnMakesMentionsAndLinksInert(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"<!channel>", "&lt;!channel&gt;"},
		{"<!here> <!everyone>", "&lt;!here&gt; &lt;!everyone&gt;"},
		{"<@U0123ABC>", "&lt;@U0123ABC&gt;"},
		{"<http://evil.com|bank>", "&lt;http://evil.com|bank&gt;"},
		{"R&D", "R&amp;D"},
		{"&lt;!channel&gt;", "&amp;lt;!channel&amp;gt;"},
		{"*bold* _it_ ~st~", "*bold* _it_ ~st~"},
		{"plain text", "plain text"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := EscapeMrkdwn(tt.in); got != tt.want {
			t.Errorf("EscapeMrkdwn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapeMarkdownMakesLinksMentionsAndMarkupInert(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"[bank](http://evil.com)", `\[bank\]\(http://evil.com\)`},
		{"![x](http://evil.com/p.png)", `!\[x\]\(http://evil.com/p.png\)`},
		{"<at>Bob</at>", `\<at\>Bob\</at\>`},
		{"**bold** _it_ ~~st~~", `\*\*bold\*\* \_it\_ \~\~st\~\~`},
		{"# Heading", `\# Heading`},
		{"a|b", `a\|b`},
		{"`code`", "\\`code\\`"},
		{`C:\path`, `C:\\path`},
		{"R&D &amp;", `R\&D \&amp;`},
		{"Grüße 📱", "Grüße 📱"},
	}
	for _, tt := range tests {
		if got := EscapeMarkdown(tt.in); got != tt.want {
			t.Errorf("EscapeMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapeMarkdownLeavesNoSpecialCharacterUnescaped(t *testing.T) {
	in := "x" + markdownSpecial + markdownSpecial + "y"
	assertMarkdownInert(t, in, EscapeMarkdown(in))
}

// assertMarkdownInert fails unless every special character in out follows
// an odd run of backslashes, that is, is itself escaped.
func assertMarkdownInert(t *testing.T, in, out string) {
	t.Helper()
	slashes := 0
	for _, r := range out {
		if r != '\\' && strings.ContainsRune(markdownSpecial, r) && slashes%2 == 0 {
			t.Fatalf("EscapeMarkdown(%q) = %q leaves %q unescaped", in, out, r)
		}
		if r == '\\' {
			slashes++
		} else {
			slashes = 0
		}
	}
	if slashes%2 != 0 {
		t.Fatalf("EscapeMarkdown(%q) = %q ends in a lone backslash", in, out)
	}
}

func TestTruncateCutsWholeCharactersAndMarksTheCut(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"hello", 1, "…"},
		{"hello", 0, ""},
		{"hello", -1, ""},
		{"Grüße", 4, "Grü…"},
		{"📱📱📱", 2, "📱…"},
		{"", 3, ""},
	}
	for _, tt := range tests {
		got := Truncate(tt.in, tt.n)
		if got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q is not valid UTF-8", tt.in, tt.n, got)
		}
	}
}

func TestSignInHintBoldsTheButtonsTheUserMustFind(t *testing.T) {
	slack := SignInHint(func(s string) string { return "*" + s + "*" })
	for _, want := range []string{"https://myaccount.microsoft.com", "*Sign-in options*", "*Temporary Access Pass*", "Microsoft Authenticator"} {
		if !strings.Contains(slack, want) {
			t.Errorf("SignInHint = %q, want it to contain %q", slack, want)
		}
	}
	plain := SignInHint(nil)
	if strings.Contains(plain, "*") || !strings.Contains(plain, "choose Sign-in options → Temporary Access Pass and enter the pass") {
		t.Errorf("SignInHint(nil) = %q, want plain button names", plain)
	}
}

func TestClipKeepsTheEscapedTextWithinTheLimit(t *testing.T) {
	tests := []struct {
		in     string
		n      int
		escape func(string) string
		want   string
	}{
		{"short & sweet", 100, EscapeMrkdwn, "short &amp; sweet"},
		{"a&b&c&d", 10, EscapeMrkdwn, "a&amp;b…"},
		{"**bold**", 6, EscapeMarkdown, "\\*\\*b…"},
		{"hello", 0, EscapeMrkdwn, ""},
		{"hello", -3, EscapeMrkdwn, ""},
	}
	for _, tt := range tests {
		if got := Clip(tt.in, tt.n, tt.escape); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
	long := strings.Repeat("<&>", 3334)
	for _, escape := range []func(string) string{EscapeMrkdwn, EscapeMarkdown} {
		got := Clip(long, MaxShownReason, escape)
		if n := utf8.RuneCountInString(got); n > MaxShownReason || n < MaxShownReason-10 || !strings.HasSuffix(got, "…") {
			t.Errorf("clipped to %d characters (%q), want just under %d, marked", n, Truncate(got, 20), MaxShownReason)
		}
	}
}
