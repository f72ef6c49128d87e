package bot

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tapbot/tapbot/approvals"
)

// fuzzSeeds are inputs near the edges of the grammar; the files under
// testdata/fuzz hold more.
var fuzzSeeds = []string{
	"",
	"help",
	"alice@contoso.com 2h once new phone, INC-4711",
	"alice@contoso.com 1d 12h multi at 2025-03-02 09:00 new hire",
	"alice@contoso.com at +30m 90m reusable",
	"<mailto:alice@contoso.com|alice@contoso.com> 2h",
	"<mailto:alice@contoso.com|alice smith",
	`<a href="mailto:alice@contoso.com">alice@contoso.com</a> once`,
	`<a href="mailto:`,
	"alice_fabrikam.com#EXT#@contoso.onmicrosoft.com 10m",
	"deny tap-7k3q9d <!channel> no",
	"alice@contoso.com 99999999999999999999999999d",
	"alice@contoso.com at +9999999999999999999999d",
	"alice@contoso.com 1.5h",
	"alice@contoso.com at 2025-02-29T10:00",
	"a@b@c",
	"\xff\xfe@\x00",
	"alice@contoso.com \u202eevil",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse(text, testNow, cet)
		if err != nil {
			checkParseError(t, text, err)
			return
		}
		checkCommand(t, text, c)
	})
}

// checkParseError holds every refusal to the promise of Parse: an EINVALID
// *approvals.Error with a one-line message.
func checkParseError(t *testing.T, text string, err error) {
	var e *approvals.Error
	if !errors.As(err, &e) || e.Code != approvals.EINVALID {
		t.Fatalf("Parse(%q) error %#v is not an EINVALID *approvals.Error", text, err)
	}
	if e.Message == "" || strings.Contains(e.Message, "\n") || !utf8.ValidString(e.Message) {
		t.Fatalf("Parse(%q) message %q is not one line of text", text, e.Message)
	}
}

// checkCommand holds every accepted command to the promises of Command.
func checkCommand(t *testing.T, text string, c Command) {
	if _, ok := map[Verb]bool{VerbRequest: true, VerbHelp: true, VerbStatus: true, VerbRevoke: true, VerbList: true, VerbCancel: true, VerbDeny: true}[c.Verb]; !ok {
		t.Fatalf("Parse(%q) verb %q is not a verb", text, c.Verb)
	}
	if n := utf8.RuneCountInString(c.Reason); n > MaxReasonLen || !utf8.ValidString(c.Reason) || c.Reason != strings.TrimSpace(c.Reason) {
		t.Fatalf("Parse(%q) reason %q breaks the limits", text, c.Reason)
	}
	if c.Lifetime != 0 && (c.Lifetime < MinLifetime || c.Lifetime > MaxLifetime) {
		t.Fatalf("Parse(%q) lifetime %v is outside 10m..30d", text, c.Lifetime)
	}
	if !c.Start.IsZero() && (!c.Start.After(testNow) || c.Start.Sub(testNow) > MaxStartAhead) {
		t.Fatalf("Parse(%q) start %v is not within the next 30 days", text, c.Start)
	}
	switch c.Verb {
	case VerbRequest, VerbStatus, VerbRevoke:
		if again, err := ParseUPN(c.UPN); err != nil || again != c.UPN {
			t.Fatalf("Parse(%q) UPN %q is not a lower-case valid UPN (%v)", text, c.UPN, err)
		}
	case VerbCancel, VerbDeny:
		if again, err := ParseRequestID(c.RequestID); err != nil || again != c.RequestID {
			t.Fatalf("Parse(%q) request id %q is not canonical (%v)", text, c.RequestID, err)
		}
	}
}

func FuzzEscapeMrkdwn(f *testing.F) {
	for _, s := range []string{"<!channel>", "<http://evil.com|bank>", "<@U123>", "&lt;", "a & b > c", "\xff<"} {
		f.Add(s)
	}
	unescape := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
	f.Fuzz(func(t *testing.T, s string) {
		out := EscapeMrkdwn(s)
		if strings.ContainsAny(out, "<>") {
			t.Fatalf("EscapeMrkdwn(%q) = %q still holds < or >", s, out)
		}
		if back := unescape.Replace(out); back != s {
			t.Fatalf("EscapeMrkdwn(%q) = %q does not read back as the input (%q)", s, out, back)
		}
	})
}

func FuzzEscapeMarkdown(f *testing.F) {
	for _, s := range []string{"[bank](http://evil.com)", "<at>Bob</at>", `\`, `\\*`, "**x**", "\xff["} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		assertMarkdownInert(t, s, EscapeMarkdown(s))
	})
}

func FuzzTruncate(f *testing.F) {
	f.Add("Grüße 📱", 3)
	f.Add("hello", 0)
	f.Fuzz(func(t *testing.T, s string, n int) {
		got := Truncate(s, n)
		if n <= 0 {
			if got != "" {
				t.Fatalf("Truncate(%q, %d) = %q, want empty", s, n, got)
			}
			return
		}
		if utf8.RuneCountInString(got) > n {
			t.Fatalf("Truncate(%q, %d) = %q is longer than %d characters", s, n, got, n)
		}
		if got != s && !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
			t.Fatalf("Truncate(%q, %d) = %q is not a prefix of the input", s, n, got)
		}
	})
}
