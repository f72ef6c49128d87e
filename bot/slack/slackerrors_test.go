package slack

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
)

func TestSlackErrorsSayWhatToFixNotOnlyTheCode(t *testing.T) {
	tests := []struct {
		err  error
		want []string
	}{
		{slack.SlackErrorResponse{Err: "not_in_channel"}, []string{"not a member of that conversation", "/invite @tapbot", "[Slack error not_in_channel]"}},
		{slack.SlackErrorResponse{Err: "channel_not_found"}, []string{"does not exist or tapbot cannot see it", "SLACK_APPROVAL_CHANNEL", "im:write"}},
		{slack.SlackErrorResponse{Err: "cannot_dm_bot"}, []string{"bot or app account", "a person's account"}},
		{slack.SlackErrorResponse{Err: "user_not_found"}, []string{"no such user in this workspace"}},
		{slack.SlackErrorResponse{Err: "account_inactive"}, []string{"deactivated", "reinstall the Slack app", "SLACK_BOT_TOKEN"}},
		{slack.SlackErrorResponse{Err: "missing_scope", Needed: "im:write"}, []string{"lacks the scope im:write", "OAuth & Permissions"}},
		{&slack.RateLimitedError{RetryAfter: time.Second}, []string{"try again in a minute", "429"}},
		{slack.SlackErrorResponse{Err: "some_new_error"}, []string{"Slack error some_new_error"}},
		{errors.New("dial tcp: connection refused"), []string{"connection refused"}},
	}
	for _, tt := range tests {
		got := slackAdvice(tt.err)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("slackAdvice(%v) = %q, lacks %q", tt.err, got, w)
			}
		}
	}
	e := slackError("deliver the pass", slack.SlackErrorResponse{Err: "cannot_dm_bot"})
	if approvals.ErrorCode(e) != approvals.EUNAVAILABLE || !strings.HasPrefix(approvals.ErrorMessage(e), "Slack refused to deliver the pass: the requester is a bot") {
		t.Errorf("slackError = %v", e)
	}
}
