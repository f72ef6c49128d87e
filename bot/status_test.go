package bot

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tapbot/tapbot/approvals"
)

func TestStatusLineSaysWhoMovedTheRequestAndEscapesTheirWords(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	st := Style{
		Person: func(p approvals.Principal) string { return "@" + p.Name },
		When:   func(time.Time) string { return "at 10:00" },
		Escape: EscapeMrkdwn,
	}
	anna := approvals.Principal{Platform: "slack", ID: "U1", Name: "anna"}
	rita := approvals.Principal{Platform: "slack", ID: "U2", Name: "rita"}
	tests := []struct {
		state approvals.State
		edit  func(r *approvals.Request)
		want  string
	}{
		{approvals.StatePending, nil, "Waiting for approval; expires at 10:00."},
		{approvals.StatePending, func(r *approvals.Request) { r.Approvals = []approvals.Approval{{By: anna, At: at}} }, "Approved so far by @anna at 10:00."},
		{approvals.StateDelivered, func(r *approvals.Request) { r.Approvals = []approvals.Approval{{By: anna, At: at}}; r.Reissues = 1 },
			"Issued and delivered privately to @rita at 10:00; valid until at 10:00. Re-issued 1 time(s)"},
		{approvals.StateDenied, func(r *approvals.Request) { r.DecidedBy, r.DecisionReason = &anna, "<!channel> no" }, "Denied by @anna at 10:00. Reason: &lt;!channel&gt; no"},
		{approvals.StateFailed, func(r *approvals.Request) { r.FailureReason = "Graph <said> no" }, "Failed: Graph &lt;said&gt; no"},
		{approvals.StateExpired, nil, "Expired at 10:00 without a decision."},
	}
	for _, tt := range tests {
		r := &approvals.Request{ID: "TAP-AAAAAA", State: tt.state, Requester: rita, ExpiresAt: at}
		if tt.edit != nil {
			tt.edit(r)
		}
		if got := StatusLine(r, st); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q lacks %q", tt.state, got, tt.want)
		}
	}
}

func TestCardTermsMarkTheValuesTheTechnicianDidNotChoose(t *testing.T) {
	st := Style{When: func(time.Time) string { return "then" }, Escape: EscapeMrkdwn}
	if got := CardTerms(&approvals.Request{LifetimeMinutes: 120, UsableOnce: true}, st); got != "2h · one-time · starts now" {
		t.Errorf("chosen terms shown as %q", got)
	}
	defaulted := &approvals.Request{LifetimeMinutes: 60, LifetimeDefaulted: true, OnceDefaulted: true, StartAt: time.Unix(1, 0)}
	if got := CardTerms(defaulted, st); got != "1h (tenant default) · multi-use (tenant default) · starts then" {
		t.Errorf("defaulted terms shown as %q", got)
	}
}

func TestCardFactsShowOnlyWhatVaries(t *testing.T) {
	st := Style{When: func(time.Time) string { return "then" }, Escape: EscapeMrkdwn}
	labels := func(r *approvals.Request) string {
		var out []string
		for _, f := range CardFacts(r, st) {
			out = append(out, f.Label+": "+f.Value)
		}
		return strings.Join(out, "; ")
	}
	usual := &approvals.Request{Target: approvals.Target{AccountEnabled: true, UserType: "Member"}, ApprovalsRequired: 1}
	if got := labels(usual); got != "Approvals: 0 of 1" {
		t.Errorf("facts of a usual request = %q", got)
	}
	odd := &approvals.Request{Target: approvals.Target{UserType: "Guest", HasTAP: true}, ApprovalsRequired: 2, Exception: "break-glass"}
	if got, want := labels(odd), "⚠️ Account: disabled; ⚠️ Account: guest; Existing pass: yes, it will be replaced; Approvals: 0 of 2; ⚠️ Exception: break-glass"; got != want {
		t.Errorf("facts of an unusual request = %q, want %q", got, want)
	}
}

func TestStatusLineOfAHugeFailureReasonFitsOneSlackBlock(t *testing.T) {
	st := Style{Person: func(p approvals.Principal) string { return p.Name }, When: func(time.Time) string { return "now" }, Escape: EscapeMrkdwn}
	for _, state := range []approvals.State{approvals.StateFailed, approvals.StateRevoked} {
		r := &approvals.Request{ID: "TAP-AAAAAA", State: state, FailureReason: "Graph said: " + strings.Repeat("<&>", 3334)}
		line := StatusLine(r, st)
		if n := utf8.RuneCountInString(line); n > MaxBlockText {
			t.Errorf("%s: status line of %d characters, Slack takes %d", state, n, MaxBlockText)
		}
		if !strings.Contains(line, "Graph said: &lt;&amp;&gt;") || !strings.HasSuffix(line, "…") {
			t.Errorf("%s: %q…", state, line[:60])
		}
	}
}
