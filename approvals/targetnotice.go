package approvals

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// TargetNotifier tells the person a pass was created for, on one chat
// platform, that it exists (VerifyPolicy.NotifyTarget). bot/teams may
// implement it on its Notifier, or it is given in Config.TargetNotifiers.
type TargetNotifier interface {
	// TellTarget sends text privately to r's target. Returns ENOTFOUND
	// when the bot cannot reach them on this platform. text never holds
	// the pass.
	TellTarget(ctx context.Context, r *Request, text string) error
}

// Where a target notice goes (TargetNoticeSent.Via).
const (
	NoticeByMail  = "mail"
	NoticeInTeams = "teams"
)

// tellTargetLater tells r's target, in the background, that a pass was
// created for them, when the policy of r's tenant asks for it. It is
// called once the pass is delivered, never before.
func (s *Service) tellTargetLater(r *Request) {
	pol := s.scopeOf(r)
	if !pol.Verify.NotifyTarget.set() {
		return
	}
	snap := *r
	s.Go(func(ctx context.Context) { s.tellTarget(ctx, pol, &snap) })
}

// tellTarget sends the notice by every way the policy names and records
// each outcome.
func (s *Service) tellTarget(ctx context.Context, pol *scope, r *Request) {
	n := pol.Verify.NotifyTarget
	text := targetNoticeText(r, n.Contact)
	var sent []TargetNoticeSent
	if n.MailFrom != "" {
		sent = append(sent, s.outcome(NoticeByMail, s.mailTarget(ctx, pol, r, n.MailFrom, text)))
	}
	if n.Teams {
		sent = append(sent, s.outcome(NoticeInTeams, s.chatTarget(ctx, NoticeInTeams, r, text)))
	}
	s.recordNotices(r, n.MailFrom, sent)
}

// outcome is one notice's record.
func (s *Service) outcome(via string, err error) TargetNoticeSent {
	o := TargetNoticeSent{Via: via, At: s.now()}
	if err != nil {
		o.Error = ErrorMessage(err)
	}
	return o
}

// mailTarget mails text to r's target from the mailbox from.
func (s *Service) mailTarget(ctx context.Context, pol *scope, r *Request, from, text string) error {
	m, ok := pol.graph.(Mailer)
	if !ok {
		return Errorf(EUNAVAILABLE, "this tapbot's Graph client cannot send mail")
	}
	return m.SendMail(ctx, Mail{From: from, To: r.Target.UPN, Subject: "A Temporary Access Pass was created for your account", Body: text})
}

// chatTarget tells r's target in the chat platform.
func (s *Service) chatTarget(ctx context.Context, platform string, r *Request, text string) error {
	tn := s.targetNotifiers[platform]
	if tn == nil {
		tn, _ = s.notifiers[platform].(TargetNotifier)
	}
	if tn == nil {
		return Errorf(EUNAVAILABLE, "this tapbot cannot message users in %s", platformTitle(platform))
	}
	return tn.TellTarget(ctx, r, text)
}

// recordNotices audits how the target was told: one target-notified event
// for the ways that worked, one target-not-notified for those that did not.
func (s *Service) recordNotices(r *Request, from string, sent []TargetNoticeSent) {
	var ok, failed []string
	for _, o := range sent {
		way := noticeWay(o.Via, from, r.Target.UPN)
		if o.Error == "" {
			ok = append(ok, way)
		} else {
			failed = append(failed, way+": "+o.Error)
		}
	}
	_, err := s.store.Update(r.ID, func(r *Request) (Change, error) {
		if r.Verify == nil {
			r.Verify = &Verification{}
		}
		r.Verify.Notices = append(r.Verify.Notices, sent...)
		var c Change
		at := s.now()
		if len(ok) > 0 {
			c.Events = append(c.Events, eventFor(EventTargetNotified, r, Principal{}, at, "told "+strings.Join(ok, " and ")))
		}
		if len(failed) > 0 {
			c.Events = append(c.Events, eventFor(EventTargetNotNotified, r, Principal{}, at, "not told "+strings.Join(failed, "; ")))
		}
		return c, nil
	})
	if err != nil {
		s.log.Error("target notice not recorded", "request", r.ID, "err", err)
	}
	if len(failed) > 0 {
		s.log.Warn("target not told of their pass", append(s.logTenant(r), "request", r.ID, "failed", strings.Join(failed, "; "))...)
	}
}

// noticeWay names a way of telling, for the audit log.
func noticeWay(via, from, to string) string {
	if via == NoticeByMail {
		return fmt.Sprintf("by mail from %s to %s", from, to)
	}
	return "in " + platformTitle(via)
}

// targetNoticeText is what the target is told: that a pass exists for
// their account, when and for how long, by which request and people, and
// whom to call if they did not ask for it. It is built from the request
// alone, which never holds the pass.
func targetNoticeText(r *Request, contact string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "A Temporary Access Pass was created for your account %s at %s. It is valid until %s", r.Target.UPN, longClock(r.PassStart), longClock(r.PassEnd))
	if r.UsableOnce {
		b.WriteString(" and works for one sign-in")
	}
	b.WriteString(".\n\n")
	fmt.Fprintf(&b, "Request: %s\nRequested by: %s\nApproved by: %s\n", r.ID, nameOf(&r.Requester), approverNames(r))
	if r.Reason != "" {
		fmt.Fprintf(&b, "Reason given: %s\n", r.Reason)
	}
	if r.Reissues > 0 {
		b.WriteString("It replaces a pass created earlier for the same request.\n")
	}
	b.WriteString("\nA Temporary Access Pass lets its holder sign in as you without your password or MFA, to set up a new phone or security key. If you asked for it, there is nothing to do.\n")
	fmt.Fprintf(&b, "If you did not ask for it, call %s at once.", contact)
	return b.String()
}

// longClock is a time as a notice shows it: "2026-11-22 10:00 UTC".
func longClock(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") }
