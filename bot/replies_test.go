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
		Approver: func(key string) string {
			if id, ok := strings.CutPrefix(key, "slack:"); ok {
				return "<@" + id + ">"
			}
			if id, ok := strings.CutPrefix(key, "slack-group:"); ok {
				return "<!subteam^" + id + ">"
			}
			return ""
		},
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
		{"no pass", func(st Style) string { return Status(approvals.UserStatus{Target: enabled}, nil, st) },
			"*Carol &lt;b&gt;Chen&lt;/b&gt;* (carol@contoso.com), account enabled.\nNo Temporary Access Pass.\nNo open requests for them.",
			"**Carol \\<b\\>Chen\\</b\\>** (carol@contoso.com), account enabled.\n\nNo Temporary Access Pass.\n\nNo open requests for them."},
		{"two passes", func(st Style) string { return Status(approvals.UserStatus{Target: disabled, Passes: passes}, nil, st) },
			"*Carol &lt;b&gt;Chen&lt;/b&gt;* (carol@contoso.com), account ⚠️ disabled.\n" +
				"• Temporary Access Pass :white_check_mark: usable: one-time, starts 10:00, ends 11:30 (1h30m).\n" +
				"• Temporary Access Pass :no_entry_sign: not usable (Expired_&lt;x&gt;): multi-use, starts 10:00, ends 11:00 (1h).\n" +
				"No open requests for them.",
			"**Carol \\<b\\>Chen\\</b\\>** (carol@contoso.com), account ⚠️ disabled.\n\n" +
				"- Temporary Access Pass ✅ usable: one-time, starts 10:00, ends 11:30 (1h30m).\n\n" +
				"- Temporary Access Pass 🚫 not usable (Expired\\_\\<x\\>): multi-use, starts 10:00, ends 11:00 (1h).\n\n" +
				"No open requests for them."},
	})
}

func TestStatusSaysWhoAskedForAndApprovedTapbotsPassAndWhatIsOpen(t *testing.T) {
	anna := approvals.Principal{Platform: "slack", ID: "UAPP1", Name: "Anna"}
	issued := &approvals.Request{ID: "TAP-AAAAAA", State: approvals.StateDelivered, Requester: requesterRita, Target: targetCarol,
		MethodID: "m-1", Approvals: []approvals.Approval{{By: anna, At: tenAM}}}
	open := &approvals.Request{ID: "TAP-BBBBBB", State: approvals.StatePending, Requester: requesterRita, Target: targetCarol,
		LifetimeMinutes: 120, UsableOnce: true, ExpiresAt: tenAM.Add(time.Hour), ApprovalsRequired: 1}
	s := approvals.UserStatus{
		Target:   targetCarol,
		Passes:   []approvals.PassInfo{{MethodID: "m-1", Created: tenAM, Start: tenAM, LifetimeMinutes: 60, Usable: true}, {MethodID: "m-2", Start: tenAM, LifetimeMinutes: 60}},
		IssuedBy: map[string]*approvals.Request{"m-1": issued},
		Open:     []*approvals.Request{open},
	}
	waiting := func(*approvals.Request) []string { return []string{"slack:UAPP1", "slack:UAPP2"} }
	checkReplies(t, []reply{{"status", func(st Style) string { return Status(s, waiting, st) },
		"*Carol &lt;b&gt;Chen&lt;/b&gt;* (carol@contoso.com), account enabled.\n" +
			"• Temporary Access Pass :white_check_mark: usable: multi-use, starts 10:00, ends 11:00 (1h). Issued by tapbot 10:00 for request *TAP-AAAAAA*: asked for by <@U1>, approved by <@UAPP1>.\n" +
			"• Temporary Access Pass :no_entry_sign: not usable (): multi-use, starts 10:00, ends 11:00 (1h). Not issued by tapbot (made in the Entra admin center or by another tool).\n" +
			"1 open request(s) for them:\n" +
			"• *TAP-BBBBBB* for carol@contoso.com, asked by <@U1>: pending, waiting for 1 more approval from <@UAPP1> or <@UAPP2>. 2h, one-time, expires 11:00.",
		"**Carol \\<b\\>Chen\\</b\\>** (carol@contoso.com), account enabled.\n\n" +
			"- Temporary Access Pass ✅ usable: multi-use, starts 10:00, ends 11:00 (1h). Issued by tapbot 10:00 for request **TAP-AAAAAA**: asked for by Rita \\<R\\>, approved by Anna.\n\n" +
			"- Temporary Access Pass 🚫 not usable (): multi-use, starts 10:00, ends 11:00 (1h). Not issued by tapbot (made in the Entra admin center or by another tool).\n\n" +
			"1 open request(s) for them:\n\n" +
			"- **TAP-BBBBBB** for carol@contoso.com, asked by Rita \\<R\\>: pending, waiting for 1 more approval from one of 2 configured approvers. 2h, one-time, expires 11:00."},
	})
}

