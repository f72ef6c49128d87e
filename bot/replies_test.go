package bot

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// slackLike and teamsLike are the two front-ends' styles, with times
// written as their clock time so that a reply shows which time it used.
var (
	slackLike = Style{
		Person: func(p approvals.Principal) string { return "<@" + p.ID + ">" },
		When:   func(t time.Time) string { return t.Format("15:04") },
		Escape: EscapeMrkdwn,
		Bold:   func(s string) string { return "*" + s + "*" },
		Bullet: "• ",
		Break:  "\n",
		Emoji:  Icon.Shortcode,
	}
	teamsLike = Style{
		Person:  func(p approvals.Principal) string { return EscapeMarkdown(p.Name) },
		When:    func(t time.Time) string { return t.Format("15:04") },
		Escape:  EscapeMarkdown,
		Bold:    func(s string) string { return "**" + s + "**" },
		Bullet:  "- ",
		Break:   "\n\n",
		Command: func(s string) string { return strings.ReplaceAll(s, "/tap", "tap") },
	}
)

var (
	tenAM          = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	requesterRita  = approvals.Principal{Platform: "slack", ID: "U1", Name: "Rita <R>"}
	targetCarol    = approvals.Target{UPN: "carol@contoso.com", DisplayName: "Carol <b>Chen</b>", AccountEnabled: true}
	errBadLifetime = approvals.Errorf(approvals.EINVALID, "The lifetime (12h) is outside 1h to 8h.")
	errNoSuchUser  = approvals.Errorf(approvals.ENOTFOUND, "No user zed@contoso.com in the tenant.")
)

// reply is one reply as each front-end must show it, byte for byte.
type reply struct {
	name         string
	write        func(Style) string
	slack, teams string
}

func checkReplies(t *testing.T, tests []reply) {
	t.Helper()
	for _, tt := range tests {
		if got := tt.write(slackLike); got != tt.slack {
			t.Errorf("%s on Slack:\n got %q\nwant %q", tt.name, got, tt.slack)
		}
		if got := tt.write(teamsLike); got != tt.teams {
			t.Errorf("%s in Teams:\n got %q\nwant %q", tt.name, got, tt.teams)
		}
	}
}

func TestStatusReplyListsEachPassInThePlatformsMarkup(t *testing.T) {
	disabled := targetCarol
	disabled.AccountEnabled = false
	passes := []approvals.PassInfo{
		{LifetimeMinutes: 90, UsableOnce: true, Usable: true, Start: tenAM},
		{LifetimeMinutes: 60, Usable: false, Reason: "Expired_<x>", Start: tenAM},
	}
	enabled := targetCarol
	enabled.AccountEnabled = true
	checkReplies(t, []reply{
		{"no pass", func(st Style) string { return Status(approvals.UserStatus{Target: enabled}, st) },
			"*Carol &lt;b&gt;Chen&lt;/b&gt;* (carol@contoso.com), account enabled.\nNo Temporary Access Pass.",
			"**Carol \\<b\\>Chen\\</b\\>** (carol@contoso.com), account enabled.\n\nNo Temporary Access Pass."},
		{"two passes", func(st Style) string { return Status(approvals.UserStatus{Target: disabled, Passes: passes}, st) },
			"*Carol &lt;b&gt;Chen&lt;/b&gt;* (carol@contoso.com), account ⚠️ disabled.\n" +
				"• Temporary Access Pass :white_check_mark: usable: one-time, starts 10:00, ends 11:30 (1h30m).\n" +
				"• Temporary Access Pass :no_entry_sign: not usable (Expired_&lt;x&gt;): multi-use, starts 10:00, ends 11:00 (1h).",
			"**Carol \\<b\\>Chen\\</b\\>** (carol@contoso.com), account ⚠️ disabled.\n\n" +
				"- Temporary Access Pass ✅ usable: one-time, starts 10:00, ends 11:30 (1h30m).\n\n" +
				"- Temporary Access Pass 🚫 not usable (Expired\\_\\<x\\>): multi-use, starts 10:00, ends 11:00 (1h)."},
	})
}

