package teams

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// Button actions: the "action" of an Action.Submit's data, whose
// "requestId" names the request.
const (
	actionApprove = "approve"
	actionDeny    = "deny"
	actionCancel  = "cancel"
	actionDone    = "done" // the requester has copied the pass: remove it now
)

// adaptiveCardType is the content type of an Adaptive Card attachment.
const adaptiveCardType = "application/vnd.microsoft.card.adaptive"

// object is a JSON object of an Adaptive Card.
type object = map[string]any

// adaptiveCard wraps body and actions in an Adaptive Card 1.4 attachment
// as wide as Teams allows.
func adaptiveCard(body []any, actions ...any) schema.Attachment {
	card := object{
		"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"version": "1.4", "body": body, "msteams": object{"width": "Full"},
	}
	if len(actions) > 0 {
		card["actions"] = actions
	}
	return schema.Attachment{ContentType: adaptiveCardType, Content: card}
}

// textBlock is a wrapping TextBlock; text is Adaptive Card markdown, so
// anything a user typed in it must go through md, and is cut at
// bot.MaxBlockText as on Slack. extra sets more fields in pairs ("weight",
// "Bolder").
func textBlock(text string, extra ...any) object {
	o := object{"type": "TextBlock", "text": bot.Truncate(text, bot.MaxBlockText), "wrap": true}
	for i := 0; i+1 < len(extra); i += 2 {
		o[fmt.Sprint(extra[i])] = extra[i+1]
	}
	return o
}

// verbatim shows s exactly as it is, large and monospaced: a TextRun reads
// no markdown, so no character of s is taken for markup or escaped.
func verbatim(s string) object {
	return object{"type": "RichTextBlock", "inlines": []any{object{
		"type": "TextRun", "text": s, "fontType": "Monospace", "size": "ExtraLarge", "weight": "Bolder",
	}}}
}

func factSet(facts []bot.Fact) object {
	list := make([]any, len(facts))
	for i, f := range facts {
		list[i] = object{"title": f.Label, "value": f.Value}
	}
	return object{"type": "FactSet", "facts": list}
}

func submit(title, action, requestID, style string) object {
	o := object{"type": "Action.Submit", "title": title, "data": object{"action": action, "requestId": requestID}}
	if style != "" {
		o["style"] = style
	}
	return o
}

// cardBanner opens a card when passes are fake.
func (b *Bot) cardBanner() []any {
	if !b.cfg.Sandbox {
		return nil
	}
	return []any{textBlock(bot.SandboxNotice(b.style()), "color", "Attention")}
}

// approvalCard draws the approval card of r. Its first three text lines
// carry what an approver needs to decide (who asks for whom, the terms, the
// reason), so a phone shows them without scrolling; what varies less
// follows. It never shows the pass; buttons appear only while r is
// pending. Deny opens a reason input under the card (denyAction).
func (b *Bot) approvalCard(r *approvals.Request) schema.Attachment {
	st := b.style()
	lines := bot.CardLines(r, st)
	body := append(b.cardBanner(),
		textBlock("🔑 "+lines[0], "weight", "Bolder"),
		textBlock(lines[1]),
		textBlock(lines[2]),
	)
	if bot.ReasonClipped(r, st) {
		body = append(body, textBlock("**Reason**: "+bot.CardReason(r, st)))
	}
	body = append(body,
		factSet(bot.CardFacts(r, st)))
	body = append(body, b.verifyBody(r)...) // verify.go: for approvers only
	body = append(body,
		textBlock("Temporary Access Pass request "+r.ID, "isSubtle", true, "size", "Small"),
		textBlock(b.statusLine(r), "isSubtle", true),
	)
	if r.State != approvals.StatePending {
		return adaptiveCard(body)
	}
	return adaptiveCard(body, b.approveAction(r), b.denyAction(r))
}

