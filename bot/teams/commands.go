package teams

import (
	"context"

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
	text := commandText(act.Text)
	if bot.AsksForForm(text) { // form.go
		b.svc.Go(func(ctx context.Context) { b.sendForm(ctx, act, bot.Form{}, nil) })
		return
	}
	zone, why := b.zoneOf(act)
	note := b.zoneNote(text, zone, why)
	cmd, err := bot.Parse(text, b.svc.Now(), zone)
	b.svc.GoFor(cmd.UPN, func(ctx context.Context) { // a slow tenant leaves the others workers
		if err != nil {
			b.say(ctx, here, b.banner()+b.style().Paragraphs(nonEmpty(bot.Unparsed(err, b.style()), note)...))
			return
		}
		b.run(ctx, act, who, cmd, note)
	})
}

// run carries out a parsed command for who and answers in act's thread;
// note (may be empty) goes with the first answer to a request.
func (b *Bot) run(ctx context.Context, act schema.Activity, who approvals.Principal, cmd bot.Command, note string) {
	here := activityRef(act)
	switch cmd.Verb {
	case bot.VerbHelp:
		b.say(ctx, here, b.banner()+usage())
	case bot.VerbRequest:
		b.raise(ctx, act, who, cmd, note)
	default:
		if text := bot.Answer(ctx, b.svc, who, cmd, b.style()); text != "" {
			b.say(ctx, here, b.banner()+text)
		}
	}
}

// raise asks the service for a pass. The requester must have a 1:1 chat
// with the bot, where the pass will go; without one nothing is raised and
// the answer says how to start it.
func (b *Bot) raise(ctx context.Context, act schema.Activity, who approvals.Principal, cmd bot.Command, note string) {
	here, st := activityRef(act), b.style()
	if _, err := b.ensurePersonal(ctx, act); err != nil {
		b.say(ctx, here, b.errorText(err))
		return
	}
	id := approvals.NewRequestID()
	b.say(ctx, here, b.banner()+st.Paragraphs(nonEmpty(bot.Checking(cmd.UPN, st), note)...))
	r, err := bot.Raise(ctx, b.svc, id, who, cmd)
	if err != nil {
		b.say(ctx, here, b.banner()+bot.NotRaised(cmd.UPN, err, st))
		return
	}
	b.say(ctx, here, b.banner(), waitingCard(bot.Waiting(r, "the approval channel", st), r.ID))
}

// nonEmpty is parts without the empty ones.
func nonEmpty(parts ...string) []string {
	out := parts[:0:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
