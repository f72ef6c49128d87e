package slacktest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// postCard posts tapbot's approval card to #tap-approvals and returns the
// recorded message.
func postCard(t *testing.T, srv *Server, api *slack.Client) Message {
	t.Helper()
	ctx := testContext(t)
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("approval needed", false), slack.MsgOptionBlocks(approvalCard("new phone")...)); err != nil {
		t.Fatal(err)
	}
	card, err := srv.WaitFor(ctx, IsKind(KindPostMessage))
	if err != nil {
		t.Fatal(err)
	}
	return card
}

// parseInteraction posts cb as a form and decodes it the way a bot does.
func parseInteraction(t *testing.T, cb slack.InteractionCallback) slack.InteractionCallback {
	t.Helper()
	form, err := BlockActionForm(cb)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/slack/interactions", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	got, err := slack.InteractionCallbackParse(req)
	if err != nil {
		t.Fatalf("slack-go cannot parse the interaction: %v", err)
	}
	return got
}

func TestClickBuildsTheBlockActionsPayloadSlackSends(t *testing.T) {
	srv, api := newWorkspace(t)
	card := postCard(t, srv, api)

	cb, err := srv.Click("U2", card, "approve")
	if err != nil {
		t.Fatal(err)
	}
	got := parseInteraction(t, cb)

	if got.Type != slack.InteractionTypeBlockActions || got.User.ID != "U2" || got.User.Name != "bob" ||
		got.Team.ID != TeamID || got.APIAppID != AppID || got.TriggerID == "" {
		t.Fatalf("envelope fields = %+v", got)
	}
	if len(got.ActionCallback.BlockActions) != 1 {
		t.Fatalf("actions = %+v", got.ActionCallback)
	}
	a := got.ActionCallback.BlockActions[0]
	if a.ActionID != "approve" || a.Value != "req-1" || a.BlockID != "decide" {
		t.Fatalf("action = %+v", a)
	}
	if got.Container.ChannelID != "C1" || got.Container.MessageTs != card.TS || got.Container.IsEphemeral ||
		got.Channel.ID != "C1" || got.Message.Timestamp != card.TS || len(got.Message.Blocks.BlockSet) != 2 {
		t.Fatalf("container %+v, channel %q, message ts %q with %d blocks", got.Container, got.Channel.ID, got.Message.Timestamp, len(got.Message.Blocks.BlockSet))
	}
	if !strings.HasPrefix(got.ResponseURL, srv.URL+"/response/") {
		t.Fatalf("response_url %q is not served by the fake", got.ResponseURL)
	}
	// The bot answers on the response URL; the fake records it against the card's channel.
	if _, _, _, err := api.SendMessage("", slack.MsgOptionReplaceOriginal(got.ResponseURL), slack.MsgOptionText("approved", false)); err != nil {
		t.Fatal(err)
	}
	reply, err := srv.WaitFor(testContext(t), IsKind(KindResponseURL))
	if err != nil || reply.Channel != "C1" || !reply.ReplaceOriginal {
		t.Fatalf("reply = %+v, %v", reply, err)
	}
}

func TestClickSeesTheMessageAsUpdated(t *testing.T) {
	srv, api := newWorkspace(t)
	card := postCard(t, srv, api)
	if _, _, _, err := api.UpdateMessage("C1", card.TS, slack.MsgOptionText("approved", false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "Approved by bob", false, false), nil, nil))); err != nil {
		t.Fatal(err)
	}

	if _, err := srv.Click("U1", card, "approve"); err == nil {
		t.Fatal("clicked a button the update removed")
	}
}

func TestClickRefusals(t *testing.T) {
	tests := []struct {
		name, user, action string
	}{
		{"unknown user", "U404", "approve"},
		{"deactivated user", "U9", "approve"},
		{"no such button", "U2", "reissue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newWorkspace(t)
			card := postCard(t, srv, api)
			if _, err := srv.Click(tt.user, card, tt.action); err == nil {
				t.Fatal("Click succeeded")
			}
		})
	}
}

func TestClickOnAnEphemeralMessageCarriesNoMessage(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	if _, err := api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionBlocks(approvalCard("x")...)); err != nil {
		t.Fatal(err)
	}
	eph, err := srv.WaitFor(ctx, IsKind(KindPostEphemeral))
	if err != nil {
		t.Fatal(err)
	}
	cb, err := srv.Click("U1", eph, "deny")
	if err != nil {
		t.Fatal(err)
	}
	got := parseInteraction(t, cb)
	if !got.Container.IsEphemeral || got.Container.MessageTs != eph.TS || got.Message.Timestamp != "" {
		t.Fatalf("container %+v, message ts %q; want ephemeral container and no message", got.Container, got.Message.Timestamp)
	}
}

func TestBlockActionFormFillsWhatSlackAlwaysSends(t *testing.T) {
	got := parseInteraction(t, slack.InteractionCallback{User: slack.User{ID: "U1"}})
	if got.Type != slack.InteractionTypeBlockActions || got.Token != VerificationToken ||
		got.APIAppID != AppID || got.Team.ID != TeamID || got.User.TeamID != TeamID {
		t.Fatalf("filled = %+v", got)
	}
}

func TestServerSlashCommandNamesUserAndChannelAndMintsAResponseURL(t *testing.T) {
	srv, api := newWorkspace(t)
	form, err := srv.SlashCommand("U1", "C1", "bob@contoso.com 2h")
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("user_name") != "alice" || form.Get("channel_name") != "tap-approvals" ||
		form.Get("command") != Command || form.Get("text") != "bob@contoso.com 2h" || form.Get("trigger_id") == "" {
		t.Fatalf("form = %v", form)
	}
	if _, _, _, err := api.SendMessage("", slack.MsgOptionResponseURL(form.Get("response_url"), slack.ResponseTypeEphemeral), slack.MsgOptionText("ok", false)); err != nil {
		t.Fatalf("post to the minted response_url: %v", err)
	}
	m, err := srv.Next(testContext(t))
	if err != nil || m.ResponseURL != form.Get("trigger_id") || m.Channel != "C1" {
		t.Fatalf("recorded %+v, %v", m, err)
	}

	if _, err := srv.SlashCommand("U9", "C1", "x"); err == nil {
		t.Fatal("a deactivated user typed a command")
	}
	if _, err := srv.SlashCommand("U1", "C404", "x"); err == nil {
		t.Fatal("a command came from an unknown channel")
	}
}
