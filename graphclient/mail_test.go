package graphclient_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

var notice = approvals.Mail{From: "carol@contoso.com", To: "alice@contoso.com",
	Subject: "A Temporary Access Pass was created for your account",
	Body:    "Request r-17, approved by Dan Duarte. If you did not ask for it, call the service desk on +1 425 555 0100."}

func TestSendMailSendsPlainTextFromTheMailboxAndKeepsACopy(t *testing.T) {
	e := newEnv(t)
	if err := e.c.SendMail(context.Background(), notice); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	mails := e.s.Mails()
	if len(mails) != 1 {
		t.Fatalf("%d mails sent, want 1", len(mails))
	}
	m := mails[0]
	if m.From != "carol@contoso.com" || !slices.Equal(m.To, []string{"alice@contoso.com"}) || m.Subject != notice.Subject ||
		m.Body != notice.Body || !strings.EqualFold(m.ContentType, "text") || !m.SaveToSentItems {
		t.Errorf("sent %+v, want %+v as plain text kept in Sent Items", m, notice)
	}
}

func TestSendMailRefusalsSayWhatToDo(t *testing.T) {
	all := append(graphtest.DefaultRoles(), graphtest.VerificationRoles()...)
	for _, tc := range []struct {
		name  string
		setup func(*env)
		from  string
		code  string
		parts []string
	}{
		{"no Mail.Send", func(e *env) {
			e.s.SetRoles(slices.DeleteFunc(slices.Clone(all), func(r string) bool { return r == "Mail.Send" })...)
		}, "carol@contoso.com", approvals.EPERMISSION,
			[]string{"Mail.Send", "Grant admin consent", "New-ApplicationAccessPolicy -AppId " + clientID, "RestrictAccess"}},
		{"a mailbox the access policy leaves out", func(e *env) { e.s.SetApplicationAccessPolicy("dan@contoso.com") },
			"carol@contoso.com", approvals.EPERMISSION, []string{"application access policy", "carol@contoso.com", "Test-ApplicationAccessPolicy"}},
		{"no such user", func(*env) {}, "helpdesk@contoso.com", approvals.ENOTFOUND, []string{"helpdesk@contoso.com", "ErrorInvalidUser"}},
		{"a user without a mailbox", func(e *env) { e.s.AddUser(graphtest.User{UPN: "svc@contoso.com", AccountEnabled: true}) },
			"svc@contoso.com", approvals.ENOTFOUND, []string{"svc@contoso.com", "MailboxNotEnabledForRESTAPI"}},
		{"Graph not answering", func(e *env) { e.s.Fail("sendMail", "", http.StatusServiceUnavailable, "serviceNotAvailable", 100) },
			"carol@contoso.com", approvals.EUNAVAILABLE, []string{"Microsoft Graph is not answering"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tc.setup(e)
			m := notice
			m.From = tc.from
			wantError(t, e.c.SendMail(context.Background(), m), tc.code, tc.parts...)
			if n := len(e.s.Mails()); n != 0 {
				t.Errorf("%d mails sent", n)
			}
		})
	}
}

func TestSendMailWithoutSenderOrRecipientIsInvalidWithoutACall(t *testing.T) {
	e := newEnv(t)
	for _, m := range []approvals.Mail{{From: "carol@contoso.com", To: " "}, {To: "alice@contoso.com"}} {
		wantError(t, e.c.SendMail(context.Background(), m), approvals.EINVALID, "recipient")
	}
	if n := len(e.s.Requests()); n != 0 {
		t.Errorf("%d Graph calls", n)
	}
}
