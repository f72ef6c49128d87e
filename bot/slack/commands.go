package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// slackUnescape undoes the three escapes Slack applies to command text, so
// a reason is stored as typed; every place that shows it escapes it again.
var slackUnescape = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// HandleCommand answers a /tap slash command. It returns at once with the
// ephemeral acknowledgement Slack shows the typist (Slack gives up after 3
// seconds); anything that needs Graph or another chat call runs afterwards
// and reports through the command's response_url.
func (b *Bot) HandleCommand(ctx context.Context, sc slack.SlashCommand) *slack.Msg {
	who := principal(sc.UserID, sc.UserName)
	cmd, err := bot.Parse(slackUnescape.Replace(sc.Text), b.svc.Now(), b.cfg.Location)
	if err != nil {
		return ephemeral(b.banner() + ":warning: " + bot.EscapeMrkdwn(approvals.ErrorMessage(err)) + "\n" + bot.EscapeMrkdwn(bot.ShortUsage))
	}
	switch cmd.Verb {
	case bot.VerbHelp:
		return ephemeral(b.banner() + bot.EscapeMrkdwn(bot.Usage))
	case bot.VerbList:
		return b.listOpen(ctx, who)
	case bot.VerbRequest:
		id := approvals.NewRequestID()
		b.later(sc.ResponseURL, func(ctx context.Context) *slack.WebhookMessage { return b.raise(ctx, id, who, cmd) }, "request", id)
		return ephemeral(fmt.Sprintf("%s:hourglass_flowing_sand: Request *%s* for %s received. Checking the account and the tenant's pass policy…",
			b.banner(), id, bot.EscapeMrkdwn(cmd.UPN)))
	case bot.VerbStatus:
		b.later(sc.ResponseURL, func(ctx context.Context) *slack.WebhookMessage { return b.status(ctx, who, cmd.UPN) })
	case bot.VerbRevoke:
		b.later(sc.ResponseURL, func(ctx context.Context) *slack.WebhookMessage { return b.revoke(ctx, who, cmd.UPN) })
	case bot.VerbCancel:
		b.later(sc.ResponseURL, func(ctx context.Context) *slack.WebhookMessage {
			_, err := b.svc.Cancel(ctx, cmd.RequestID, who)
			return b.outcome(err, "Request "+cmd.RequestID+" is cancelled.")
		}, "request", cmd.RequestID)
	case bot.VerbDeny:
		b.later(sc.ResponseURL, func(ctx context.Context) *slack.WebhookMessage {
			_, err := b.svc.Deny(ctx, cmd.RequestID, who, cmd.Reason)
			return b.outcome(err, "You denied request "+cmd.RequestID+".")
		}, "request", cmd.RequestID)
	}
	return ephemeral(b.banner() + ":hourglass_flowing_sand: Working on it…")
}

// later runs f in the background and posts what it returns to responseURL,
// which Slack keeps valid for 30 minutes. attrs (the request id, when there
// is one) go on the log line of a failed post.
func (b *Bot) later(responseURL string, f func(ctx context.Context) *slack.WebhookMessage, attrs ...any) {
	b.svc.Go(func(ctx context.Context) {
		msg := f(ctx)
		if msg == nil || responseURL == "" {
			return
		}
		msg.ResponseType = slack.ResponseTypeEphemeral
		if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, b.http, msg); err != nil {
			b.log.Warn("slack response_url post failed", append(attrs, "err", err)...)
		}
	})
}

func (b *Bot) raise(ctx context.Context, id string, who approvals.Principal, cmd bot.Command) *slack.WebhookMessage {
	r, err := b.svc.Raise(ctx, approvals.RaiseInput{
		ID: id, Requester: who, UPN: cmd.UPN, Lifetime: cmd.Lifetime, Once: cmd.Once, Start: cmd.Start, Reason: cmd.Reason,
	})
	if err != nil {
		text := fmt.Sprintf(":no_entry: Request *%s* was not raised: %s", id, bot.EscapeMrkdwn(approvals.ErrorMessage(err)))
		if approvals.ErrorCode(err) == approvals.EINVALID {
			text += "\n" + bot.EscapeMrkdwn(bot.ShortUsage)
		}
		return &slack.WebhookMessage{Text: b.banner() + text}
	}
	text := fmt.Sprintf(":inbox_tray: Request *%s* for %s is waiting for approval in <#%s>. It expires %s if nobody decides.",
		r.ID, bot.EscapeMrkdwn(r.Target.UPN), b.cfg.ApprovalChannel, b.when(r.ExpiresAt))
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(b.banner()+text), nil, nil),
		slack.NewActionBlock("requester",
			slack.NewButtonBlockElement(actionCancel, r.ID, plain("Cancel request"))),
	}
	return &slack.WebhookMessage{Text: b.banner() + text, Blocks: &slack.Blocks{BlockSet: blocks}}
}

