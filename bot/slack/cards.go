package slack

import (
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// sandboxBanner opens every message when passes are fake.
const sandboxBanner = ":test_tube: *SANDBOX: passes are fake, no real tenant is touched.*\n"

func (b *Bot) banner() string {
	if b.cfg.Sandbox {
		return sandboxBanner
	}
	return ""
}

// card draws the approval card of r. It shows everything an approver needs
// to decide and never the pass; buttons appear only while r is pending.
func (b *Bot) card(r *approvals.Request) []slack.Block {
	t := r.Target
	existing := "no"
	if t.HasTAP {
		existing = "yes, it will be replaced"
	}
	start := "immediately"
	if !r.StartAt.IsZero() {
		start = b.when(r.StartAt)
	}
	reason := "_none given_"
	if r.Reason != "" {
		reason = bot.EscapeMrkdwn(bot.Truncate(r.Reason, bot.MaxReasonLen))
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(fmt.Sprintf("%s:key: *Temporary Access Pass request %s*\n<@%s> asks for a pass for *%s* (%s).",
			b.banner(), r.ID, r.Requester.ID, bot.EscapeMrkdwn(t.DisplayName), bot.EscapeMrkdwn(t.UPN))), nil, nil),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			mrkdwn("*Account*\n" + enabledWord(t.AccountEnabled)),
			mrkdwn("*Existing pass*\n" + existing),
			mrkdwn("*Lifetime*\n" + approvals.FormatMinutes(r.LifetimeMinutes)),
			mrkdwn("*Use*\n" + usage(r.UsableOnce)),
			mrkdwn("*Starts*\n" + start),
			mrkdwn("*Approvals*\n" + fmt.Sprintf("%d of %d", len(r.Approvals), r.ApprovalsRequired)),
		}, nil),
		slack.NewSectionBlock(mrkdwn("*Reason*\n"+reason), nil, nil),
		slack.NewContextBlock("status", mrkdwn(b.statusLine(r))),
	}
	if r.State == approvals.StatePending {
		approve := slack.NewButtonBlockElement(actionApprove, r.ID, plain("Approve"))
		approve.Style = slack.StylePrimary
		approve.Confirm = slack.NewConfirmationBlockObject(plain("Approve this pass?"),
			mrkdwn(fmt.Sprintf("A %s pass for %s goes to <@%s>.", usage(r.UsableOnce), bot.EscapeMrkdwn(t.UPN), r.Requester.ID)),
			plain("Approve"), plain("Back"))
		deny := slack.NewButtonBlockElement(actionDeny, r.ID, plain("Deny"))
		deny.Style = slack.StyleDanger
		blocks = append(blocks, slack.NewActionBlock("decide", approve, deny))
	}
	return blocks
}

// statusLine says where the request is, in the words both platforms share.
func (b *Bot) statusLine(r *approvals.Request) string {
	return bot.StatusLine(r, bot.Style{
		Person: func(p approvals.Principal) string { return "<@" + p.ID + ">" },
		When:   b.when,
		Escape: bot.EscapeMrkdwn,
	})
}

// when renders t in each reader's own time zone, with a fallback text.
func (b *Bot) when(t time.Time) string {
	fallback := t.In(b.cfg.Location).Format("2006-01-02 15:04 MST")
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), fallback)
}

func stateWord(r *approvals.Request) string {
	if r.State == approvals.StatePending {
		return fmt.Sprintf("pending (%d of %d approvals)", len(r.Approvals), r.ApprovalsRequired)
	}
	return string(r.State)
}

func enabledWord(enabled bool) string {
	if enabled {
		return "enabled"
	}
	return ":warning: disabled"
}

func usage(once bool) string {
	if once {
		return "one-time"
	}
	return "multi-use"
}

func minutes(m int) time.Duration { return time.Duration(m) * time.Minute }

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}
