package slack

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// HandleEvent acts on an Events API event, from the HTTP endpoint or
// Socket Mode: app_home_opened publishes the opener's Home tab. Other
// events are ignored. The Home tab is published in the background, as
// Slack wants the event acknowledged within 3 seconds.
func (b *Bot) HandleEvent(_ context.Context, ev slackevents.EventsAPIEvent) {
	if ev.Type != slackevents.CallbackEvent {
		return
	}
	var user, tab string
	switch open := ev.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		user, tab = open.User, open.Tab
	case slackevents.AppHomeOpenedEvent:
		user, tab = open.User, open.Tab
	}
	if user == "" || tab != "home" {
		return
	}
	b.svc.Go(func(ctx context.Context) { b.publishHome(ctx, principal(user, ""), "") })
}

// pressHomeOrAskAgain serves a button press the approval card's dispatch
// does not: Ask again, wherever it is, and every press on the Home tab,
// whose outcome shows on the Home tab itself, republished (Slack sends no
// response_url from a view). It reports whether it took the press.
func (b *Bot) pressHomeOrAskAgain(cb slack.InteractionCallback, act *slack.BlockAction) bool {
	fromHome := cb.View.Type == slack.VTHomeTab
	if act.ActionID != actionAskAgain && !fromHome || fromHome && act.ActionID == actionDeny {
		return false // Deny asks why first, from the Home tab too (deny.go)
	}
	who := principal(cb.User.ID, cb.User.Name)
	if who.Name == "" {
		who.Name = cb.User.Username
	}
	b.svc.Go(func(ctx context.Context) {
		msg := b.homePress(ctx, act, who)
		if !fromHome {
			b.respond(ctx, cb.ResponseURL, msg, "request", act.Value)
			return
		}
		notice := ""
		if msg != nil {
			notice = msg.Text
		}
		b.publishHome(ctx, who, notice)
	})
	return true
}

// homePress carries out the press and returns what to tell the presser.
func (b *Bot) homePress(ctx context.Context, act *slack.BlockAction, who approvals.Principal) *slack.WebhookMessage {
	if act.ActionID == actionAskAgain {
		return b.askAgain(ctx, act.Value, who)
	}
	action, ok := pressActions[act.ActionID]
	if !ok {
		return nil
	}
	press := bot.Press{Action: action, RequestID: act.Value, By: who}
	if text := press.Do(ctx, b.svc, b.log, b.style()); text != "" {
		return b.reply(text)
	}
	return b.reply(homeDone[action] + " " + act.Value + ".")
}

// homeDone says what a press on the Home tab did, before the request id.
var homeDone = map[bot.Action]string{
	bot.ActionApprove: ":white_check_mark: You approved request",
	bot.ActionDeny:    ":x: You denied request",
	bot.ActionCancel:  ":leftwards_arrow_with_hook: You cancelled request",
	bot.ActionReissue: ":key: A new pass was sent to you privately for request",
}

// publishHome publishes who's Home tab, with notice (mrkdwn, already
// escaped) on top when it is not "". A failure is logged: the Home tab is
// a view of the requests, which stay as they are.
func (b *Bot) publishHome(ctx context.Context, who approvals.Principal, notice string) {
	h, err := b.svc.HomeOf(ctx, who)
	if err != nil {
		b.log.Warn("slack home tab not published: requests unreadable", "user", who.ID, "err", err)
		return
	}
	view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: b.homeBlocks(h, notice)}}
	if _, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: who.ID, View: view}); err != nil {
		b.log.Warn("slack home tab not published", "user", who.ID, "err", slackError("publish the Home tab", err))
	}
}

// homeBlocks draws a Home tab: "Your requests" with Cancel, Re-issue or
// Ask again where they apply, then "Waiting for your approval" with
// Approve and Deny. It never shows a pass.
func (b *Bot) homeBlocks(h approvals.Home, notice string) []slack.Block {
	var blocks []slack.Block
	if banner := b.banner(); banner != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(banner), nil, nil))
	}
	if notice != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(notice), nil, nil), slack.NewDividerBlock())
	}
	blocks = append(blocks, slack.NewActionBlock("home-request",
		slack.NewButtonBlockElement(actionOpenForm, "", plain("Request a pass"))),
		slack.NewHeaderBlock(plain("Your requests")))
	if len(h.Mine) == 0 {
		blocks = append(blocks, slack.NewContextBlock("mine-none", mrkdwn("You have no open requests and none from the last day. Ask for a pass with `/tap user@domain 1h reason`.")))
	}
	for _, r := range h.Mine {
		blocks = append(blocks, b.mineBlocks(r, h.Reissue[r.ID])...)
	}
	blocks = append(blocks, slack.NewDividerBlock(), slack.NewHeaderBlock(plain("Waiting for your approval")))
	if len(h.Waiting) == 0 {
		blocks = append(blocks, slack.NewContextBlock("waiting-none", mrkdwn("Nothing waits for your approval.")))
	}
	for _, r := range h.Waiting {
		blocks = append(blocks, b.waitingBlocks(r)...)
	}
	return blocks
}

// mineBlocks show one of the technician's own requests.
func (b *Bot) mineBlocks(r *approvals.Request, reissue bool) []slack.Block {
	st := b.style()
	text := fmt.Sprintf("*%s* for %s (%s)\n%s", r.ID, st.Bold(st.Escape(r.Target.DisplayName)), bot.Whom(r, st), bot.StatusLine(r, st))
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil)}
	var buttons []slack.BlockElement
	switch {
	case r.State == approvals.StatePending:
		buttons = append(buttons, slack.NewButtonBlockElement(actionCancel, r.ID, plain("Cancel request")))
	case r.State == approvals.StateExpired:
		buttons = append(buttons, slack.NewButtonBlockElement(actionAskAgain, r.ID, plain(askAgainButton)))
	case reissue:
		buttons = append(buttons, slack.NewButtonBlockElement(actionReissue, r.ID, plain("Re-issue the pass")))
	}
	if len(buttons) > 0 {
		blocks = append(blocks, slack.NewActionBlock("mine-"+r.ID, buttons...))
	}
	return blocks
}

// waitingBlocks show one request the technician may decide, with the
// facts the approval card leads with.
func (b *Bot) waitingBlocks(r *approvals.Request) []slack.Block {
	st := b.style()
	var facts []string
	for _, f := range bot.CardFacts(r, st) {
		facts = append(facts, "*"+f.Label+":* "+f.Value)
	}
	text := fmt.Sprintf("*%s*: <@%s> asks for a pass for %s (%s).\n%s\n*Reason:* %s\n%s",
		r.ID, r.Requester.ID, st.Bold(st.Escape(r.Target.DisplayName)), bot.Whom(r, st),
		st.List(facts), bot.CardReason(r, st), bot.StatusLine(r, st))
	approve := slack.NewButtonBlockElement(actionApprove, r.ID, plain("Approve"))
	approve.Style = slack.StylePrimary
	approve.Confirm = approveConfirm(r) // none when the callback modal confirms it
	deny := slack.NewButtonBlockElement(actionDeny, r.ID, plain("Deny"))
	deny.Style = slack.StyleDanger
	return []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil), slack.NewActionBlock("waiting-"+r.ID, approve, deny)}
}