// cardSummary is the notification text of the card (phones show it): the
// card's first lines in one, in plain text.
func (b *Bot) cardSummary(r *approvals.Request) string {
	return bot.Summary(r, bot.Style{
		Person: func(p approvals.Principal) string { return cmp.Or(p.Name, p.ID) },
		When:   b.when,
		Escape: func(s string) string { return s },
	})
}

// style is how Teams writes people, times, user text and markup.
func (b *Bot) style() bot.Style {
	return bot.Style{
		Person:  nameOf,
		When:    b.when,
		Escape:  md,
		Bold:    func(s string) string { return "**" + s + "**" },
		Bullet:  "- ",
		Break:   "\n\n", // Teams joins single line breaks
		Emoji:   bot.Icon.Unicode,
		Command: command,
	}
}

// statusLine says where the request is, in the words both platforms share.
func (b *Bot) statusLine(r *approvals.Request) string { return bot.StatusLine(r, b.style()) }

// waitingCard is the requester's receipt of a raised request, with the
// button that withdraws it.
func waitingCard(text, requestID string) schema.Attachment {
	return adaptiveCard([]any{textBlock(text)}, submit("Cancel request", actionCancel, requestID, ""))
}

// passCard shows the pass to its requester, with when and how it will be
// removed from the message. It is the only message that ever holds a pass.
// A pass shown at a Show pass press (offered) comes with Re-issue, which
// replaces it with a new one.
func (b *Bot) passCard(r *approvals.Request, p approvals.Pass, removeAt time.Time, offered bool) schema.Attachment {
	start := p.Start
	if start.IsZero() {
		start = r.PassStart
	}
	kind := bot.UsageWord(p.UsableOnce)
	body := append(b.cardBanner(),
		textBlock(md(bot.TenantTag(r))+fmt.Sprintf("🔑 Temporary Access Pass for **%s** (%s), request %s:", md(r.Target.DisplayName), md(r.Target.UPN), r.ID)),
		verbatim(p.Secret.Reveal()),
		textBlock(fmt.Sprintf("%s%s, %s, valid from %s until %s.", strings.ToUpper(kind[:1]), kind[1:],
			approvals.FormatMinutes(p.LifetimeMinutes), b.when(start), b.when(start.Add(minutes(p.LifetimeMinutes))))+" "+bot.ApprovedBy(r, b.style())),
		textBlock(bot.SignInHint(func(s string) string { return "**" + s + "**" })),
		textBlock(fmt.Sprintf("_Teams keeps messages, so tapbot removes the pass from this one at %s (in %s), or when you press Done. Copy it now and hand it over by phone or in person._",
			b.when(removeAt), span(b.cfg.RedactAfter)), "isSubtle", true),
	)
	actions := []any{submit("Done: remove the pass", actionDone, r.ID, "")}
	if offered {
		actions = append(actions, submit(reissueButton, actionReissue, r.ID, ""))
	}
	return adaptiveCard(body, actions...)
}

// removedCard replaces the pass card once the pass is removed; like the
// pass card, it names the customer tenant in MSP mode.
func (b *Bot) removedCard(p pendingRedaction, at time.Time) schema.Attachment {
	tag := bot.TenantTag(&approvals.Request{TenantName: p.TenantName})
	next := fmt.Sprintf("an approver can delete it (tap revoke %s) and you can ask for a new one.", md(p.TargetUPN))
	var actions []any
	if p.Offered {
		next = fmt.Sprintf("press **%s** for a new one, which replaces it, or have an approver delete it (tap revoke %s).", reissueButton, md(p.TargetUPN))
		actions = append(actions, submit(reissueButton, actionReissue, p.RequestID, ""))
	}
	return adaptiveCard(append(b.cardBanner(),
		textBlock(md(tag)+fmt.Sprintf("🔑 Temporary Access Pass for **%s** (%s), request %s", md(p.TargetName), md(p.TargetUPN), p.RequestID)),
		textBlock(fmt.Sprintf("The pass was removed from this message at %s. It stays valid until %s; if it did not reach its holder, %s",
			b.when(at), b.when(p.PassEnd), next)),
	), actions...)
}
