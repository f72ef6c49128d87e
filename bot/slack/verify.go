package slack

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// The callback modal: Approve on a request that needs a callback opens it,
// and submitting it with the box ticked approves the request with the
// callback recorded.
const (
	callbackCallback  = "tap_callback"        // callback_id of the modal
	callbackBlock     = "tap_callback_called" // block_id of its tick box
	callbackInput     = "called"              // action_id of the tick box
	callbackValue     = "called"              // the value of its one option
	callbackNoteBlock = "tap_callback_note"   // block_id of the note
	callbackNoteInput = "note"                // action_id of the note
)

// callbackMetadata is the modal's private_metadata: the request, and where
// to tell the approver of a refusal (a modal submission has no
// response_url): the click's response_url, or their Home tab.
type callbackMetadata struct {
	RequestID   string `json:"r"`
	ResponseURL string `json:"u,omitempty"`
	Home        bool   `json:"h,omitempty"`
}

// slackPhone links a directory number so that a phone dials it.
func slackPhone(shown, dial string) string {
	if dial == "" {
		return shown
	}
	return "<" + dial + "|" + shown + ">"
}

// verifyBlocks are the approval card's "Verify the caller" section, for
// approvers only; none when r carries neither facts nor steps.
func (b *Bot) verifyBlocks(r *approvals.Request) []slack.Block {
	st := b.style()
	lines := bot.VerifyLines(r, st, slackPhone)
	if len(lines) == 0 {
		return nil
	}
	return []slack.Block{slack.NewSectionBlock(mrkdwn(st.Bold(bot.VerifyHeading)+"\n"+st.List(lines)), nil, nil)}
}

// approveConfirm is the confirmation Slack shows before an Approve press
// goes out, or nil when the callback modal confirms it instead.
func approveConfirm(r *approvals.Request) *slack.ConfirmationBlockObject {
	if r.Verify.NeedsCallback() {
		return nil
	}
	return slack.NewConfirmationBlockObject(plain("Approve this pass?"),
		mrkdwn("A "+bot.UsageWord(r.UsableOnce)+" pass for "+bot.EscapeMrkdwn(r.Target.UPN)+" goes to <@"+r.Requester.ID+">."),
		plain("Approve"), plain("Back"))
}

// pressVerify takes the presses of end-user verification, wherever they
// are: Approve of a request that needs a callback, and a manager's answer
// (manager.go). It reports whether it took the press.
func (b *Bot) pressVerify(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) bool {
	switch {
	case isManagerAnswer(act.ActionID):
		b.answerManager(cb, act)
		return true
	case act.ActionID == actionApprove:
		return b.askCallback(ctx, cb, act.Value)
	}
	return false
}

// askCallback answers a press of Approve on request id when it needs the
// callback tick: once the presser may approve it, a modal asks for the
// tick, opened with the click's trigger id (valid 3 seconds, so before the
// click is acknowledged). A presser who may not approve is told why at
// once. It reports false, taking nothing, for a request without the step:
// the press then goes the usual way.
func (b *Bot) askCallback(ctx context.Context, cb slack.InteractionCallback, id string) bool {
	r, err := b.svc.Store().Get(id)
	if err != nil || !b.svc.NeedsCallback(r) {
		return false // the usual press explains an unknown request
	}
	who := presser(cb)
	home := cb.View.Type == slack.VTHomeTab
	if _, err := b.svc.MayApprove(ctx, id, who); err != nil {
		b.log.Info("button press refused", "action", "approve", "request", id, "user", who.Key(), "reason", approvals.ErrorCode(err))
		b.tellPresser(cb, home, who, bot.Refusal(err, b.style()))
		return true
	}
	meta, _ := json.Marshal(callbackMetadata{RequestID: id, ResponseURL: cb.ResponseURL, Home: home})
	if _, err := b.api.OpenViewContext(ctx, cb.TriggerID, b.callbackModal(r, string(meta))); err != nil {
		b.log.Warn("callback form not opened", "request", id, "err", err)
		b.tellPresser(cb, home, who, bot.Refusal(slackError("open the callback form", err), b.style())+" Press Approve again.")
	}
	return true
}

