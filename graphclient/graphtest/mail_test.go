package graphtest

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
)

func mailRequest(to ...string) map[string]any {
	var rcpts []any
	for _, a := range to {
		rcpts = append(rcpts, map[string]any{"emailAddress": map[string]any{"address": a}})
	}
	return map[string]any{"message": map[string]any{
		"subject":      "A Temporary Access Pass was created for your account",
		"body":         map[string]any{"contentType": "Text", "content": "If you did not ask for it, call the service desk."},
		"toRecipients": rcpts,
	}}
}

func TestSendMailIsAcceptedAndRecorded(t *testing.T) {
	f := newFixture(t)
	status, body := f.call("POST", "/users/carol@contoso.com/sendMail", mailRequest("alice@contoso.com"))
	if status != http.StatusAccepted || body != nil {
		t.Fatalf("sendMail: %d %v, want 202 and no body", status, body)
	}
	got := <-f.s.MailSent()
	want := SentMail{From: "carol@contoso.com", To: []string{"alice@contoso.com"}, Subject: "A Temporary Access Pass was created for your account",
		ContentType: "Text", Body: "If you did not ask for it, call the service desk.", SaveToSentItems: true, Sent: got.Sent}
	if got.From != want.From || !slices.Equal(got.To, want.To) || got.Subject != want.Subject || got.ContentType != want.ContentType ||
		got.Body != want.Body || !got.SaveToSentItems || got.Sent.IsZero() {
		t.Errorf("sent %+v\nwant %+v", got, want)
	}
	if mails := f.s.AllMails(); len(mails) != 1 || mails[0].Subject != want.Subject {
		t.Errorf("AllMails = %+v", mails)
	}
	req := mailRequest("bob@contoso.com")
	req["saveToSentItems"] = false
	f.call("POST", "/users/carol@contoso.com/sendMail", req)
	if m := <-f.s.MailSent(); m.SaveToSentItems {
		t.Error("saveToSentItems false was recorded as true")
	}
}

func TestSendMailRefusesAsExchangeOnlineDoes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		setup      func(f *fixture)
		mailbox    string
		body       map[string]any
		wantStatus int
		wantCode   string
	}{
		{"no Mail.Send", func(f *fixture) { f.s.SetRoles(DefaultRoles()...) }, "carol@contoso.com", mailRequest("alice@contoso.com"),
			http.StatusForbidden, "ErrorAccessDenied"},
		{"no such user", func(*fixture) {}, "helpdesk@contoso.com", mailRequest("alice@contoso.com"),
			http.StatusNotFound, "ErrorInvalidUser"},
		{"a user without a mailbox", func(f *fixture) { f.s.AddUser(User{UPN: "svc@contoso.com"}) }, "svc@contoso.com", mailRequest("alice@contoso.com"),
			http.StatusNotFound, "MailboxNotEnabledForRESTAPI"},
		{"a guest, whose mailbox is elsewhere", func(*fixture) {}, url.PathEscape("erin_fabrikam.com#EXT#@contoso.onmicrosoft.com"), mailRequest("alice@contoso.com"),
			http.StatusNotFound, "MailboxNotEnabledForRESTAPI"},
		{"a mailbox outside the application access policy", func(f *fixture) { f.s.SetApplicationAccessPolicy("dan@contoso.com") },
			"carol@contoso.com", mailRequest("alice@contoso.com"), http.StatusForbidden, "ErrorAccessDenied"},
		{"no recipient", func(*fixture) {}, "carol@contoso.com", mailRequest(), http.StatusBadRequest, "ErrorInvalidRecipients"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.setup(f)
			status, body := f.call("POST", "/users/"+tc.mailbox+"/sendMail", tc.body)
			if status != tc.wantStatus || errorCode(body) != tc.wantCode {
				t.Errorf("got %d %v, want %d %s", status, body, tc.wantStatus, tc.wantCode)
			}
			if n := len(f.s.Mails()); n != 0 {
				t.Errorf("a refused mail was recorded (%d)", n)
			}
		})
	}
}

func TestApplicationAccessPolicyLetsItsMailboxesSend(t *testing.T) {
	f := newFixture(t)
	f.s.SetApplicationAccessPolicy("carol@contoso.com")
	if status, body := f.call("POST", "/users/0b3a5f2e-1c4d-4e6f-8a9b-000000000c33/sendMail", mailRequest("alice@contoso.com")); status != http.StatusAccepted {
		t.Errorf("a mailbox in the policy, named by id: %d %v", status, body)
	}
	status, body := f.call("POST", "/users/dan@contoso.com/sendMail", mailRequest("alice@contoso.com"))
	if status != http.StatusForbidden || errorMessage(body) != accessPolicyMessage {
		t.Errorf("a mailbox outside the policy: %d %v", status, body)
	}
}
