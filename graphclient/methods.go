package graphclient

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/tapbot/tapbot/approvals"
)

// recentMethods lists the authentication methods registered for the user
// at or after since, newest first. Graph gives phone, e-mail and software
// OATH methods no creation time, so they are never among them.
func (c *Client) recentMethods(ctx context.Context, userID string, since time.Time) (approvals.Methods, error) {
	rb := c.users.ByUserId(userID).Authentication().Methods()
	first, err := rb.Get(ctx, nil)
	out := approvals.Methods{Since: since}
	err = eachItem(first, err,
		func(next string) (models.AuthenticationMethodCollectionResponseable, error) {
			return rb.WithUrl(next).Get(ctx, nil)
		},
		func(m models.AuthenticationMethodable) {
			if d := describeMethod(m); !d.Created.IsZero() && !d.Created.Before(since) {
				out.Recent = append(out.Recent, d)
			}
		})
	if err != nil {
		why, err := c.unread(ctx, op{action: "list authentication methods of " + userID, purpose: "read users' authentication methods",
			permission: permMethods, user: userID}, err)
		return approvals.Methods{Checked: why, Since: since}, err
	}
	out.Checked = readOK
	slices.SortStableFunc(out.Recent, func(a, b approvals.Method) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// describeMethod says what a method is, in the words of the Entra admin
// center, with its device or key name and when it was registered. A phone
// is described by its kind, not its number, nor an e-mail method by its
// address: either may be the caller's own, and must not look like a
// number to call back on.
func describeMethod(m models.AuthenticationMethodable) approvals.Method {
	d := approvals.Method{Type: strings.TrimPrefix(deref(m.GetOdataType()), "#microsoft.graph.")}
	switch v := m.(type) {
	case *models.MicrosoftAuthenticatorAuthenticationMethod:
		d.Name, d.Detail, d.Created = "Microsoft Authenticator", deref(v.GetDisplayName()), deref(v.GetCreatedDateTime())
	case *models.Fido2AuthenticationMethod:
		d.Name, d.Detail, d.Created = "FIDO2 security key", deref(v.GetDisplayName()), deref(v.GetCreatedDateTime())
	case *models.WindowsHelloForBusinessAuthenticationMethod:
		d.Name, d.Detail, d.Created = "Windows Hello for Business", deref(v.GetDisplayName()), deref(v.GetCreatedDateTime())
	case *models.PlatformCredentialAuthenticationMethod:
		d.Name, d.Detail, d.Created = "platform credential", deref(v.GetDisplayName()), deref(v.GetCreatedDateTime())
	case *models.TemporaryAccessPassAuthenticationMethod:
		d.Name, d.Created = "Temporary Access Pass", deref(v.GetCreatedDateTime())
	case *models.PasswordAuthenticationMethod:
		d.Name, d.Created = "password", deref(v.GetCreatedDateTime())
	case *models.PhoneAuthenticationMethod:
		d.Name, d.Detail = "phone", enumText(v.GetPhoneType())
	case *models.EmailAuthenticationMethod:
		d.Name = "e-mail"
	case *models.SoftwareOathAuthenticationMethod:
		d.Name = "software OATH token"
	default:
		d.Name = d.Type
	}
	d.Detail = clip(d.Detail)
	return d
}
