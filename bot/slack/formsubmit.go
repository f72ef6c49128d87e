package slack

import (
	"context"
	"encoding/json"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// viewSubmissions answer the submissions of tapbot's modals, by callback_id.
// Each returns the answer to the view_submission: nil closes the modal.
var viewSubmissions = map[string]func(b *Bot, ctx context.Context, cb slack.InteractionCallback) any{
	formCallbackID:   (*Bot).submitForm,
	callbackCallback: func(b *Bot, _ context.Context, cb slack.InteractionCallback) any { return answer(b.submitCallback(cb)) },
	denyCallback: func(b *Bot, _ context.Context, cb slack.InteractionCallback) any {
		if ans := b.submitDenyReason(cb); ans != nil { // a typed nil would answer "null"
			return ans
		}
		return nil
	},
}

// handleViewSubmission answers a modal's submission; Slack waits for the
// answer 3 seconds at most, so whatever needs Graph runs afterwards.
func (b *Bot) handleViewSubmission(ctx context.Context, cb slack.InteractionCallback) any {
	submit, ok := viewSubmissions[cb.View.CallbackID]
	if !ok {
		return nil
	}
	return submit(b, ctx, cb)
}

// submitForm checks the request form with the typed grammar's rules and
// the policy's reason rule. Errors go back under their fields and nothing
// is raised; a form that passes closes, and the request is raised in the
// background as a typed one is, the receipt (or refusal) going to where the
// form was opened from: the /tap command's channel, or the technician's DM.
func (b *Bot) submitForm(_ context.Context, cb slack.InteractionCallback) any {
	zone, _ := b.knownZone(cb.User.ID)
	cmd, errs := formOf(cb.View.State).Command(b.svc.Now(), zone, b.svc)
	if len(errs) > 0 {
		return slack.NewErrorsViewSubmissionResponse(errs)
	}
	who := principal(cb.User.ID, cb.User.Name)
	if who.Name == "" {
		who.Name = cb.User.Username
	}
	var meta formMeta
	_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta) // ours; unreadable means answer in the DM
	id := approvals.NewRequestID()
	b.svc.GoFor(cmd.UPN, func(ctx context.Context) {
		msg, raised := b.raise(ctx, id, who, cmd)
		if raised {
			b.warmDM(ctx, who.ID)
		}
		if meta.ResponseURL != "" {
			b.respond(ctx, meta.ResponseURL, msg, "request", id)
			return
		}
		b.tellInDM(ctx, who.ID, msg)
	})
	return nil
}

// formOf reads the form's fields from a submitted view's state.
func formOf(state *slack.ViewState) bot.Form {
	if state == nil {
		return bot.Form{}
	}
	value := func(block, action string) slack.BlockAction {
		if a, ok := state.Values[block][action]; ok {
			return a
		}
		return slack.BlockAction{}
	}
	f := bot.Form{
		User:     value(bot.FieldUser, formActionUser).Value,
		Lifetime: value(bot.FieldLifetime, formActionLifetime).SelectedOption.Value,
		Usage:    value(bot.FieldUsage, formActionUsage).SelectedOption.Value,
		Reason:   value(bot.FieldReason, formActionReason).Value,
	}
	if ts := value(bot.FieldStart, formActionStart).SelectedDateTime; ts != 0 {
		f.Start = time.Unix(ts, 0)
	}
	return f
}

// tellInDM posts msg to user's DM with the bot, where a form's answer goes
// when there is no response_url to answer through.
func (b *Bot) tellInDM(ctx context.Context, user string, msg *slack.WebhookMessage) {
	if msg == nil {
		return
	}
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false)}
	if msg.Blocks != nil {
		opts = append(opts, slack.MsgOptionBlocks(msg.Blocks.BlockSet...))
	}
	err := b.inDM(ctx, user, "answer the request form", func(dm string) error {
		_, _, err := b.api.PostMessageContext(ctx, dm, opts...)
		return err
	})
	if err != nil {
		b.log.Warn("the answer to a request form was not delivered", "user", user, "err", err)
	}
}
