package demo

import "testing"

// The whole demo runs through the binary in cmd/tapbot
// (TestDemoPlaysTheWholeFlowAndEndsWithTheVerifiedAuditLog); this test
// holds the transcript's rendering of Slack's mrkdwn to what a reader of
// a terminal needs.
func TestTranscriptShowsMrkdwnAsPlainText(t *testing.T) {
	text := slackText{users: map[string]string{"U0RITA001": "Rita"}, channels: map[string]string{"C0HELPDESK": "helpdesk"}}
	for _, tc := range []struct{ in, want string }{
		{"*<@U0RITA001>* asks in <#C0HELPDESK>", "@Rita asks in #helpdesk"},
		{"<@U0NOBODY1|someone> and <#C0OTHER01|other>", "@U0NOBODY1 and #C0OTHER01"},
		{":key: _for Alice_ &lt;b&gt; &amp; co", "🔑 for Alice <b> & co"},
		{"see <https://example.com/a|the runbook>", "see the runbook (https://example.com/a)"},
		{"pass:\n```*Ab&amp;1_x_*```", "pass:\n    *Ab&1_x_*"},
		{":unknown_code:", ":unknown_code:"},
	} {
		if got := text.mrkdwn(tc.in); got != tc.want {
			t.Errorf("mrkdwn(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
