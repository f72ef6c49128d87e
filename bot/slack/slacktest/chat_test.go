package slacktest

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

var tsPattern = regexp.MustCompile(`^\d{10}\.\d{6}$`)

func TestPostMessageRecordsCardAndReturnsIncreasingTimestamps(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)

	ch1, ts1, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(approvalCard("new phone")...))
	if err != nil {
		t.Fatalf("post card: %v", err)
	}
	_, ts2, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("second", false), slack.MsgOptionTS(ts1))
	if err != nil {
		t.Fatalf("post reply: %v", err)
	}
	if ch1 != "C1" || !tsPattern.MatchString(ts1) || !tsPattern.MatchString(ts2) || ts2 <= ts1 {
		t.Fatalf("got channel %q, ts %q then %q; want C1 and increasing Slack timestamps", ch1, ts1, ts2)
	}

	card, err := srv.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if card.Kind != KindPostMessage || card.Channel != "C1" || card.TS != ts1 || card.Text != "fallback" {
		t.Fatalf("first message = %+v", card)
	}
	if b, ok := card.Button("approve"); !ok || b.Value != "req-1" || b.BlockID != "decide" || b.Style != "primary" {
		t.Fatalf("approve button = %+v, %v", b, ok)
	}
	if blocks, err := card.BlockSet(); err != nil || len(blocks) != 2 {
		t.Fatalf("BlockSet = %d blocks, %v; want 2", len(blocks), err)
	}
	if card.Form.Get("token") != "" {
		t.Fatal("the recorded form keeps the bot token")
	}
	reply, err := srv.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if reply.ThreadTS != ts1 || reply.TS != ts2 {
		t.Fatalf("reply = %+v; want thread %s", reply, ts1)
	}
}

func TestPostMessageToUserIDLandsInTheirDM(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)

	ch, _, err := api.PostMessageContext(ctx, "U1", slack.MsgOptionText("hello", false))
	if err != nil {
		t.Fatal(err)
	}
	dm, ok := srv.IMChannel("U1")
	if !ok || ch != dm || !strings.HasPrefix(ch, "D") {
		t.Fatalf("posted to %q, DM of U1 is %q (%v)", ch, dm, ok)
	}
}

func TestPostMessageRefusals(t *testing.T) {
	tooLong := strings.Repeat("x", 3001)
	many := make([]slack.Block, 51)
	for i := range many {
		many[i] = slack.NewDividerBlock()
	}
	tests := []struct {
		name    string
		channel string
		opts    []slack.MsgOption
		want    string
	}{
		{"unknown channel", "C404", []slack.MsgOption{slack.MsgOptionText("hi", false)}, "channel_not_found"},
		{"bot not in channel", "C2", []slack.MsgOption{slack.MsgOptionText("hi", false)}, "not_in_channel"},
		{"neither text nor blocks", "C1", nil, "no_text"},
		{"text over 40000 characters", "C1", []slack.MsgOption{slack.MsgOptionText(strings.Repeat("y", 40001), false)}, "msg_too_long"},
		{"section text over 3000 characters", "C1", []slack.MsgOption{slack.MsgOptionBlocks(
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, tooLong, false, false), nil, nil))}, "invalid_blocks"},
		{"more than 50 blocks", "C1", []slack.MsgOption{slack.MsgOptionBlocks(many...)}, "invalid_blocks"},
		{"duplicate action ids", "C1", []slack.MsgOption{slack.MsgOptionBlocks(slack.NewActionBlock("",
			slack.NewButtonBlockElement("same", "1", slack.NewTextBlockObject(slack.PlainTextType, "A", false, false)),
			slack.NewButtonBlockElement("same", "2", slack.NewTextBlockObject(slack.PlainTextType, "B", false, false))))}, "invalid_blocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newWorkspace(t)
			_, _, err := api.PostMessageContext(testContext(t), tt.channel, tt.opts...)
			if got := slackError(err); got != tt.want {
				t.Fatalf("error = %v (code %q), want %q", err, got, tt.want)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Fatalf("a refused message was recorded (%d messages)", n)
			}
		})
	}
}

func TestInvalidBlocksNameTheOffendingField(t *testing.T) {
	_, api := newWorkspace(t)
	_, _, err := api.PostMessageContext(testContext(t), "C1", slack.MsgOptionBlocks(
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("h", 151), false, false))))
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "invalid_blocks" {
		t.Fatalf("error = %v, want invalid_blocks", err)
	}
	if len(se.ResponseMetadata.Messages) != 1 || !strings.Contains(se.ResponseMetadata.Messages[0], "/blocks/0/text/text") {
		t.Fatalf("messages = %q; want one naming /blocks/0/text/text", se.ResponseMetadata.Messages)
	}
}

func TestUpdateReplacesWhatItSendsAndKeepsTheRest(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("pending", false), slack.MsgOptionBlocks(approvalCard("x")...))
	if err != nil {
		t.Fatal(err)
	}

	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("approved by bob", false)); err != nil {
		t.Fatalf("update text: %v", err)
	}
	cur, ok := srv.Current("C1", ts)
	if !ok || cur.Text != "approved by bob" || len(cur.Buttons()) != 2 || cur.Kind != KindUpdate {
		t.Fatalf("after a text-only update: %+v (found %v); want new text, old buttons", cur, ok)
	}

	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionBlocks()); err != nil {
		t.Fatalf("clear blocks: %v", err)
	}
	cur, _ = srv.Current("C1", ts)
	if cur.Blocks != nil || cur.Text != "approved by bob" {
		t.Fatalf("after blocks=[]: %+v; want no blocks, text kept", cur)
	}
	updates := 0
	for _, m := range srv.Messages() {
		if m.Kind == KindUpdate && m.TS == ts {
			updates++
		}
	}
	if updates != 2 {
		t.Fatalf("recorded %d updates, want 2", updates)
	}
}