// tellPresser tells the presser alone, in the background: on their Home
// tab when they pressed there, else through the click's response_url.
func (b *Bot) tellPresser(cb slack.InteractionCallback, home bool, who approvals.Principal, text string) {
	if home {
		b.svc.Go(func(ctx context.Context) { b.publishHome(ctx, who, text) })
		return
	}
	b.later(cb.ResponseURL, func(context.Context) *slack.WebhookMessage { return b.reply(text) }, "user", who.ID)
}

// callbackModal asks the approver of r to tick that they called the user
// back on a directory number, and which, before the approval goes out.
// It shows the directory's numbers: the modal is the approver's alone.
func (b *Bot) callbackModal(r *approvals.Request, meta string) slack.ModalViewRequest {
	st := b.style()
	lines := bot.CardLines(r, st)
	box := slack.NewCheckboxGroupsBlockElement(callbackInput, slack.NewOptionBlockObject(callbackValue, plain(bot.CallbackTick), nil))
	note := slack.NewPlainTextInputBlockElement(plain(bot.CallbackNoteHint), callbackNoteInput)
	note.MaxLength = bot.MaxCallbackNote
	noteBlock := slack.NewInputBlock(callbackNoteBlock, plain(bot.CallbackNoteLabel), plain("It goes into the audit log and onto the card."), note)
	noteBlock.Optional = true
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackCallback, PrivateMetadata: meta,
		Title: plain("Approve " + r.ID), Submit: plain("Approve"), Close: plain("Back"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(mrkdwn(b.banner()+lines[0]+"\n"+lines[1]), nil, nil),
			slack.NewSectionBlock(mrkdwn(bot.CallbackAsk(r, st, slackPhone)), nil, nil),
			slack.NewInputBlock(callbackBlock, plain("Callback"), nil, box),
			noteBlock,
		}},
	}
}

// submitCallback answers the callback modal's submission: without the
// tick the modal stays open with why under the box and nothing is
// approved; with it the modal closes and the approval, callback recorded,
// runs in the background, a refusal told to the approver alone.
func (b *Bot) submitCallback(cb slack.InteractionCallback) *slack.ViewSubmissionResponse {
	var meta callbackMetadata
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || meta.RequestID == "" {
		b.log.Warn("callback form without its request ignored", "view", cb.View.ID)
		return nil
	}
	var values map[string]map[string]slack.BlockAction
	if cb.View.State != nil {
		values = cb.View.State.Values
	}
	ticked := slices.ContainsFunc(values[callbackBlock][callbackInput].SelectedOptions, func(o slack.OptionBlockObject) bool {
		return o.Value == callbackValue
	})
	if !ticked {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{callbackBlock: bot.CallbackUnticked})
	}
	who := presser(cb)
	press := bot.Press{Action: bot.ActionApprove, RequestID: meta.RequestID, By: who,
		Callback: &approvals.Callback{Called: true, Note: strings.TrimSpace(values[callbackNoteBlock][callbackNoteInput].Value)}}
	if meta.Home {
		b.svc.Go(func(ctx context.Context) {
			text := cmp.Or(press.Do(ctx, b.svc, b.log, b.style()), homeDone[bot.ActionApprove]+" "+meta.RequestID+".")
			b.publishHome(ctx, who, text)
		})
		return nil
	}
	b.later(meta.ResponseURL, func(ctx context.Context) *slack.WebhookMessage {
		return b.reply(press.Do(ctx, b.svc, b.log, b.style()))
	}, "request", meta.RequestID)
	return nil
}

// answer is a modal's answer, nil (which closes the modal) for none: a
// typed nil would answer "null".
func answer(r *slack.ViewSubmissionResponse) any {
	if r == nil {
		return nil
	}
	return r
}

// presser is who pressed or submitted in cb.
func presser(cb slack.InteractionCallback) approvals.Principal {
	return principal(cb.User.ID, cmp.Or(cb.User.Name, cb.User.Username))
}