func TestRevokeAndListRepliesSayWhatHappened(t *testing.T) {
	anna := approvals.Principal{Platform: "slack", ID: "UAPP1", Name: "Anna"}
	open := []*approvals.Request{
		{ID: "TAP-AAAAAA", State: approvals.StatePending, Requester: requesterRita, Target: targetCarol, LifetimeMinutes: 120, ExpiresAt: tenAM,
			ApprovalsRequired: 2, Approvals: []approvals.Approval{{By: anna}}},
		{ID: "TAP-BBBBBB", State: approvals.StateApproved, Requester: requesterRita, Target: approvals.Target{UPN: "a_b@contoso.com"}, LifetimeMinutes: 60, UsableOnce: true, ExpiresAt: tenAM,
			Approvals: []approvals.Approval{{By: anna}}},
	}
	waiting := func(r *approvals.Request) []string {
		if r.State != approvals.StatePending {
			return nil
		}
		return []string{"slack:UAPP2", "slack-group:S0HELP", "teams:0000-aaaa", "entra-group:1111"}
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
		{"empty list", func(st Style) string { return OpenList(nil, waiting, st) }, "No open requests.", "No open requests."},
		{"list", func(st Style) string { return OpenList(open, waiting, st) },
			"2 open request(s):\n" +
				"• *TAP-AAAAAA* for carol@contoso.com, asked by <@U1>: pending, waiting for 1 more approval from <@UAPP2>, <!subteam^S0HELP>, 1 other approver or a member of 1 approver group (approved so far by <@UAPP1>). 2h, multi-use, expires 10:00.\n" +
				"• *TAP-BBBBBB* for a_b@contoso.com, asked by <@U1>: approved by <@UAPP1>, being issued. 1h, one-time.",
			"2 open request(s):\n\n" +
				"- **TAP-AAAAAA** for carol@contoso.com, asked by Rita \\<R\\>: pending, waiting for 1 more approval from 2 configured approvers or a member of 2 approver groups (approved so far by Anna). 2h, multi-use, expires 10:00.\n\n" +
				"- **TAP-BBBBBB** for a\\_b@contoso.com, asked by Rita \\<R\\>: approved by Anna, being issued. 1h, one-time."},
	})
}