func TestUpdateRefusals(t *testing.T) {
	tests := []struct {
		name    string
		channel string
		ts      func(t *testing.T, api *slack.Client) string
		want    string
	}{
		{"unknown ts", "C1", func(*testing.T, *slack.Client) string { return "1700000000.999900" }, "message_not_found"},
		{"ephemeral messages are not kept", "C1", func(t *testing.T, api *slack.Client) string {
			ts, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("psst", false))
			if err != nil {
				t.Fatal(err)
			}
			return ts
		}, "message_not_found"},
		{"unknown channel", "C404", func(*testing.T, *slack.Client) string { return "1700000000.000100" }, "channel_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, api := newWorkspace(t)
			ts := tt.ts(t, api)
			_, _, _, err := api.UpdateMessageContext(testContext(t), tt.channel, ts, slack.MsgOptionText("new", false))
			if got := slackError(err); got != tt.want {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestPostEphemeralReachesOnlyChannelMembers(t *testing.T) {
	tests := []struct {
		name, channel, user, want string
	}{
		{"member of the channel", "C1", "U1", ""},
		{"not a member", "C1", "U3", "user_not_in_channel"},
		{"deactivated member", "C1", "U9", "user_not_in_channel"},
		{"unknown user", "C1", "U404", "user_not_found"},
		{"unknown channel", "C404", "U1", "channel_not_found"},
		{"bot not in channel", "C2", "U1", "not_in_channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newWorkspace(t)
			ts, err := api.PostEphemeralContext(testContext(t), tt.channel, tt.user, slack.MsgOptionText("your pass", false))
			if got := slackError(err); got != tt.want || (tt.want == "") != (err == nil) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			msgs := srv.Messages()
			if tt.want != "" {
				if len(msgs) != 0 {
					t.Fatalf("refused ephemeral recorded: %+v", msgs)
				}
				return
			}
			if len(msgs) != 1 || msgs[0].Kind != KindPostEphemeral || msgs[0].User != tt.user || msgs[0].TS != ts || !msgs[0].Ephemeral() {
				t.Fatalf("recorded %+v; want one ephemeral to %s with ts %s", msgs, tt.user, ts)
			}
		})
	}
}

func TestPostMessageChannelResolution(t *testing.T) {
	tests := []struct {
		name    string
		scopes  []string // nil: the defaults
		channel string
		want    string // channel id answered, or error code
	}{
		{"by name with #", nil, "#tap-approvals", "C1"},
		{"by bare name", nil, "tap-approvals", "C1"},
		{"unknown name", nil, "#nowhere", "channel_not_found"},
		{"bot not in channel", nil, "C2", "not_in_channel"},
		{"bot not in channel but chat:write.public", append(slices.Clone(DefaultScopes), "chat:write.public"), "C2", "C2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newWorkspace(t)
			if tt.scopes != nil {
				srv.SetScopes(tt.scopes...)
			}
			ch, _, err := api.PostMessageContext(testContext(t), tt.channel, slack.MsgOptionText("hi", false))
			if got := ch + slackError(err); got != tt.want {
				t.Fatalf("channel %q, error %v; want %q", ch, err, tt.want)
			}
		})
	}
}

func TestRepliesGoUnderTheirCard(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	card := postCard(t, srv, api)
	for _, text := range []string{"Approved by <@U2>", "Pass shown to <@U1>"} {
		if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText(text, false), slack.MsgOptionTS(card.TS)); err != nil {
			t.Fatalf("reply %q: %v", text, err)
		}
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("another card", false)); err != nil {
		t.Fatal(err)
	}

	first, err := srv.WaitFor(ctx, InThread(card))
	if err != nil || first.Text != "Approved by <@U2>" || first.ThreadTS != card.TS {
		t.Fatalf("first reply = %+v, %v", first, err)
	}
	replies := srv.Replies("C1", card.TS)
	if len(replies) != 2 || replies[0].Text != "Approved by <@U2>" || replies[1].Text != "Pass shown to <@U1>" {
		t.Fatalf("replies = %+v", replies)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", replies[1].TS, slack.MsgOptionText("Pass shown to <@U1> at 09:00", false)); err != nil {
		t.Fatal(err)
	}
	if updated := srv.Replies("C1", card.TS); updated[1].Text != "Pass shown to <@U1> at 09:00" || updated[1].ThreadTS != card.TS {
		t.Fatalf("after an update the reply is %+v", updated[1])
	}
}

func TestAReplyNeedsAThreadParentInItsChannel(t *testing.T) {
	tests := []struct {
		name     string
		channel  string
		threadTS func(card Message, reply string) string
	}{
		{"a reply's ts", "C1", func(_ Message, reply string) string { return reply }},
		{"a ts nobody posted", "C1", func(Message, string) string { return "1700000000.999900" }},
		{"the card's ts in another channel", "U1", func(card Message, _ string) string { return card.TS }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newWorkspace(t)
			ctx := testContext(t)
			card := postCard(t, srv, api)
			_, reply, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("first", false), slack.MsgOptionTS(card.TS))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = api.PostMessageContext(ctx, tt.channel, slack.MsgOptionText("lost", false), slack.MsgOptionTS(tt.threadTS(card, reply)))
			if slackError(err) != "invalid_thread_ts" {
				t.Fatalf("error = %v, want invalid_thread_ts", err)
			}
		})
	}
}
