package approvals

import (
	"context"
	"slices"
	"strings"
	"testing"
)

const deskContact = "the service desk on +1 555 0100"

func notifyHarness(t *testing.T, approvals int) *verifyHarness {
	return newVerifyHarness(t, func(p *Policy) {
		p.ApprovalsRequired = approvals
		p.Verify.NotifyTarget = TargetNotice{MailFrom: "it-security@contoso.com", Teams: true, Contact: deskContact}
	})
}

func TestTargetIsToldAfterDeliveryAndNeverGetsThePass(t *testing.T) {
	h := notifyHarness(t, 2)
	ctx := context.Background()
	r := h.raise(t, RaiseInput{Reason: "new phone, INC-4711"})
	if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	h.svc.work.wait()
	if len(h.graph.sent()) != 0 || len(h.teams.toldTexts()) != 0 {
		t.Fatal("the target was told before a pass existed")
	}
	got, err := h.svc.Approve(ctx, r.ID, appr2)
	if err != nil || got.State != StateDelivered {
		t.Fatalf("approve = %v, %v", got, err)
	}
	h.svc.work.wait()
	mails, told := h.graph.sent(), h.teams.toldTexts()
	if len(mails) != 1 || len(told) != 1 {
		t.Fatalf("mails %d, Teams messages %d; want 1 each", len(mails), len(told))
	}
	m := mails[0]
	if m.From != "it-security@contoso.com" || m.To != "alice@contoso.com" || m.Body != told[0] {
		t.Fatalf("mail = %+v", m)
	}
	for _, want := range []string{"for your account alice@contoso.com at 2026-11-22 10:00 UTC", "valid until 2026-11-22 11:00 UTC", r.ID, "Requested by: rita", "Approved by: anna, arno", "call " + deskContact + " at once"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("notice lacks %q:\n%s", want, m.Body)
		}
	}
	secret := h.chat.delivered[0].Secret.Reveal()
	if secret == "" || strings.Contains(m.Body, secret) || strings.Contains(m.Subject, secret) {
		t.Fatalf("the notice holds the pass %q:\n%s", secret, m.Body)
	}
	ev := h.auditEvent(t, EventTargetNotified)
	if ev.Detail != "told by mail from it-security@contoso.com to alice@contoso.com and in Teams" || ev.State != StateDelivered {
		t.Fatalf("notified event = %+v", ev)
	}
	if n := h.get(t, r.ID).Verify.Notices; len(n) != 2 || n[0].Via != NoticeByMail || n[1].Via != NoticeInTeams {
		t.Fatalf("notices recorded = %+v", n)
	}
	h.verifyAudit(t)
}

func TestTargetNoticeThatFailsIsAuditedWithWhy(t *testing.T) {
	h := notifyHarness(t, 1)
	h.graph.mailErr = Errorf(EPERMISSION, "tapbot may not send mail as it-security@contoso.com (Mail.Send).")
	h.teams.tellErr = Errorf(ENOTFOUND, "alice@contoso.com has no chat with the bot in Teams.")
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Approve(context.Background(), r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	h.svc.work.wait()
	ev := h.auditEvent(t, EventTargetNotNotified)
	for _, want := range []string{"by mail from it-security@contoso.com to alice@contoso.com: tapbot may not send mail", "in Teams: alice@contoso.com has no chat with the bot"} {
		if !strings.Contains(ev.Detail, want) {
			t.Errorf("not-notified detail %q lacks %q", ev.Detail, want)
		}
	}
	if slices.Contains(h.auditTypes(t), EventTargetNotified) {
		t.Fatal("a failed notice is audited as sent")
	}
	h.verifyAudit(t)
}

func TestUndeliveredPassIsNotAnnouncedToItsTarget(t *testing.T) {
	h := notifyHarness(t, 1)
	h.chat.deliverErr = errChat
	r := h.raise(t, RaiseInput{})
	got, _ := h.svc.Approve(context.Background(), r.ID, appr1)
	h.svc.work.wait()
	if got == nil || got.State != StateRevoked || len(h.graph.sent()) != 0 || len(h.teams.toldTexts()) != 0 {
		t.Fatalf("state %v, mails %d, Teams %d; want a revoked pass nobody was told of", got, len(h.graph.sent()), len(h.teams.toldTexts()))
	}
}
