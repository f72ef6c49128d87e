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

// card draws the approval card of r. It shows everything an approver needs
// to decide and never the pass; buttons appear only while r is pending.
func (b *Bot) card(r *approvals.Request) []slack.Block {
	t, st := r.Target, b.style()
	var fields []*slack.TextBlockObject
	for _, f := range bot.CardFacts(r, st) {
		fields = append(fields, mrkdwn("*"+f.Label+"*\n"+f.Value))
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(fmt.Sprintf("%s:key: *Temporary Access Pass request %s*\n<@%s> asks for a pass for *%s* (%s).",
			b.banner(), r.ID, r.Requester.ID, bot.EscapeMrkdwn(t.DisplayName), bot.EscapeMrkdwn(t.UPN))), nil, nil),
		slack.NewSectionBlock(nil, fields, nil),
		slack.NewSectionBlock(mrkdwn("*Reason*\n"+bot.CardReason(r, st)), nil, nil),
		slack.NewContextBlock("status", mrkdwn(b.statusLine(r))),
	}
	if r.State == approvals.StatePending {
		approve := slack.NewButtonBlockElement(actionApprove, r.ID, plain("Approve"))
		approve.Style = slack.StylePrimary
		approve.Confirm = slack.NewConfirmationBlockObject(plain("Approve this pass?"),
			mrkdwn(fmt.Sprintf("A %s pass for %s goes to <@%s>.", bot.UsageWord(r.UsableOnce), bot.EscapeMrkdwn(t.UPN), r.Requester.ID)),
			plain("Approve"), plain("Back"))
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
