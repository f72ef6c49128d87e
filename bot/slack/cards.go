package slack

import (
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// banner opens every message when passes are fake.
func (b *Bot) banner() string {
	if b.cfg.Sandbox {
		return bot.SandboxNotice(b.style()) + "\n"
	}
	return ""
}

// card draws the approval card of r. Its first three lines carry what an
// approver needs to decide (who asks for whom, the terms, the reason), so a
// phone shows them without scrolling; what varies less follows. It never
// shows the pass; buttons appear only while r is pending.
func (b *Bot) card(r *approvals.Request) []slack.Block {
	st := b.style()
	lines := bot.CardLines(r, st)
	var fields []*slack.TextBlockObject
	for _, f := range bot.CardFacts(r, st) {
		fields = append(fields, mrkdwn("*"+f.Label+"*\n"+f.Value))
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(fmt.Sprintf("%s:key: %s\n%s\n%s", b.banner(), lines[0], lines[1], lines[2])), nil, nil),
	}
	if bot.ReasonClipped(r, st) {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn("*Reason*\n"+bot.CardReason(r, st)), nil, nil))
	}
	blocks = append(blocks,
		slack.NewSectionBlock(nil, fields, nil))
	blocks = append(blocks, b.verifyBlocks(r)...) // verify.go: for approvers only
	blocks = append(blocks,
		slack.NewContextBlock("request", mrkdwn("Temporary Access Pass request "+r.ID)),
		slack.NewContextBlock("status", mrkdwn(b.statusLine(r))),
	)
	if r.State == approvals.StatePending {
		approve := slack.NewButtonBlockElement(actionApprove, r.ID, plain("Approve"))
		approve.Style = slack.StylePrimary
		approve.Confirm = approveConfirm(r) // none when the callback modal confirms it
		deny := slack.NewButtonBlockElement(actionDeny, r.ID, plain("Deny"))
		deny.Style = slack.StyleDanger
		blocks = append(blocks, slack.NewActionBlock("decide", approve, deny))
	}
	return blocks
}

// style is how Slack writes people, times, user text and markup.
func (b *Bot) style() bot.Style {
	return bot.Style{
		Person: func(p approvals.Principal) string { return "<@" + p.ID + ">" },
		When:   b.when,
		Escape: bot.EscapeMrkdwn,
		Bold:   func(s string) string { return "*" + s + "*" },
		Bullet: "• ",
		Break:  "\n",
		Emoji:  bot.Icon.Shortcode,
		// approvers and groups in /tap list and status (approvers.go)
		Approver: approverMention,
	}
}

// statusLine says where the request is, in the words both platforms share.
func (b *Bot) statusLine(r *approvals.Request) string { return bot.StatusLine(r, b.style()) }

// when renders t in each reader's own time zone, with a fallback text.
func (b *Bot) when(t time.Time) string {
	fallback := t.In(b.cfg.Location).Format("2006-01-02 15:04 MST")
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), fallback)
}

func minutes(m int) time.Duration { return time.Duration(m) * time.Minute }

// mrkdwn is a mrkdwn text object. Its text is cut to what Slack takes in a
// block, a last guard: a longer one would have the whole message refused.
func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, bot.Truncate(s, bot.MaxBlockText), false, false)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}
