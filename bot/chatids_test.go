package bot

import "testing"

func TestChatIDsOfApprovalChannelsAreRecognised(t *testing.T) {
	for _, tc := range []struct {
		id           string
		slack, teams bool
	}{
		{"C0APPROVALS", true, false},
		{"G0PRIVATE1", true, false},
		{"U0ALICE", false, false},
		{"c0lower", false, false},
		{"19:abc@thread.tacv2", false, true},
		{"19:abc def@thread.tacv2", false, false},
		{"29:personal", false, false},
	} {
		if got := IsSlackChannelID(tc.id); got != tc.slack {
			t.Errorf("IsSlackChannelID(%q) = %v", tc.id, got)
		}
		if got := IsTeamsConversationID(tc.id); got != tc.teams {
			t.Errorf("IsTeamsConversationID(%q) = %v", tc.id, got)
		}
	}
}
