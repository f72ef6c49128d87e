package bot

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// cet is a fixed zone so the tests do not depend on the host's tz data.
var cet = time.FixedZone("CET", 60*60)

// testNow is Saturday 1 March 2025, 14:05 CET.
var testNow = time.Date(2025, 3, 1, 14, 5, 0, 0, cet)

func boolp(b bool) *bool { return &b }

func TestParseAcceptsEveryForm(t *testing.T) {
	at := func(y int, mo time.Month, d, h, m int, loc *time.Location) time.Time {
		return time.Date(y, mo, d, h, m, 0, 0, loc)
	}
	tests := []struct {
		name string
		text string
		want Command
	}{
		{"empty text asks for help", "", Command{Verb: VerbHelp}},
		{"blank text asks for help", " \t\n ", Command{Verb: VerbHelp}},
		{"help", "help", Command{Verb: VerbHelp}},
		{"help in capitals", "HELP", Command{Verb: VerbHelp}},
		{"question mark is help", "?", Command{Verb: VerbHelp}},
		{"help ignores what follows", "help status", Command{Verb: VerbHelp}},
		{"bare command name is help", "/tap", Command{Verb: VerbHelp}},
		{"leading command name is skipped", "/TAP list", Command{Verb: VerbList}},
		{"leading tap word is skipped", "tap status alice@contoso.com", Command{Verb: VerbStatus, UPN: "alice@contoso.com"}},
		{"list", "  List  ", Command{Verb: VerbList}},
		{"status lower-cases the user", "Status Alice@Contoso.COM", Command{Verb: VerbStatus, UPN: "alice@contoso.com"}},
		{"revoke unwraps a slack link", "revoke <mailto:bob@contoso.com|bob@contoso.com>", Command{Verb: VerbRevoke, UPN: "bob@contoso.com"}},
		{"cancel upper-cases the id", "cancel tap-7k3q9d", Command{Verb: VerbCancel, RequestID: "TAP-7K3Q9D"}},
		{"verify names the request whose check starts again", "verify tap-7k3q9d", Command{Verb: VerbVerify, RequestID: "TAP-7K3Q9D"}},
		{"cancel adds a missing prefix", "CANCEL 7k3q9d", Command{Verb: VerbCancel, RequestID: "TAP-7K3Q9D"}},
		{"deny without reason", "deny TAP-7K3Q9D", Command{Verb: VerbDeny, RequestID: "TAP-7K3Q9D"}},
		{"deny keeps the reason's spacing and case", "deny TAP-7K3Q9D   Not approved by  Manager  ", Command{Verb: VerbDeny, RequestID: "TAP-7K3Q9D", Reason: "Not approved by  Manager"}},
		{"request with user only", "alice@contoso.com", Command{Verb: VerbRequest, UPN: "alice@contoso.com"}},
		{"request in the documented example", "alice@contoso.com 2h once new phone, INC-4711",
			Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 2 * time.Hour, Once: boolp(true), Reason: "new phone, INC-4711"}},
		{"request forgives case and extra spaces", "  ALICE@CONTOSO.COM   ONCE   2H   New  Phone ",
			Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 2 * time.Hour, Once: boolp(true), Reason: "New  Phone"}},
		{"request after command name", "/tap alice@contoso.com 90m multi",
			Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 90 * time.Minute, Once: boolp(false)}},
		{"lifetime hours and minutes", "alice@contoso.com 1h30m", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 90 * time.Minute}},
		{"lifetime in capitals", "alice@contoso.com 1H30M", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 90 * time.Minute}},
		{"lifetime in days", "alice@contoso.com 1d", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 24 * time.Hour}},
		{"lifetime in days and hours", "alice@contoso.com 1d12h", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 36 * time.Hour}},
		{"lifetime split over words is joined", "alice@contoso.com 1d 12h 30m x", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 36*time.Hour + 30*time.Minute, Reason: "x"}},
		{"shortest lifetime", "alice@contoso.com 10m", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 10 * time.Minute}},
		{"longest lifetime", "alice@contoso.com 30d", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 30 * 24 * time.Hour}},
		{"one-time synonym", "alice@contoso.com One-Time", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Once: boolp(true)}},
		{"onetime synonym", "alice@contoso.com onetime", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Once: boolp(true)}},
		{"multiple synonym", "alice@contoso.com MULTIPLE", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Once: boolp(false)}},
		{"reusable synonym", "alice@contoso.com Reusable", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Once: boolp(false)}},
		{"once twice is harmless", "alice@contoso.com once once", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Once: boolp(true)}},
		{"start later today", "alice@contoso.com at 15:00", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Start: at(2025, 3, 1, 15, 0, cet)}},
		{"start earlier today rolls to tomorrow", "alice@contoso.com at 13:00", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Start: at(2025, 3, 2, 13, 0, cet)}},
		{"start this very minute rolls to tomorrow", "alice@contoso.com at 14:05", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Start: at(2025, 3, 2, 14, 5, cet)}},
		{"start with one-digit hour", "alice@contoso.com 2h at 23:59", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 2 * time.Hour, Start: at(2025, 3, 1, 23, 59, cet)}},
		{"start as date and time in two words", "alice@contoso.com AT 2025-03-02 9:00", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Start: at(2025, 3, 2, 9, 0, cet)}},
		{"start as local date-time", "alice@contoso.com at 2025-03-02T09:00", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Start: at(2025, 3, 2, 9, 0, cet)}},
		{"start as lower-case local date-time", "alice@contoso.com at 2025-03-02t09:00", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Start: at(2025, 3, 2, 9, 0, cet)}},
		{"start in RFC 3339 UTC", "alice@contoso.com at 2025-03-02T09:00:00Z", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Start: at(2025, 3, 2, 9, 0, time.UTC)}},
		{"start in RFC 3339 with offset", "alice@contoso.com at 2025-03-02T09:00+02:00", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Start: at(2025, 3, 2, 7, 0, time.UTC)}},
		{"start relative minutes", "alice@contoso.com at +30m", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Start: testNow.Add(30 * time.Minute)}},
		{"start relative hours", "alice@contoso.com at +2H", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Start: testNow.Add(2 * time.Hour)}},
		{"start exactly 30 days ahead", "alice@contoso.com at +30d", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Start: testNow.Add(MaxStartAhead)}},
		{"options in any order", "alice@contoso.com at +2h once 1h lost phone",
			Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: time.Hour, Once: boolp(true), Start: testNow.Add(2 * time.Hour), Reason: "lost phone"}},
		{"slack mail link", "<mailto:Alice@Contoso.com|Alice@Contoso.com> 2h", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 2 * time.Hour}},
		{"slack mail link without text", "<mailto:alice@contoso.com> once", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Once: boolp(true)}},
		{"angle brackets around the user", "<alice@contoso.com> once", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Once: boolp(true)}},
		{"teams mail anchor", `<a href="mailto:alice@contoso.com">alice@contoso.com</a> 2h once lost phone`,
			Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 2 * time.Hour, Once: boolp(true), Reason: "lost phone"}},
		{"teams mail anchor with attributes and entities", `<A title="x" HREF='mailto:Alice%40Contoso.com'><span>Alice@Contoso.com</span></a> 2h`,
			Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 2 * time.Hour}},
		{"trailing comma after the user", "alice@contoso.com, 2h", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 2 * time.Hour}},
		{"guest user is valid syntax", "alice_fabrikam.com#EXT#@contoso.onmicrosoft.com", Command{Verb: VerbRequest, UPN: "alice_fabrikam.com#ext#@contoso.onmicrosoft.com"}},
		{"every character entra allows", "o'brien.j-x_y!z#a^b~c9@sub.contoso-it.com", Command{Verb: VerbRequest, UPN: "o'brien.j-x_y!z#a^b~c9@sub.contoso-it.com"}},
		{"mail link in the reason becomes its text", "alice@contoso.com 2h asked by <mailto:bob@contoso.com|bob@contoso.com> today",
			Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 2 * time.Hour, Reason: "asked by bob@contoso.com today"}},
		{"reason may start with an ordinal", "alice@contoso.com 3rd phone this month", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Reason: "3rd phone this month"}},
		{"reason may start with at and a word", "alice@contoso.com once INC-4711 at the desk", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Once: boolp(true), Reason: "INC-4711 at the desk"}},
		{"reason keeps other scripts and emoji", "alice@contoso.com Handy verloren 📱", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Reason: "Handy verloren 📱"}},
		{"reason of the longest length", "alice@contoso.com " + strings.Repeat("é", MaxReasonLen), Command{Verb: VerbRequest, UPN: "alice@contoso.com", Reason: strings.Repeat("é", MaxReasonLen)}},
		{"no-break spaces separate words", "alice@contoso.com\u00a02h\u00a0once", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 2 * time.Hour, Once: boolp(true)}},
		{"zero-width spaces are dropped", "alice@contoso.com 2h\u200b once\ufeff", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Lifetime: 2 * time.Hour, Once: boolp(true)}},
		{"bidi overrides are dropped from the reason", "alice@contoso.com ticket \u202e1174-CNI", Command{Verb: VerbRequest, UPN: "alice@contoso.com", Reason: "ticket 1174-CNI"}},
		{"trailing dot after the user", "alice@contoso.com.", Command{Verb: VerbRequest, UPN: "alice@contoso.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.text, testNow, cet)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.text, err)
			}
			assertCommand(t, got, tt.want)
		})
	}
}