func TestRevokeAndListRepliesSayWhatHappened(t *testing.T) {
	open := []*approvals.Request{
		{ID: "TAP-AAAAAA", State: approvals.StatePending, Requester: requesterRita, Target: targetCarol, LifetimeMinutes: 120, ExpiresAt: tenAM,
			ApprovalsRequired: 2, Approvals: []approvals.Approval{{}}},
		{ID: "TAP-BBBBBB", State: approvals.StateApproved, Requester: requesterRita, Target: approvals.Target{UPN: "a_b@contoso.com"}, LifetimeMinutes: 60, ExpiresAt: tenAM},
	}
	checkReplies(t, []reply{
		{"revoke without a pass", func(st Style) string { return Revoked(approvals.UserStatus{Target: targetCarol}, st) },
			"carol@contoso.com had no Temporary Access Pass; nothing to revoke.",
			"carol@contoso.com had no Temporary Access Pass; nothing to revoke."},
		{"revoke", func(st Style) string {
			return Revoked(approvals.UserStatus{Target: targetCarol, Passes: []approvals.PassInfo{{}}}, st)
		},
			":wastebasket: Revoked the Temporary Access Pass of carol@contoso.com. Deleting a valid pass also signs them out of their sessions.",
			"🗑️ Revoked the Temporary Access Pass of carol@contoso.com. Deleting a valid pass also signs them out of their sessions."},
		{"empty list", func(st Style) string { return OpenList(nil, st) }, "No open requests.", "No open requests."},
		{"list", func(st Style) string { return OpenList(open, st) },
			"2 open request(s):\n" +
				"• *TAP-AAAAAA* pending (1 of 2 approvals) for carol@contoso.com by <@U1>, 2h, expires 10:00\n" +
				"• *TAP-BBBBBB* approved for a_b@contoso.com by <@U1>, 1h, expires 10:00",
			"2 open request(s):\n\n" +
				"- **TAP-AAAAAA** pending (1 of 2 approvals) for carol@contoso.com by Rita \\<R\\>, 2h, expires 10:00\n\n" +
				"- **TAP-BBBBBB** approved for a\\_b@contoso.com by Rita \\<R\\>, 1h, expires 10:00"},
	})
}

func TestRaiseRepliesAddTheUsageOnlyWhenTheInputWasWrong(t *testing.T) {
	r := &approvals.Request{ID: "TAP-AAAAAA", Target: targetCarol, ExpiresAt: tenAM}
	checkReplies(t, []reply{
		{"unparsed", func(st Style) string { return Unparsed(approvals.Errorf(approvals.EINVALID, "I don't know `x`."), st) },
			":warning: I don't know `x`.\nUsage: /tap user@domain [lifetime] [once|multi] [at start] [reason…], or /tap help for everything.",
			"⚠️ I don't know \\`x\\`.\n\nUsage: tap user@domain \\[lifetime\\] \\[once\\|multi\\] \\[at start\\] \\[reason…\\], or tap help for everything."},
		{"received", func(st Style) string { return Received("TAP-AAAAAA", "a<b>@contoso.com", st) },
			":hourglass_flowing_sand: Request *TAP-AAAAAA* for a&lt;b&gt;@contoso.com received. Checking the account and the tenant's pass policy…",
			"⏳ Request **TAP-AAAAAA** for a\\<b\\>@contoso.com received. Checking the account and the tenant's pass policy…"},
		{"not raised, bad input", func(st Style) string { return NotRaised("TAP-AAAAAA", errBadLifetime, st) },
			":no_entry: Request *TAP-AAAAAA* was not raised: The lifetime (12h) is outside 1h to 8h.\n" +
				"Usage: /tap user@domain [lifetime] [once|multi] [at start] [reason…], or /tap help for everything.",
			"⛔ Request **TAP-AAAAAA** was not raised: The lifetime \\(12h\\) is outside 1h to 8h.\n\n" +
				"Usage: tap user@domain \\[lifetime\\] \\[once\\|multi\\] \\[at start\\] \\[reason…\\], or tap help for everything."},
		{"not raised, no such user", func(st Style) string { return NotRaised("TAP-AAAAAA", errNoSuchUser, st) },
			":no_entry: Request *TAP-AAAAAA* was not raised: No user zed@contoso.com in the tenant.",
			"⛔ Request **TAP-AAAAAA** was not raised: No user zed@contoso.com in the tenant."},
		{"waiting", func(st Style) string { return Waiting(r, "<#C1>", st) },
			":inbox_tray: Request *TAP-AAAAAA* for carol@contoso.com is waiting for approval in <#C1>. It expires 10:00 if nobody decides.",
			"📥 Request **TAP-AAAAAA** for carol@contoso.com is waiting for approval in <#C1>. It expires 10:00 if nobody decides."},
	})
}

