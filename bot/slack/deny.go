package slack

import (
	"cmp"
	"context"
	"encoding/json"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// The deny modal: Deny on the card opens it for a reason, and submitting it
// denies the request with that reason.
const (
	denyCallback = "tap_deny_reason" // callback_id of the modal
	denyBlock    = "tap_deny_reason" // block_id of its reason input
	denyInput    = "reason"          // action_id of that input
)

// denyMetadata is the modal's private_metadata: the request, and the
// response_url of the click that opened it, through which a refusal is
// told to the approver alone (a modal submission has none of its own).
type denyMetadata struct {
	RequestID   string `json:"r"`
	ResponseURL string `json:"u"`
}

// askDenyReason answers a press of Deny: once the presser may deny the
// request, a modal asks why, opened with the click's trigger id (Slack
// takes it for 3 seconds only, so this runs before the click is
// acknowledged). A presser who may not deny is told why at once, as any
// refused press is.
func (b *Bot) askDenyReason(ctx context.Context, cb slack.InteractionCallback, who approvals.Principal, id string) {
	r, err := b.svc.MayDeny(ctx, id, who)
	if err != nil {
		b.log.Info("button press refused", "action", "deny", "request", id, "user", who.Key(), "reason", approvals.ErrorCode(err))
		b.later(cb.ResponseURL, func(context.Context) *slack.WebhookMessage {
			return b.reply(bot.Refusal(err, b.style()))
		}, "request", id)
		return
	}
	meta, _ := json.Marshal(denyMetadata{RequestID: r.ID, ResponseURL: cb.ResponseURL})
	if _, err := b.api.OpenViewContext(ctx, cb.TriggerID, b.denyModal(r, string(meta))); err != nil {
		b.log.Warn("deny reason form not opened", "request", id, "err", err)
		b.later(cb.ResponseURL, func(context.Context) *slack.WebhookMessage {
			return b.reply(bot.Refusal(slackError("open the form for a reason", err), b.style()) +
				" Deny with `/tap deny " + r.ID + " <reason>` instead.")
		}, "request", id)
	}
}

// denyModal asks why r is denied. The reason is required when the policy
// says so; the request's first lines remind the approver what they deny.
func (b *Bot) denyModal(r *approvals.Request, meta string) slack.ModalViewRequest {
	required := b.svc.DenyReasonRequired(r)
	lines := bot.CardLines(r, b.style())
	input := slack.NewPlainTextInputBlockElement(plain("e.g. no ticket for this, call the user first"), denyInput)
	input.Multiline, input.MaxLength = true, bot.MaxReasonLen
	block := slack.NewInputBlock(denyBlock, plain("Why do you deny it?"), plain("The requester reads it, on the card and in their message."), input)
	block.Optional = !required
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: denyCallback, PrivateMetadata: meta,
		Title: plain("Deny " + r.ID), Submit: plain("Deny"), Close: plain("Back"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(mrkdwn(b.banner()+lines[0]+"\n"+lines[1]), nil, nil),
			block,
		}},
	}
}

// submitDenyReason answers the deny modal's submission: a required reason
// left blank is shown on the field and the modal stays open; otherwise the
// modal closes and the request is denied in the background, a refusal
// (someone decided first) told to the approver alone.
func (b *Bot) submitDenyReason(cb slack.InteractionCallback) *slack.ViewSubmissionResponse {
	var meta denyMetadata
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || meta.RequestID == "" {
		b.log.Warn("deny reason form without its request ignored", "view", cb.View.ID)
		return nil
	}
	reason := strings.TrimSpace(cb.View.State.Values[denyBlock][denyInput].Value)
	if reason == "" {
		if r, err := b.svc.Store().Get(meta.RequestID); err == nil && b.svc.DenyReasonRequired(r) {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{
				denyBlock: "Say why you deny it: the requester needs to know what to fix before asking again.",
			})
		}
	}
	who := principal(cb.User.ID, cmp.Or(cb.User.Name, cb.User.Username))
	press := bot.Press{Action: bot.ActionDeny, RequestID: meta.RequestID, By: who, Reason: reason}
	b.later(meta.ResponseURL, func(ctx context.Context) *slack.WebhookMessage {
		return b.reply(press.Do(ctx, b.svc, b.log, b.style()))
	}, "request", press.RequestID)
	return nil
}
