package slacktest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

const (
	testBotToken = "xoxb-1-test-bot-token"
	testAppToken = "xapp-1-test-app-token"
)

// newWorkspace starts a fake with two technicians in #tap-approvals, a
// deactivated user and a channel without the bot, and a slack-go client
// pointed at it.
func newWorkspace(t *testing.T) (*Server, *slack.Client) {
	t.Helper()
	srv := NewServer(testBotToken)
	t.Cleanup(srv.Close)
	srv.AddUser(User{ID: "U1", Name: "alice", RealName: "Alice Admin", Email: "alice@contoso.com", TZ: "Europe/Berlin"})
	srv.AddUser(User{ID: "U2", Name: "bob", RealName: "Bob Builder", Email: "bob@contoso.com"})
	srv.AddUser(User{ID: "U3", Name: "carol", RealName: "Carol Outsider"})
	srv.AddUser(User{ID: "U9", Name: "gone", RealName: "Gone Person", Deleted: true})
	srv.AddChannel("C1", "tap-approvals", true)
	srv.AddChannel("C2", "random", false)
	if err := srv.AddMembers("C1", "U1", "U2", "U9"); err != nil {
		t.Fatal(err)
	}
	return srv, slack.New(testBotToken, slack.OptionAPIURL(srv.APIURL()))
}

// testContext ends the test's waits after a generous bound, so a missing
// message fails the test instead of hanging it.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// slackError returns the Slack error code of err, "" when err is not one.
func slackError(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// approvalCard is a card like tapbot's: text, a section and two buttons.
func approvalCard(reason string) []slack.Block {
	return []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*alice* asks for a pass: "+reason, false, false), nil, nil),
		slack.NewActionBlock("decide",
			slack.NewButtonBlockElement("approve", "req-1", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false)).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement("deny", "req-1", slack.NewTextBlockObject(slack.PlainTextType, "Deny", false, false)).WithStyle(slack.StyleDanger),
		),
	}
}
