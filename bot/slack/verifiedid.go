package slack

import (
	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/bot"
)

// actionOpenVerifiedID is the action id of the button that opens a
// Verified ID link. Slack opens the link itself and still tells the app of
// the click, which tapbot acknowledges and ignores.
const actionOpenVerifiedID = "tap_open_verifiedid"

// maxButtonURL is the longest url Slack takes on a button.
const maxButtonURL = 3000

// verifiedIDBlocks show the requester the notice text that hands them the
// Verified ID link of request id, the link alone in a code block (a
// long-press copies it to send to the user), and a button that opens it.
func verifiedIDBlocks(text, id, link string) slack.MsgOption {
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(text), nil, nil),
		slack.NewSectionBlock(mrkdwn("```"+bot.EscapeMrkdwn(link)+"```"), nil, nil),
	}
	if len(link) <= maxButtonURL {
		open := slack.NewButtonBlockElement(actionOpenVerifiedID, id, plain(bot.VerifiedIDButton))
		open.URL = link
		blocks = append(blocks, slack.NewActionBlock("verifiedid", open))
	}
	return slack.MsgOptionBlocks(blocks...)
}
