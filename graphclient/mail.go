package graphclient

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/tapbot/tapbot/approvals"
)

var _ approvals.Mailer = (*Client)(nil)

// SendMail sends m as plain text from the mailbox m.From (a UPN or object
// id) to m.To through Microsoft Graph, keeping a copy in the mailbox's Sent
// Items. A send Graph answered too late may be repeated by the retries, so
// the recipient may, rarely, get it twice; tapbot mails only notices.
//
// It returns EINVALID when From or To is empty; EPERMISSION when the app
// may not send as From, saying how to grant Mail.Send and restrict it to
// the mailbox with an application access policy (New-ApplicationAccessPolicy),
// or that such a policy leaves the mailbox out; ENOTFOUND when From is no
// mailbox in the tenant; EUNAVAILABLE when Graph does not answer in time.
func (c *Client) SendMail(ctx context.Context, m approvals.Mail) error {
	from, to := strings.TrimSpace(m.From), strings.TrimSpace(m.To)
	if from == "" || to == "" {
		return approvals.Errorf(approvals.EINVALID, "A mail needs the mailbox it is sent from and a recipient.")
	}
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	err := c.users.ByUserId(from).SendMail().Post(ctx, mailBody(to, m.Subject, m.Body), nil)
	if err != nil {
		return c.mailFailure(ctx, from, err)
	}
	return nil
}

// mailBody is the sendMail request for a plain-text message to one
// recipient.
func mailBody(to, subject, text string) users.ItemSendMailPostRequestBodyable {
	body := models.NewItemBody()
	contentType := models.TEXT_BODYTYPE
	body.SetContentType(&contentType)
	body.SetContent(&text)
	address := models.NewEmailAddress()
	address.SetAddress(&to)
	recipient := models.NewRecipient()
	recipient.SetEmailAddress(address)
	msg := models.NewMessage()
	msg.SetSubject(&subject)
	msg.SetBody(body)
	msg.SetToRecipients([]models.Recipientable{recipient})
	req := users.NewItemSendMailPostRequestBody()
	req.SetMessage(msg)
	save := true
	req.SetSaveToSentItems(&save)
	return req
}

// mailFailure explains a send Graph refused, in Exchange Online's terms.
func (c *Client) mailFailure(ctx context.Context, from string, err error) error {
	o := op{action: "send mail as " + from, purpose: "send mail", permission: permMail}
	f, ok := asGraphFailure(err)
	if !ok || ctx.Err() != nil {
		return c.fail(ctx, o, err)
	}
	var e *approvals.Error
	switch {
	case f.status == http.StatusForbidden && strings.Contains(f.message, "AccessPolicy"):
		e = approvals.Errorf(approvals.EPERMISSION,
			"An Exchange Online application access policy keeps tapbot from sending mail as %s. An Exchange administrator adds the mailbox to the policy's group; "+
				"Test-ApplicationAccessPolicy -Identity %s -AppId %s shows the outcome.", from, from, c.cfg.ClientID)
	case f.status == http.StatusForbidden:
		e = approvals.Errorf(approvals.EPERMISSION,
			"tapbot may not send mail as %s: its app registration lacks the Microsoft Graph application permission Mail.Send. "+
				"In the Entra admin center open Entra ID → App registrations → tapbot → API permissions → Add a permission → Microsoft Graph → "+
				"Application permissions, add Mail.Send, then press Grant admin consent. Mail.Send alone lets tapbot send as anyone in the tenant: "+
				"restrict it to this mailbox with an Exchange Online application access policy, "+
				"New-ApplicationAccessPolicy -AppId %s -PolicyScopeGroupId <a mail-enabled security group holding %s> -AccessRight RestrictAccess.",
			from, c.cfg.ClientID, from)
	case f.status == http.StatusNotFound:
		e = approvals.Errorf(approvals.ENOTFOUND,
			"tapbot cannot send mail from %s: Exchange Online knows no mailbox by that name (%s). Configure the address of a user or shared mailbox of the tenant.",
			from, f.describe())
	default:
		return c.fail(ctx, o, err)
	}
	e.Err = fmt.Errorf("%s: %w", o.action, err)
	return e
}
