package teams

import (
	"context"
	"fmt"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// handleText runs a command typed to the bot, in a 1:1 chat or after an
// @mention in a channel or group chat. The answer goes to where it was
// typed (threaded under it in a channel); it never holds a pass.
func (b *Bot) handleText(act schema.Activity) {
	if act.From.AadObjectID == "" {
		b.log.Info("teams message without an Entra user ignored", "from", act.From.ID)
		return
	}
	who := principal(act.From.AadObjectID, act.From.Name)
	here := activityRef(act)
	cmd, err := bot.Parse(commandText(act.Text), b.svc.Now(), b.cfg.Location)
	b.svc.Go(func(ctx context.Context) {
		if err != nil {
			b.say(ctx, here, b.banner()+"⚠️ "+md(approvals.ErrorMessage(err))+"\n\n"+md(shortUsage()))
			return
		}
		b.run(ctx, act, who, cmd)
	})
}

// run carries out a parsed command for who and answers in act's thread.
func (b *Bot) run(ctx context.Context, act schema.Activity, who approvals.Principal, cmd bot.Command) {
	here := activityRef(act)
	switch cmd.Verb {
	case bot.VerbHelp:
		b.say(ctx, here, b.banner()+usage())
	case bot.VerbRequest:
		b.raise(ctx, act, who, cmd)
	case bot.VerbList:
		b.say(ctx, here, b.listOpen(ctx, who))
	case bot.VerbStatus:
		b.say(ctx, here, b.status(ctx, who, cmd.UPN))
	case bot.VerbRevoke:
		b.say(ctx, here, b.revoke(ctx, who, cmd.UPN))
	case bot.VerbCancel:
		_, err := b.svc.Cancel(ctx, cmd.RequestID, who)
		b.say(ctx, here, b.outcome(err, "Request "+cmd.RequestID+" is cancelled."))
	case bot.VerbDeny:
		_, err := b.svc.Deny(ctx, cmd.RequestID, who, cmd.Reason)
		b.say(ctx, here, b.outcome(err, "You denied request "+cmd.RequestID+"."))
	}
}

// raise asks the service for a pass. The requester must have a 1:1 chat
// with the bot, where the pass will go; without one nothing is raised and
// the answer says how to start it.
func (b *Bot) raise(ctx context.Context, act schema.Activity, who approvals.Principal, cmd bot.Command) {
	here := activityRef(act)
	if _, err := b.ensurePersonal(ctx, act); err != nil {
		b.say(ctx, here, b.errorText(err))
		return
	}
	id := approvals.NewRequestID()
	b.say(ctx, here, fmt.Sprintf("%s⏳ Request **%s** for %s received. Checking the account and the tenant's pass policy…", b.banner(), id, md(cmd.UPN)))
	r, err := b.svc.Raise(ctx, approvals.RaiseInput{
		ID: id, Requester: who, UPN: cmd.UPN, Lifetime: cmd.Lifetime, Once: cmd.Once, Start: cmd.Start, Reason: cmd.Reason,
	})
	if err != nil {
		text := fmt.Sprintf("%s⛔ Request **%s** was not raised: %s", b.banner(), id, md(approvals.ErrorMessage(err)))
		if approvals.ErrorCode(err) == approvals.EINVALID {
			text += "\n\n" + md(shortUsage())
		}
		b.say(ctx, here, text)
		return
	}
	text := fmt.Sprintf("📥 Request **%s** for %s is waiting for approval in the approval channel. It expires %s if nobody decides.",
		r.ID, md(r.Target.UPN), b.when(r.ExpiresAt))
	b.say(ctx, here, b.banner(), waitingCard(text, r.ID))
}

func (b *Bot) status(ctx context.Context, who approvals.Principal, upn string) string {
	st, err := b.svc.Status(ctx, who, upn)
	if err != nil {
		return b.errorText(err)
	}
	return b.banner() + b.describeStatus(st)
}

// describeStatus lists a user's passes, one paragraph each.
func (b *Bot) describeStatus(st approvals.UserStatus) string {
	t := st.Target
	head := fmt.Sprintf("**%s** (%s), account %s.", md(t.DisplayName), md(t.UPN), bot.EnabledWord(t.AccountEnabled))
	if len(st.Passes) == 0 {
		return head + "\n\nNo Temporary Access Pass."
	}
	lines := []string{head}
	for _, p := range st.Passes {
		usable := "✅ usable"
		if !p.Usable {
			usable = "🚫 not usable (" + md(p.Reason) + ")"
		}
		lines = append(lines, fmt.Sprintf("- Temporary Access Pass %s: %s, starts %s, ends %s (%s).",
			usable, bot.UsageWord(p.UsableOnce), b.when(p.Start), b.when(p.Start.Add(minutes(p.LifetimeMinutes))), approvals.FormatMinutes(p.LifetimeMinutes)))
	}
	return strings.Join(lines, "\n\n")
}

func (b *Bot) revoke(ctx context.Context, who approvals.Principal, upn string) string {
	st, err := b.svc.Revoke(ctx, who, upn)
	if err != nil {
		return b.errorText(err)
	}
	if len(st.Passes) == 0 {
		return b.banner() + md(st.Target.UPN) + " had no Temporary Access Pass; nothing to revoke."
	}
	return b.banner() + fmt.Sprintf("🗑️ Revoked the Temporary Access Pass of %s. Deleting a valid pass also signs them out of their sessions.", md(st.Target.UPN))
}

func (b *Bot) listOpen(ctx context.Context, who approvals.Principal) string {
	open, err := b.svc.Open(ctx, who)
	if err != nil {
		return b.errorText(err)
	}
	if len(open) == 0 {
		return b.banner() + "No open requests."
	}
	lines := []string{fmt.Sprintf("%d open request(s):", len(open))}
	for _, r := range open {
		lines = append(lines, fmt.Sprintf("- **%s** %s for %s by %s, %s, expires %s",
			r.ID, stateWord(r), md(r.Target.UPN), nameOf(r.Requester), approvals.FormatMinutes(r.LifetimeMinutes), b.when(r.ExpiresAt)))
	}
	return b.banner() + strings.Join(lines, "\n\n")
}
