package slack

import (
	"context"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// slackUnescape undoes the three escapes Slack applies to command text, so
// a reason is stored as typed; every place that shows it escapes it again.
var slackUnescape = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// HandleCommand answers a /tap slash command. /tap alone opens the request
// form and returns nil once it is open. Otherwise it returns at once with the
// ephemeral acknowledgement Slack shows the typist (Slack gives up after 3
// seconds); anything that needs Graph or another chat call runs afterwards
// and reports through the command's response_url. A start given as a time
// of day is read in the typist's own Slack time zone (timezone.go).
func (b *Bot) HandleCommand(ctx context.Context, sc slack.SlashCommand) *slack.Msg {
	who, st := principal(sc.UserID, sc.UserName), b.style()
	text := slackUnescape.Replace(sc.Text)
	if bot.AsksForForm(text) && sc.TriggerID != "" {
		return b.commandForm(ctx, sc) // form.go
	}
	zone, known := b.knownZone(sc.UserID)
	if !known && bot.ReadsLocalTime(text) {
		return b.commandInZone(sc, who, text)
	}
	cmd, err := bot.Parse(text, b.svc.Now(), zone)
	if err != nil {
		return ephemeral(b.banner() + bot.Unparsed(err, st))
	}
	switch cmd.Verb {
	case bot.VerbHelp:
		return ephemeral(b.banner() + bot.EscapeMrkdwn(bot.Usage))
	case bot.VerbList: // quick enough to answer at once
		return ephemeral(b.banner() + bot.Answer(ctx, b.svc, who, cmd, st))
	case bot.VerbRequest:
		id := approvals.NewRequestID()
		queued, ahead := b.svc.GoFor(cmd.UPN, func(ctx context.Context) { // a slow tenant leaves the others workers
			msg, raised := b.raise(ctx, id, who, cmd)
			if raised {
				b.warmDM(ctx, who.ID) // before the receipt: once it shows, the pass is one call away
			}
			b.respond(ctx, sc.ResponseURL, msg, "request", id)
		})
		return ephemeral(b.banner() + b.maybeQueued(bot.Checking(cmd.UPN, st), queued, ahead))
	}
	queued, ahead := b.later(sc.ResponseURL, func(ctx context.Context) *slack.WebhookMessage {
		return b.reply(bot.Answer(ctx, b.svc, who, cmd, st))
	}, requestAttrs(cmd)...)
	return ephemeral(b.banner() + b.maybeQueued(":hourglass_flowing_sand: Working on it…", queued, ahead))
}

// maybeQueued adds to an acknowledgement that the work waits in the queue.
func (b *Bot) maybeQueued(ack string, queued bool, ahead int) string {
	if !queued {
		return ack
	}
	return ack + "\n" + bot.Queued(ahead, b.style())
}

// requestAttrs name the request a command is about on its log lines.
func requestAttrs(cmd bot.Command) []any {
	if cmd.RequestID == "" {
		return nil
	}
	return []any{"request", cmd.RequestID}
}

// later runs f in the background (approvals.Service.Go) and posts what it
// returns to responseURL, which Slack keeps valid for 30 minutes. attrs (the
// request id, when there is one) go on the log line of a failed post. It
// reports, as Go does, whether f waits in the queue and behind how many.
func (b *Bot) later(responseURL string, f func(ctx context.Context) *slack.WebhookMessage, attrs ...any) (queued bool, ahead int) {
	return b.svc.Go(func(ctx context.Context) { b.respond(ctx, responseURL, f(ctx), attrs...) })
}

// respond posts msg to responseURL as an ephemeral answer; nil posts
// nothing.
func (b *Bot) respond(ctx context.Context, responseURL string, msg *slack.WebhookMessage, attrs ...any) {
	if msg == nil || responseURL == "" {
		return
	}
	msg.ResponseType = slack.ResponseTypeEphemeral
	if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, b.http, msg); err != nil {
		b.log.Warn("slack response_url post failed", append(attrs, "err", err)...)
	}
}

// warmDM opens the requester's DM channel once their request is raised, so
// that when it is approved the pass is one Slack call away. A failure here
// costs nothing: delivery opens the channel itself.
func (b *Bot) warmDM(ctx context.Context, user string) {
	if _, err := b.dm(ctx, user); err != nil {
		b.log.Debug("requester's DM channel not opened ahead of the pass", "user", user, "err", err)
	}
}

// raise raises the request and returns the receipt for the requester, and
// whether the request was raised.
func (b *Bot) raise(ctx context.Context, id string, who approvals.Principal, cmd bot.Command) (*slack.WebhookMessage, bool) {
	st := b.style()
	r, err := bot.Raise(ctx, b.svc, id, who, cmd)
	if err != nil {
		return b.reply(bot.NotRaised(cmd.UPN, err, st)), false
	}
	text := b.banner() + bot.Waiting(r, "<#"+b.cfg.approvalChannel(r)+">", st)
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(text), nil, nil),
		slack.NewActionBlock("requester",
			slack.NewButtonBlockElement(actionCancel, r.ID, plain("Cancel request"))),
	}
	return &slack.WebhookMessage{Text: text, Blocks: &slack.Blocks{BlockSet: blocks}}, true
}

// reply is text as an answer to the person who acted, or nil when there
// is nothing to say.
func (b *Bot) reply(text string) *slack.WebhookMessage {
	if text == "" {
		return nil
	}
	return &slack.WebhookMessage{Text: b.banner() + text}
}

func ephemeral(text string) *slack.Msg {
	return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: text}
}
