package teams

import (
	"context"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/bot"
)

// actionRequestForm is the "action" of the request form's Action.Submit.
const actionRequestForm = "tap_request_form"

// The ids of the form's start inputs; the other inputs are named bot.Field….
const (
	inputStartDate = "tap_start_date"
	inputStartTime = "tap_start_time"
)

// formPolicyBudget is how long drawing the form waits for the tenant's TAP
// policy before it offers the fixed choices.
const formPolicyBudget = 5 * time.Second

// sendForm answers act with the request form holding f, errs under its
// fields: the first time empty, after a refused submission with what was
// entered, since Adaptive Cards cannot show a server's errors on a card
// already sent.
func (b *Bot) sendForm(ctx context.Context, act schema.Activity, f bot.Form, errs bot.FieldErrors) {
	pctx, cancel := context.WithTimeout(ctx, formPolicyBudget)
	choices := bot.NewFormChoices(b.svc.FormPolicy(pctx))
	cancel()
	zone, why := b.zoneOf(act)
	text := b.banner() + "Fill in the request and press **Request**."
	if len(errs) > 0 {
		text = b.banner() + "Nothing was requested yet: put right what the form shows and press **Request** again."
	}
	b.say(ctx, activityRef(act), text, b.formCard(choices, f, errs, zoneLabel(zone, why)))
}

// zoneLabel names the zone the start's date and time are read in.
func zoneLabel(zone *time.Location, why string) string {
	if why != "" {
		return zone.String() + ", as " + why
	}
	return "your time zone, " + zone.String()
}

// formCard is the request form as an Adaptive Card. Each field keeps f's
// value, and an error of errs stands in red under its field.
func (b *Bot) formCard(c bot.FormChoices, f bot.Form, errs bot.FieldErrors, zone string) schema.Attachment {
	under := func(field string, inputs ...any) []any {
		if msg := errs[field]; msg != "" {
			inputs = append(inputs, textBlock("⚠️ "+md(msg), "color", "Attention", "spacing", "None"))
		}
		return inputs
	}
	body := append(b.cardBanner(), textBlock("🔑 Request a Temporary Access Pass", "weight", "Bolder", "size", "Medium"))
	body = append(body, under(bot.FieldUser, object{
		"type": "Input.Text", "id": bot.FieldUser, "label": "User (sign-in name)", "placeholder": "alice@contoso.com",
		"isRequired": true, "errorMessage": "Enter the user's sign-in name.", "maxLength": 200, "value": f.User,
	})...)
	body = append(body, under(bot.FieldLifetime, choiceSet(bot.FieldLifetime, "Activation duration", "compact", c.Lifetimes, f.Lifetime))...)
	body = append(body, under(bot.FieldUsage, choiceSet(bot.FieldUsage, "One-time use", "expanded", c.Usages, f.Usage))...)
	body = append(body, under(bot.FieldStart,
		textBlock("**Delayed start** (leave empty to start at once; "+md(zone)+")", "spacing", "Medium"),
		object{"type": "Input.Date", "id": inputStartDate, "value": f.StartDate},
		object{"type": "Input.Time", "id": inputStartTime, "value": f.StartTime},
	)...)
	body = append(body, under(bot.FieldReason, object{
		"type": "Input.Text", "id": bot.FieldReason, "label": "Reason", "placeholder": c.ReasonHint, "isMultiline": true,
		"maxLength": bot.MaxReasonLen, "isRequired": c.ReasonRequired, "errorMessage": "Say why the pass is needed.", "value": f.Reason,
	})...)
	return adaptiveCard(body, object{"type": "Action.Submit", "title": "Request", "style": "positive", "data": object{"action": actionRequestForm}})
}

// choiceSet is a one-choice Input.ChoiceSet of cs with value picked, the
// first choice when value is empty.
func choiceSet(id, label, style string, cs []bot.Choice, value string) object {
	choices := make([]any, len(cs))
	for i, c := range cs {
		choices[i] = object{"title": c.Label, "value": c.Value}
	}
	if value == "" {
		value = cs[0].Value
	}
	return object{"type": "Input.ChoiceSet", "id": id, "label": label, "style": style, "choices": choices, "value": value, "isRequired": true}
}

// submitForm checks a submitted request form with the typed grammar's
// rules and the policy's reason rule, in the submitter's time zone. A form
// with errors comes back with them under its fields and nothing is raised;
// one that passes is raised as a typed request is.
func (b *Bot) submitForm(act schema.Activity) {
	if act.From.AadObjectID == "" {
		b.log.Info("teams form submission without an Entra user ignored", "from", act.From.ID)
		return
	}
	field := func(id string) string { s, _ := act.Value[id].(string); return s }
	f := bot.Form{
		User: field(bot.FieldUser), Lifetime: field(bot.FieldLifetime), Usage: field(bot.FieldUsage),
		StartDate: field(inputStartDate), StartTime: field(inputStartTime), Reason: field(bot.FieldReason),
	}
	zone, why := b.zoneOf(act)
	cmd, errs := f.Command(b.svc.Now(), zone, b.svc)
	note := ""
	if why != "" && (f.StartDate != "" || f.StartTime != "") {
		note = bot.ZoneUnknown(zone, why, b.style())
	}
	who := principal(act.From.AadObjectID, act.From.Name)
	b.svc.GoFor(cmd.UPN, func(ctx context.Context) {
		if len(errs) > 0 {
			b.sendForm(ctx, act, f, errs)
			return
		}
		b.raise(ctx, act, who, cmd, note)
	})
}
