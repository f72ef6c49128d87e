package slack

import (
	"context"
	"encoding/json"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/bot"
)

// The request form: a modal opened by /tap with no arguments and by the
// global shortcut "Request a Temporary Access Pass".
const (
	formCallbackID     = "tap_request_form"     // the modal's callback_id
	shortcutCallbackID = "tap_request_shortcut" // the global shortcut's, as in deploy/slack
)

// The action ids of the form's inputs; their block ids are bot.Field….
const (
	formActionUser     = "tap_user_input"
	formActionLifetime = "tap_lifetime_select"
	formActionUsage    = "tap_once_radio"
	formActionStart    = "tap_start_picker"
	formActionReason   = "tap_reason_input"
)

// formPolicyBudget is how long opening the form waits for the tenant's TAP
// policy (Graph caches it): Slack takes a trigger id for 3 seconds only,
// and a form with the fixed choices beats no form.
const formPolicyBudget = 1200 * time.Millisecond

// formMeta is the form's private_metadata: where to answer once the request
// is raised. Slack hands it back with the submission.
type formMeta struct {
	// ResponseURL is the /tap command's, so the receipt shows where the
	// technician typed; "" for the shortcut, whose receipt goes to their DM.
	ResponseURL string `json:"response_url,omitempty"`
}

// openForm opens the request form for user with triggerID. It returns
// Slack's refusal, worded for the technician.
func (b *Bot) openForm(ctx context.Context, triggerID string, meta formMeta) error {
	pctx, cancel := context.WithTimeout(ctx, formPolicyBudget)
	choices := bot.NewFormChoices(b.svc.FormPolicy(pctx))
	cancel()
	view := b.formView(choices, meta)
	if _, err := b.api.OpenViewContext(ctx, triggerID, view); err != nil {
		return slackError("open the request form", err)
	}
	return nil
}

// commandForm answers /tap with no arguments by opening the form. The
// answer is nil once it is open (Slack shows nothing more), and when it
// could not open says why and how to type the request instead.
func (b *Bot) commandForm(ctx context.Context, sc slack.SlashCommand) *slack.Msg {
	err := b.openForm(ctx, sc.TriggerID, formMeta{ResponseURL: sc.ResponseURL})
	if err == nil {
		return nil
	}
	b.log.Warn("request form not opened", "user", sc.UserID, "err", err)
	return ephemeral(b.banner() + formNotOpened(err) + "\n" + bot.EscapeMrkdwn(bot.Usage))
}

// actionOpenForm is the Home tab's "Request a pass" button: it opens the
// request form, as the global shortcut does.
const actionOpenForm = "tap_open_request_form"

// openFormFromButton opens the form for a press of actionOpenForm or the
// global shortcut; when it cannot open, the technician is told in their DM,
// the only place left to say it.
func (b *Bot) openFormFromButton(ctx context.Context, cb slack.InteractionCallback) {
	err := b.openForm(ctx, cb.TriggerID, formMeta{})
	if err == nil {
		return
	}
	b.log.Warn("request form not opened", "user", cb.User.ID, "err", err)
	b.svc.Go(func(ctx context.Context) {
		b.tellInDM(ctx, cb.User.ID, b.reply(formNotOpened(err)))
	})
}

// handleShortcut opens the form for the global shortcut. When it cannot
// open, the technician is told in their DM, the only place left to say it.
func (b *Bot) handleShortcut(ctx context.Context, cb slack.InteractionCallback) {
	if cb.CallbackID != shortcutCallbackID {
		return
	}
	b.openFormFromButton(ctx, cb)
}

// formNotOpened says the form did not open and what to do.
func formNotOpened(err error) string {
	return "The request form did not open (" + slackAdvice(err) + "). Try again, or type the request after /tap as below."
}

// formView is the request form's modal.
func (b *Bot) formView(c bot.FormChoices, meta formMeta) slack.ModalViewRequest {
	md, _ := json.Marshal(meta) // a struct of strings always marshals
	var blocks []slack.Block
	if banner := b.banner(); banner != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(banner), nil, nil))
	}
	blocks = append(blocks, formInputs(c)...)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: formCallbackID, PrivateMetadata: string(md),
		Title: plain("Temporary Access Pass"), Submit: plain("Request"), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// formInputs are the form's input blocks, in bot.FormFields order.
func formInputs(c bot.FormChoices) []slack.Block {
	user := slack.NewPlainTextInputBlockElement(plain("alice@contoso.com"), formActionUser).WithMaxLength(200)
	lifetime := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("How long"), formActionLifetime, options(c.Lifetimes)...).
		WithInitialOption(option(c.Lifetimes[0]))
	usage := slack.NewRadioButtonsBlockElement(formActionUsage, options(c.Usages)...)
	usage.InitialOption = option(c.Usages[0])
	reason := slack.NewPlainTextInputBlockElement(plain(c.ReasonHint), formActionReason).WithMultiline(true).WithMaxLength(bot.MaxReasonLen)
	return []slack.Block{
		slack.NewInputBlock(bot.FieldUser, plain("User (sign-in name)"), plain("The Entra sign-in name of the person who needs the pass."), user),
		slack.NewInputBlock(bot.FieldLifetime, plain("Activation duration"), nil, lifetime),
		slack.NewInputBlock(bot.FieldUsage, plain("One-time use"), nil, usage),
		slack.NewInputBlock(bot.FieldStart, plain("Delayed start"), plain("Leave it empty to start at once. The time is in your own time zone."),
			slack.NewDateTimePickerBlockElement(formActionStart)).WithOptional(true),
		slack.NewInputBlock(bot.FieldReason, plain("Reason"), nil, reason).WithOptional(!c.ReasonRequired),
	}
}

// options are a form's choices as Block Kit options.
func options(cs []bot.Choice) []*slack.OptionBlockObject {
	out := make([]*slack.OptionBlockObject, len(cs))
	for i, c := range cs {
		out[i] = option(c)
	}
	return out
}

func option(c bot.Choice) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(c.Value, plain(c.Label), nil)
}
