package slack

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// The buttons of the manager's DM; their value is the request id.
const (
	actionManagerConfirm = "tap_manager_confirm"
	actionManagerReject  = "tap_manager_reject"
)

var _ approvals.ManagerAsker = (*Bot)(nil)

func isManagerAnswer(actionID string) bool {
	return actionID == actionManagerConfirm || actionID == actionManagerReject
}

// AskManager asks manager, in their DM with the bot, to confirm that r is
// for their employee and that the employee asked for it, with Confirm and
// Reject buttons. The manager's Slack account is the one whose e-mail
// address is the manager's mail or, failing that, UPN
// (users.lookupByEmail, which needs users:read.email). Returns ENOTFOUND
// when no active Slack user has either address, and EUNAVAILABLE with
// Slack's error when Slack refuses the look-up or the message.
func (b *Bot) AskManager(ctx context.Context, r *approvals.Request, manager approvals.Person) (approvals.ManagerContact, error) {
	u, err := b.slackUserOf(ctx, manager)
	if err != nil {
		return approvals.ManagerContact{}, err
	}
	text := b.managerAskText(r)
	var channel, ts string
	err = b.inDM(ctx, u.ID, "ask the manager", func(dm string) error {
		var err error
		channel, ts, err = b.api.PostMessageContext(ctx, dm, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(managerAskBlocks(r, text)...))
		return err
	})
	if err != nil {
		return approvals.ManagerContact{}, err
	}
	b.log.Info("manager asked in slack", "request", r.ID, "user", u.ID)
	return approvals.ManagerContact{
		Principal: principal(u.ID, cmp.Or(u.RealName, u.Name)),
		Message:   approvals.MessageRef{Platform: Platform, Channel: channel, ID: ts},
	}, nil
}

// slackUserOf finds the active Slack user of the directory person p by
// their mail, then their UPN.
func (b *Bot) slackUserOf(ctx context.Context, p approvals.Person) (*slack.User, error) {
	var tried []string
	for _, addr := range []string{p.Mail, p.UPN} {
		if addr == "" || slices.ContainsFunc(tried, func(t string) bool { return strings.EqualFold(t, addr) }) {
			continue
		}
		tried = append(tried, addr)
		u, err := b.api.GetUserByEmailContext(ctx, addr)
		switch {
		case isUsersNotFound(err):
			continue
		case err != nil:
			return nil, slackError("look up "+addr, err)
		case u.Deleted || u.IsBot:
			continue
		}
		return u, nil
	}
	if len(tried) == 0 {
		return nil, approvals.Errorf(approvals.ENOTFOUND, "the directory gives %s no e-mail address to find them in Slack by", cmp.Or(p.DisplayName, p.ID))
	}
	return nil, approvals.Errorf(approvals.ENOTFOUND, "no active Slack user has the e-mail address %s", strings.Join(tried, " or "))
}

// isUsersNotFound reports whether Slack answered users_not_found (and
// user_not_found, which older docs of users.lookupByEmail name).
func isUsersNotFound(err error) bool {
	var se slack.SlackErrorResponse
	return errors.As(err, &se) && (se.Err == "users_not_found" || se.Err == "user_not_found")
}

// managerAskText is what the manager is asked, in mrkdwn.
func (b *Bot) managerAskText(r *approvals.Request) string {
	requester := bot.EscapeMrkdwn(cmp.Or(r.Requester.Name, r.Requester.ID))
	if r.Requester.Platform == Platform {
		requester = "<@" + r.Requester.ID + ">"
	}
	return b.banner() + bot.ManagerAsk(r, requester, b.style())
}

// managerAskBlocks are the ask with its Confirm and Reject buttons.
func managerAskBlocks(r *approvals.Request, text string) []slack.Block {
	confirm := slack.NewButtonBlockElement(actionManagerConfirm, r.ID, plain(bot.ManagerConfirmButton))
	confirm.Style = slack.StylePrimary
	reject := slack.NewButtonBlockElement(actionManagerReject, r.ID, plain(bot.ManagerRejectButton))
	reject.Style = slack.StyleDanger
	reject.Confirm = slack.NewConfirmationBlockObject(plain("Reject this pass?"),
		plain("The request is closed and no pass is created."), plain("Reject"), plain("Back"))
	return []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil), slack.NewActionBlock("manager", confirm, reject)}
}

// answerManager carries out a manager's Confirm or Reject in the
// background, as the Slack user who pressed it (the service checks that
// it is the manager), and redraws the ask with the outcome. A press that
// came too late redraws it with why; any other refusal goes to the
// presser alone and leaves the buttons.
func (b *Bot) answerManager(cb slack.InteractionCallback, act *slack.BlockAction) {
	who, confirm, id := presser(cb), act.ActionID == actionManagerConfirm, act.Value
	channel, ts := cb.Container.ChannelID, cb.Container.MessageTs
	b.svc.Go(func(ctx context.Context) {
		st := b.style()
		r, err := b.svc.ManagerDecide(ctx, id, who, confirm)
		switch {
		case err == nil:
			b.redrawAsk(ctx, channel, ts, bot.ManagerAnswered(r, confirm, st))
			return
		case r != nil && approvals.ErrorCode(err) == approvals.ECONFLICT:
			b.redrawAsk(ctx, channel, ts, bot.ManagerTooLate(r, err, st))
			return
		}
		b.log.Info("manager answer refused", "request", id, "user", who.Key(), "reason", approvals.ErrorCode(err))
		b.respond(ctx, cb.ResponseURL, b.reply(bot.Refusal(err, st)), "request", id)
	})
}

// redrawAsk replaces the manager's ask with text, without buttons.
func (b *Bot) redrawAsk(ctx context.Context, channel, ts, text string) {
	text = b.banner() + text
	_, _, _, err := b.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(text, false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(mrkdwn(text), nil, nil)))
	if err != nil {
		b.log.Warn("manager's ask not redrawn", "channel", channel, "err", slackError("update the manager's message", err))
	}
}
