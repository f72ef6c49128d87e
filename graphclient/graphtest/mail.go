package graphtest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// SentMail is a message the fake accepted on POST /users/{mailbox}/sendMail,
// as its JSON body gave it, so tests can read what was sent and scan it.
type SentMail struct {
	From            string   // the sending mailbox's address (its user's mail)
	To              []string // the toRecipients' addresses
	Subject         string
	ContentType     string // the body's contentType as sent: "text" or "html", any case
	Body            string
	SaveToSentItems bool // as sent; Graph's default, when omitted, is true
	Sent            time.Time
}

// permSendMail are the permissions of sendMail as an application.
var permSendMail = []string{"Mail.Send"}

// mailMessages are what Exchange Online answers sendMail with when it
// refuses, as apps calling it report them.
const (
	accessDeniedMessage = "Access is denied. Check credentials and try again."
	accessPolicyMessage = "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings."
	noMailboxMessage    = "The mailbox is either inactive, soft-deleted, or is hosted on-premise."
	noRecipientsMessage = "At least one recipient isn't valid., A message can't be sent because it contains no recipients."
)

// mailBuffer is how many sent mails MailSent holds before it drops them.
const mailBuffer = 1000

// Mails returns every message the tenant's mailboxes sent through Graph,
// in the order sent.
func (s *Tenant) Mails() []SentMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SentMail, len(s.mails))
	for i, m := range s.mails {
		m.To = slices.Clone(m.To)
		out[i] = m
	}
	return out
}

// MailSent receives each message as it is accepted (the first thousand),
// so a test can wait for a mail that is sent after the action it took.
func (s *Tenant) MailSent() <-chan SentMail { return s.mailSent }

// AllMails returns the messages sent in every tenant, the default one's
// first, then the added ones' in no set order: what a leak scan must read.
func (s *Server) AllMails() []SentMail { return everyTenant(s, (*Tenant).Mails) }

// SetApplicationAccessPolicy restricts the app's Mail.Send to the listed
// mailboxes (ids, UPNs or addresses), as an Exchange Online application
// access policy with RestrictAccess does (New-ApplicationAccessPolicy);
// sending as any other mailbox is refused with 403 ErrorAccessDenied.
// No mailboxes removes the policy: the app may send as anyone.
func (s *Tenant) SetApplicationAccessPolicy(mailboxes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mailPolicy = slices.Clone(mailboxes)
}

// mailBody is the sendMail request body, in the JSON form.
type mailBody struct {
	Message struct {
		Subject string `json:"subject"`
		Body    struct {
			ContentType string `json:"contentType"`
			Content     string `json:"content"`
		} `json:"body"`
		ToRecipients []struct {
			EmailAddress struct {
				Address string `json:"address"`
			} `json:"emailAddress"`
		} `json:"toRecipients"`
	} `json:"message"`
	SaveToSentItems *bool `json:"saveToSentItems"`
}

// serveSendMail answers POST /users/{mailbox}/sendMail with 202 Accepted
// and no body, and records the message. It checks as Exchange Online does:
// the Mail.Send permission, that the user exists, the application access
// policy, that the user has a mailbox (a member with a mail address), and
// that the message has a recipient.
func (s *Tenant) serveSendMail(w http.ResponseWriter, r *http.Request, key string) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "BadRequest", "The HTTP method '"+r.Method+"' is not allowed here.")
		return
	}
	if !s.granted(permSendMail) {
		writeError(w, http.StatusForbidden, "ErrorAccessDenied", accessDeniedMessage)
		return
	}
	var b mailBody
	if err := readJSON(r, &b); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload: "+err.Error())
		return
	}
	from, status, code, msg := s.mailbox(key)
	if status != 0 {
		writeError(w, status, code, msg)
		return
	}
	m, ok := sentMail(from, b, s.now())
	if !ok {
		writeError(w, http.StatusBadRequest, "ErrorInvalidRecipients", noRecipientsMessage)
		return
	}
	s.recordMail(m)
	w.WriteHeader(http.StatusAccepted)
}

// mailbox finds the address of the mailbox key names, or the refusal.
func (s *Tenant) mailbox(key string) (string, int, string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUser(key)
	switch {
	case u == nil:
		return "", http.StatusNotFound, "ErrorInvalidUser", "The requested user '" + key + "' is invalid."
	case len(s.mailPolicy) > 0 && !slices.ContainsFunc(s.mailPolicy, u.is):
		return "", http.StatusForbidden, "ErrorAccessDenied", accessPolicyMessage
	case u.Mail == "" || u.UserType == "Guest":
		return "", http.StatusNotFound, "MailboxNotEnabledForRESTAPI", noMailboxMessage
	}
	return u.Mail, 0, "", ""
}

// is reports whether key is the user's id, UPN or mail, ignoring case.
func (u *User) is(key string) bool {
	return strings.EqualFold(u.ID, key) || strings.EqualFold(u.UPN, key) || (u.Mail != "" && strings.EqualFold(u.Mail, key))
}

// sentMail is the message b asks for, or false when it has no recipient.
func sentMail(from string, b mailBody, now time.Time) (SentMail, bool) {
	m := SentMail{From: from, Subject: b.Message.Subject, ContentType: b.Message.Body.ContentType,
		Body: b.Message.Body.Content, SaveToSentItems: b.SaveToSentItems == nil || *b.SaveToSentItems, Sent: now}
	for _, rcpt := range b.Message.ToRecipients {
		if a := strings.TrimSpace(rcpt.EmailAddress.Address); a != "" {
			m.To = append(m.To, a)
		}
	}
	return m, len(m.To) > 0
}

func (s *Tenant) recordMail(m SentMail) {
	s.mu.Lock()
	s.mails = append(s.mails, m)
	s.mu.Unlock()
	m.To = slices.Clone(m.To)
	select {
	case s.mailSent <- m:
	default:
	}
}