func (b *Bot) status(ctx context.Context, who approvals.Principal, upn string) *slack.WebhookMessage {
	st, err := b.svc.Status(ctx, who, upn)
	if err != nil {
		return b.outcome(err, "")
	}
	return &slack.WebhookMessage{Text: b.banner() + b.describeStatus(st)}
}

func (b *Bot) describeStatus(st approvals.UserStatus) string {
	t := st.Target
	head := fmt.Sprintf("*%s* (%s), account %s.", bot.EscapeMrkdwn(t.DisplayName), bot.EscapeMrkdwn(t.UPN), bot.EnabledWord(t.AccountEnabled))
	if len(st.Passes) == 0 {
		return head + "\nNo Temporary Access Pass."
	}
	lines := []string{head}
	for _, p := range st.Passes {
		usable := ":white_check_mark: usable"
		if !p.Usable {
			usable = ":no_entry_sign: not usable (" + bot.EscapeMrkdwn(p.Reason) + ")"
		}
		end := p.Start.Add(minutes(p.LifetimeMinutes))
		lines = append(lines, fmt.Sprintf("• Temporary Access Pass %s: %s, starts %s, ends %s (%s).",
			usable, bot.UsageWord(p.UsableOnce), b.when(p.Start), b.when(end), approvals.FormatMinutes(p.LifetimeMinutes)))
	}
	return strings.Join(lines, "\n")
}

func (b *Bot) revoke(ctx context.Context, who approvals.Principal, upn string) *slack.WebhookMessage {
	st, err := b.svc.Revoke(ctx, who, upn)
	if err != nil {
		return b.outcome(err, "")
	}
	if len(st.Passes) == 0 {
		return &slack.WebhookMessage{Text: b.banner() + bot.EscapeMrkdwn(st.Target.UPN) + " had no Temporary Access Pass; nothing to revoke."}
	}
	return &slack.WebhookMessage{Text: b.banner() + fmt.Sprintf(":wastebasket: Revoked the Temporary Access Pass of %s. Deleting a valid pass also signs them out of their sessions.", bot.EscapeMrkdwn(st.Target.UPN))}
}

func (b *Bot) listOpen(ctx context.Context, who approvals.Principal) *slack.Msg {
	open, err := b.svc.Open(ctx, who)
	if err != nil {
		return ephemeral(b.banner() + ":no_entry: " + bot.EscapeMrkdwn(approvals.ErrorMessage(err)))
	}
	if len(open) == 0 {
		return ephemeral(b.banner() + "No open requests.")
	}
	lines := []string{fmt.Sprintf("%d open request(s):", len(open))}
	for _, r := range open {
		lines = append(lines, fmt.Sprintf("• *%s* %s for %s by <@%s>, %s, expires %s",
			r.ID, stateWord(r), bot.EscapeMrkdwn(r.Target.UPN), r.Requester.ID, approvals.FormatMinutes(r.LifetimeMinutes), b.when(r.ExpiresAt)))
	}
	return ephemeral(b.banner() + strings.Join(lines, "\n"))
}

// outcome turns a service result into the reply to the person who acted.
func (b *Bot) outcome(err error, ok string) *slack.WebhookMessage {
	if err != nil {
		return &slack.WebhookMessage{Text: b.banner() + ":no_entry: " + bot.EscapeMrkdwn(approvals.ErrorMessage(err))}
	}
	if ok == "" {
		return nil
	}
	return &slack.WebhookMessage{Text: b.banner() + bot.EscapeMrkdwn(ok)}
}

func ephemeral(text string) *slack.Msg {
	return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: text}
}