func TestOutcomeRepliesRefuseWarnOrConfirm(t *testing.T) {
	checkReplies(t, []reply{
		{"refusal", func(st Style) string { return Outcome(errNoSuchUser, "Done.", st) },
			":no_entry: No user zed@contoso.com in the tenant.", "⛔ No user zed@contoso.com in the tenant."},
		{"confirmation", func(st Style) string { return Outcome(nil, "Request TAP-AAAAAA is cancelled.", st) },
			"Request TAP-AAAAAA is cancelled.", "Request TAP-AAAAAA is cancelled."},
		{"nothing to say", func(st Style) string { return Outcome(nil, "", st) }, "", ""},
		{"an error without a message", func(st Style) string { return Refusal(errors.New("disk <full>"), st) },
			":no_entry: Something went wrong inside tapbot; the operator can find the details in its log.",
			"⛔ Something went wrong inside tapbot; the operator can find the details in its log."},
		{"approved but failed", func(st Style) string { return ApprovedButFailed("TAP-AAAAAA", errBadLifetime, st) },
			":warning: You approved TAP-AAAAAA, but: The lifetime (12h) is outside 1h to 8h.",
			"⚠️ You approved TAP-AAAAAA, but: The lifetime \\(12h\\) is outside 1h to 8h."},
		{"sandbox", SandboxNotice,
			":test_tube: *SANDBOX: passes are fake, no real tenant is touched.*",
			"🧪 **SANDBOX: passes are fake, no real tenant is touched.**"},
	})
}

func TestZeroStyleWritesPlainText(t *testing.T) {
	st := Style{Escape: func(s string) string { return s }}
	if got, want := st.Paragraphs("a", st.List([]string{"b", "c"})), "a\nb\nc"; got != want {
		t.Errorf("plain paragraphs and list = %q, want %q", got, want)
	}
	if got, want := NotRaised("TAP-AAAAAA", errBadLifetime, st), "⛔ Request TAP-AAAAAA was not raised: The lifetime (12h) is outside 1h to 8h.\n"+ShortUsage; got != want {
		t.Errorf("plain not-raised = %q, want %q", got, want)
	}
	if got := Icon("rocket").Unicode(); got != ":rocket:" {
		t.Errorf("an icon without a character is drawn as %q", got)
	}
}

func TestQueuedSaysHowManyCommandsAreAhead(t *testing.T) {
	for _, ahead := range []int{0, 7} {
		got := Queued(ahead, slackLike)
		if want := fmt.Sprintf("tapbot is busy; your request is queued (%d ahead)", ahead); !strings.Contains(got, want) {
			t.Errorf("Queued(%d) = %q, want it to say %q", ahead, got, want)
		}
	}
}

func TestApprovedByNamesEveryApproverInThePlatformsWay(t *testing.T) {
	r := &approvals.Request{Approvals: []approvals.Approval{
		{By: approvals.Principal{ID: "UA1", Name: "Anna"}}, {By: approvals.Principal{ID: "UA2", Name: "Arno <x>"}},
	}}
	if got, want := ApprovedBy(r, slackLike), "Approved by <@UA1>, <@UA2>."; got != want {
		t.Errorf("Slack: %q, want %q", got, want)
	}
	if got := ApprovedBy(r, teamsLike); !strings.Contains(got, "Anna") || strings.Contains(got, "<x>") {
		t.Errorf("Teams: %q, want the names, escaped", got)
	}
	if got := ApprovedBy(&approvals.Request{}, slackLike); got != "" {
		t.Errorf("nobody approved yet: %q, want nothing", got)
	}
}