func TestRaiseRepliesAddTheUsageOnlyWhenTheInputWasWrong(t *testing.T) {
	r := &approvals.Request{ID: "TAP-AAAAAA", Target: targetCarol, ExpiresAt: tenAM}
	_, grammarErr := Parse("carol@contoso.com 5m", tenAM, time.UTC) // too short for any tenant
	scheduled := *r
	scheduled.StartAt = tenAM.Add(22 * time.Hour)
	checkReplies(t, []reply{
		{"unparsed", func(st Style) string { return Unparsed(approvals.Errorf(approvals.EINVALID, "I don't know `x`."), st) },
			":warning: I don't know `x`.\nUsage: /tap user@domain [lifetime] [once|multi] [at start] [reason…], or /tap help for everything.",
			"⚠️ I don't know \\`x\\`.\n\nUsage: tap user@domain \\[lifetime\\] \\[once\\|multi\\] \\[at start\\] \\[reason…\\], or tap help for everything."},
		{"checking", func(st Style) string { return Checking("a<b>@contoso.com", st) },
			":hourglass_flowing_sand: Checking the account of a&lt;b&gt;@contoso.com and the tenant's pass policy before your request is raised…",
			"⏳ Checking the account of a\\<b\\>@contoso.com and the tenant's pass policy before your request is raised…"},
		{"not raised, bad input", func(st Style) string { return NotRaised("carol@contoso.com", grammarErr, st) },
			":no_entry: Your request for carol@contoso.com was not raised: The lifetime `5m` is too short: a pass lives from 10 minutes (10m) to 30 days (30d).\n" +
				"Usage: /tap user@domain [lifetime] [once|multi] [at start] [reason…], or /tap help for everything.",
			"⛔ Your request for carol@contoso.com was not raised: The lifetime \\`5m\\` is too short: a pass lives from 10 minutes \\(10m\\) to 30 days \\(30d\\).\n\n" +
				"Usage: tap user@domain \\[lifetime\\] \\[once\\|multi\\] \\[at start\\] \\[reason…\\], or tap help for everything."},
		{"not raised, refused by the tenant's policy", func(st Style) string { return NotRaised("carol@contoso.com", errBadLifetime, st) },
			":no_entry: Your request for carol@contoso.com was not raised: The lifetime (12h) is outside 1h to 8h.",
			"⛔ Your request for carol@contoso.com was not raised: The lifetime \\(12h\\) is outside 1h to 8h."},
		{"not raised, no such user", func(st Style) string { return NotRaised("zed@contoso.com", errNoSuchUser, st) },
			":no_entry: Your request for zed@contoso.com was not raised: No user zed@contoso.com in the tenant.",
			"⛔ Your request for zed@contoso.com was not raised: No user zed@contoso.com in the tenant."},
		{"waiting", func(st Style) string { return Waiting(r, "<#C1>", st) },
			":inbox_tray: Request *TAP-AAAAAA* for carol@contoso.com is waiting for approval in <#C1>. It expires 10:00 if nobody decides.",
			"📥 Request **TAP-AAAAAA** for carol@contoso.com is waiting for approval in <#C1>. It expires 10:00 if nobody decides."},
		{"waiting to start later", func(st Style) string { return Waiting(&scheduled, "<#C1>", st) },
			":inbox_tray: Request *TAP-AAAAAA* for carol@contoso.com is waiting for approval in <#C1>. It expires 10:00 if nobody decides. Once approved, the pass is valid from 08:00.",
			"📥 Request **TAP-AAAAAA** for carol@contoso.com is waiting for approval in <#C1>. It expires 10:00 if nobody decides. Once approved, the pass is valid from 08:00."},
	})
}

func TestOnlyGrammarErrorsAreUsageErrors(t *testing.T) {
	for _, text := range []string{"carol@contoso.com 5m", "x", "carol@contoso.com at 25:00", "status", "carol@@contoso.com"} {
		if _, err := Parse(text, tenAM, time.UTC); !errors.Is(err, ErrUsage) || approvals.ErrorCode(err) != approvals.EINVALID {
			t.Errorf("Parse(%q) error %v is not an EINVALID usage error", text, err)
		}
	}
	if errors.Is(errBadLifetime, ErrUsage) {
		t.Error("a policy's EINVALID counts as a usage error")
	}
}

func TestRevokedNoticeSaysHowToGetANewPassOnlyWhereItCan(t *testing.T) {
	anna := approvals.Principal{Platform: "slack", ID: "UAPP1", Name: "Anna"}
	undelivered := &approvals.Request{ID: "TAP-AAAAAA", State: approvals.StateRevoked, FailureReason: "the message could not be delivered"}
	byApprover := &approvals.Request{ID: "TAP-BBBBBB", State: approvals.StateRevoked, RevokedBy: &anna}
	if got := ReissueAfterFix(undelivered, "Re-issue the pass", slackLike); got != "Once that is fixed, press *Re-issue the pass* below for a new pass: it needs no new approval for a while after the approval." {
		t.Errorf("with a button: %q", got)
	}
	if got := ReissueAfterFix(undelivered, "", teamsLike); got != "Once that is fixed, raise a new request for a new pass." {
		t.Errorf("without a button: %q", got)
	}
	for _, r := range []*approvals.Request{byApprover, {ID: "TAP-CCCCCC", State: approvals.StateDelivered}} {
		if got := ReissueAfterFix(r, "Re-issue the pass", slackLike); got != "" {
			t.Errorf("%s (%s): %q, want nothing: it cannot be re-issued", r.ID, r.State, got)
		}
	}
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
	if got, want := NotRaised("carol@contoso.com", errBadLifetime, st), "⛔ Your request for carol@contoso.com was not raised: The lifetime (12h) is outside 1h to 8h."; got != want {
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