func assertCommand(t *testing.T, got, want Command) {
	t.Helper()
	if got.Verb != want.Verb || got.UPN != want.UPN || got.RequestID != want.RequestID ||
		got.Lifetime != want.Lifetime || got.Reason != want.Reason {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if (got.Once == nil) != (want.Once == nil) || (got.Once != nil && *got.Once != *want.Once) {
		t.Errorf("Once = %v, want %v", fmtBoolp(got.Once), fmtBoolp(want.Once))
	}
	if !got.Start.Equal(want.Start) {
		t.Errorf("Start = %v, want %v", got.Start, want.Start)
	}
}

func fmtBoolp(b *bool) string {
	if b == nil {
		return "nil"
	}
	if *b {
		return "true"
	}
	return "false"
}

func TestParseRefusesBadInputWithAMessageNamingIt(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // substrings of the message
	}{
		{"unknown first word", "xyz", []string{"I don't know `xyz`", "alice@contoso.com"}},
		{"user name without domain", "alice 2h", []string{"I don't know `alice`"}},
		{"status without user", "status", []string{"`status` needs the user's sign-in name"}},
		{"status with two users", "status a@contoso.com b@contoso.com", []string{"takes one sign-in name", "`b@contoso.com`"}},
		{"revoke with a bad user", "revoke bob@contoso", []string{"`bob@contoso`", "needs a dot"}},
		{"list with arguments", "list all", []string{"`list` takes nothing after it", "`all`"}},
		{"cancel without id", "cancel", []string{"`cancel` needs a request id"}},
		{"cancel with extra words", "cancel TAP-7K3Q9D now", []string{"takes one request id", "`now`"}},
		{"cancel with a malformed id", "cancel TAP-!!", []string{"`TAP-!!` is not a request id"}},
		{"deny without id", "deny", []string{"`deny` needs a request id"}},
		{"verify without id", "verify", []string{"`verify` needs a request id"}},
		{"verify with extra words", "verify TAP-7K3Q9D again", []string{"takes one request id", "`again`"}},
		{"deny with a user instead of an id", "deny alice@contoso.com", []string{"`alice@contoso.com` is not a request id"}},
		{"lifetime in seconds", "alice@contoso.com 30s", []string{"`30s` is in seconds"}},
		{"lifetime too short", "alice@contoso.com 5m", []string{"`5m` is too short", "10 minutes", "30 days"}},
		{"lifetime too long", "alice@contoso.com 31d", []string{"`31d` is too long", "10 minutes", "30 days"}},
		{"lifetime just over the maximum", "alice@contoso.com 30d1m", []string{"`30d1m` is too long"}},
		{"lifetime zero", "alice@contoso.com 0m", []string{"`0m` is zero"}},
		{"lifetime negative", "alice@contoso.com -2h", []string{"`-2h` is negative"}},
		{"lifetime with sign", "alice@contoso.com +2h", []string{"`+2h` has a sign", "`at +2h`"}},
		{"lifetime with fraction", "alice@contoso.com 1.5h", []string{"`1.5h` has a fraction"}},
		{"lifetime with decimal comma", "alice@contoso.com 1,5h", []string{"`1,5h` has a fraction"}},
		{"lifetime without unit", "alice@contoso.com 90 new phone", []string{"`90` needs a unit", "90m"}},
		{"lifetime in weeks", "alice@contoso.com 2w", []string{"`2w` uses the unit `w`"}},
		{"lifetime in words", "alice@contoso.com 90min", []string{"`90min` uses the unit `min`"}},
		{"lifetime smallest unit first", "alice@contoso.com 30m1h", []string{"`30m1h`", "largest first"}},
		{"lifetime unit repeated", "alice@contoso.com 1h1h", []string{"`1h1h`", "once each"}},
		{"lifetime absurdly long", "alice@contoso.com 99999999999999999999999d", []string{"is too long"}},
		{"lifetime given twice", "alice@contoso.com 2h 3h", []string{"given twice", "`2h`", "`3h`"}},
		{"lifetime given twice apart", "alice@contoso.com 2h once 3h", []string{"given twice"}},
		{"second lifetime malformed", "alice@contoso.com 2h once 5s", []string{"`5s` is in seconds"}},
		{"once and multi", "alice@contoso.com once multi", []string{"`multi` contradicts `once`"}},
		{"multi and one-time", "alice@contoso.com multi 2h one-time", []string{"`one-time` contradicts `multi`"}},
		{"at without time", "alice@contoso.com 2h at", []string{"`at` needs a start time"}},
		{"start earlier today", "alice@contoso.com at 2025-03-01 13:00", []string{"`2025-03-01 13:00`", "Sat 1 Mar 2025 13:00 CET", "is in the past", "now Sat 1 Mar 2025 14:05 CET", "a later date"}},
		{"start this very minute", "alice@contoso.com at 2025-03-01T14:05", []string{"`2025-03-01T14:05`", "is in the past"}},
		{"start yesterday", "alice@contoso.com at 2025-02-28 15:00", []string{"`2025-02-28 15:00`", "is in the past"}},
		{"start at an impossible hour", "alice@contoso.com at 25:00", []string{"`25:00` is not a time of day"}},
		{"start at midnight written as 24:00", "alice@contoso.com at 24:00", []string{"`24:00` is not a time of day"}},
		{"start at an impossible minute", "alice@contoso.com at 14:60", []string{"`14:60` is not a time of day"}},
		{"start as a word", "alice@contoso.com at tomorrow", []string{"`tomorrow` is not a start time"}},
		{"start as a reason", "alice@contoso.com at the desk", []string{"`the` is not a start time"}},
		{"start date without time", "alice@contoso.com at 2025-03-02", []string{"`2025-03-02` needs a time too"}},
		{"start date followed by a word", "alice@contoso.com at 2025-03-02 new phone", []string{"`2025-03-02` needs a time too"}},
		{"start on an impossible date", "alice@contoso.com at 2025-02-30 10:00", []string{"`2025-02-30` is not a date"}},
		{"start on an impossible date-time", "alice@contoso.com at 2025-13-01T10:00", []string{"`2025-13-01T10:00` is not a start time"}},
		{"start more than 30 days ahead", "alice@contoso.com at 2025-04-15 10:00", []string{"`2025-04-15 10:00`", "more than 30 days ahead"}},
		{"relative start more than 30 days ahead", "alice@contoso.com at +30d1m", []string{"`+30d1m`", "more than 30 days ahead"}},
		{"relative start absurdly far", "alice@contoso.com at +99999999999999999999d", []string{"more than 30 days ahead"}},
		{"relative start of zero", "alice@contoso.com at +0m", []string{"`+0m`", "is in the past"}},
		{"relative start in seconds", "alice@contoso.com at +30s", []string{"`+30s` is in seconds"}},
		{"start in the past in RFC 3339", "alice@contoso.com at 2025-03-01T10:00:00Z", []string{"is in the past"}},
		{"start given twice", "alice@contoso.com at 15:00 at 16:00", []string{"given twice", "`at 15:00`", "`at 16:00`"}},
		{"time without at", "alice@contoso.com 15:00 new phone", []string{"`at 15:00`"}},
		{"date without at", "alice@contoso.com 2025-03-02 10:00", []string{"`at 2025-03-02`"}},
		{"two @ signs", "a@b@contoso.com", []string{"more than one @"}},
		{"nothing before @", "@contoso.com", []string{"nothing before the @"}},
		{"nothing after @", "alice@", []string{"no domain after the @"}},
		{"plus sign in user", "alice+tap@contoso.com", []string{"contains `+`", "does not allow"}},
		{"accented letter in user", "josé@contoso.com", []string{"contains `é`"}},
		{"leading dot in user", ".alice@contoso.com", []string{"may not start or end with a dot"}},
		{"trailing dot before @", "alice.@contoso.com", []string{"may not start or end with a dot"}},
		{"two dots in user", "al..ice@contoso.com", []string{"two dots in a row"}},
		{"user part too long", strings.Repeat("a", 65) + "@contoso.com", []string{"longer than the 64 characters"}},
		{"domain too long", "a@" + strings.Repeat("b", 45) + ".com", []string{"longer than the 48 characters"}},
		{"whole name too long", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 49) + ".com", []string{"longer than the 113 characters"}},
		{"domain starts with hyphen", "alice@-contoso.com", []string{"starts or ends with a hyphen"}},
		{"domain with empty label", "alice@contoso..com", []string{"empty part between dots"}},
		{"domain with underscore", "alice@contoso.c_m", []string{"only letters, digits, hyphens and dots"}},
		{"domain is an address", "alice@10.0.0.1", []string{"not a number"}},
		{"slack link text differs from address", "<mailto:alice@contoso.com|bob@contoso.com> 2h", []string{"shows `bob@contoso.com` but points to `alice@contoso.com`"}},
		{"teams anchor text differs from address", `<a href="mailto:alice@contoso.com">bob@contoso.com</a>`, []string{"shows `bob@contoso.com`"}},
		{"two users in one request", "alice@contoso.com 2h bob@contoso.com", []string{"one user", "`bob@contoso.com`"}},
		{"reason too long", "alice@contoso.com " + strings.Repeat("x", MaxReasonLen+1), []string{"301 characters", "300"}},
		{"deny reason too long", "deny TAP-7K3Q9D " + strings.Repeat("x", MaxReasonLen+1), []string{"301 characters"}},
		{"backticks in a bad word cannot break the quote", "x`y", []string{"`x'y`"}},
		{"a long bad word is shortened", strings.Repeat("z", 100), []string{"`" + strings.Repeat("z", quoteMaxRunes-1) + "…`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertRefused(t, tt.text, tt.want) })
	}
}

// assertRefused checks that Parse refuses text with a one-line EINVALID
// message holding every part of want.
func assertRefused(t *testing.T, text string, want []string) {
	t.Helper()
	got, err := Parse(text, testNow, cet)
	if err == nil {
		t.Fatalf("Parse(%q) = %+v, want an error", text, got)
	}
	var e *approvals.Error
	if !errors.As(err, &e) || e.Code != approvals.EINVALID {
		t.Fatalf("Parse(%q) error = %#v, want an EINVALID *approvals.Error", text, err)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q does not contain %q", e.Message, w)
		}
	}
	if strings.Contains(e.Message, "\n") || !strings.HasSuffix(e.Message, ".") {
		t.Errorf("message %q is not one sentence", e.Message)
	}
}

func TestUsageShowsEveryVerb(t *testing.T) {
	for _, form := range []string{"/tap user@domain", "/tap status", "/tap revoke", "/tap list", "/tap cancel", "/tap deny", "/tap help", "once", "multi", " at "} {
		if !strings.Contains(Usage, form) {
			t.Errorf("Usage does not mention %q", form)
		}
	}
	if strings.Contains(ShortUsage, "\n") || !strings.Contains(ShortUsage, "/tap help") {
		t.Errorf("ShortUsage %q is not one line pointing at /tap help", ShortUsage)
	}
}

func TestUsageNeedsNoEscapingOnEitherPlatform(t *testing.T) {
	for name, text := range map[string]string{"Usage": Usage, "ShortUsage": ShortUsage} {
		// The only | is inside [once|multi], which neither platform reads.
		if strings.Count(text, "|") != strings.Count(text, "[once|multi]") {
			t.Errorf("%s has a | outside [once|multi]", name)
		}
		if strings.ContainsAny(text, "<>&*_~`\\#") || strings.Contains(text, "](") {
			t.Errorf("%s contains a character Slack mrkdwn or Teams markdown would read", name)
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t") {
				t.Errorf("%s line %q is indented and would become a code block in Teams", name, line)
			}
		}
	}
}
