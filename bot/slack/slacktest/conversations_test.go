package slacktest

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestOpenConversationGivesEachUserOneStableDM(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	open := func(user string) (*slack.Channel, bool) {
		t.Helper()
		ch, _, already, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
		if err != nil {
			t.Fatalf("open DM with %s: %v", user, err)
		}
		return ch, already
	}

	first, already1 := open("U1")
	again, already2 := open("U1")
	other, _ := open("U3")
	if !strings.HasPrefix(first.ID, "D") || first.ID != again.ID || already1 || !already2 {
		t.Fatalf("U1 DM: first %q (already_open %v), again %q (already_open %v)", first.ID, already1, again.ID, already2)
	}
	if other.ID == first.ID {
		t.Fatalf("U1 and U3 share DM %q", first.ID)
	}
	// The DM is a conversation the user is in: ephemeral delivery works there,
	// which is how tapbot hands out a pass.
	if _, err := api.PostEphemeralContext(ctx, first.ID, "U1", slack.MsgOptionText("pass", false)); err != nil {
		t.Fatalf("ephemeral in DM: %v", err)
	}
	if _, err := api.PostEphemeralContext(ctx, first.ID, "U2", slack.MsgOptionText("pass", false)); slackError(err) != "user_not_in_channel" {
		t.Fatalf("ephemeral to someone else in U1's DM: %v, want user_not_in_channel", err)
	}
	if dm, _ := srv.IMChannel("U1"); dm != first.ID {
		t.Fatalf("IMChannel(U1) = %q, want %q", dm, first.ID)
	}
}

func TestOpenConversationRefusals(t *testing.T) {
	tests := []struct {
		name  string
		users []string
		want  string
	}{
		{"unknown user", []string{"U404"}, "user_not_found"},
		{"deactivated user", []string{"U9"}, "user_disabled"},
		{"no user", nil, "users_list_not_supplied"},
		{"group DM", []string{"U1", "U2"}, "not_supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, api := newWorkspace(t)
			_, _, _, err := api.OpenConversationContext(testContext(t), &slack.OpenConversationParameters{Users: tt.users})
			if got := slackError(err); got != tt.want {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestConversationInfoDescribesChannelsAndDMs(t *testing.T) {
	_, api := newWorkspace(t)
	ctx := testContext(t)
	dm, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U2"}})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		id      string
		check   func(*slack.Channel) bool
		wantErr string
	}{
		{"C1", func(c *slack.Channel) bool { return c.Name == "tap-approvals" && c.IsMember && c.IsChannel }, ""},
		{"C2", func(c *slack.Channel) bool { return c.Name == "random" && !c.IsMember }, ""},
		{dm.ID, func(c *slack.Channel) bool { return c.IsIM && c.User == "U2" }, ""},
		{"C404", nil, "channel_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			ch, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: tt.id})
			if got := slackError(err); got != tt.wantErr {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if tt.check != nil && (err != nil || !tt.check(ch)) {
				t.Fatalf("channel = %+v", ch)
			}
		})
	}
}
