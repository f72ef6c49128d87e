package graphclient

import (
	"net/url"
	"strings"

	"github.com/tapbot/tapbot/approvals"
)

// ConsentRedirect is the redirect URI tapbot's admin-consent links send the
// administrator back to: Entra's own "nativeclient" page on the authority
// host (https://login.microsoftonline.com/common/oauth2/nativeclient in
// the public cloud), which shows a blank page with admin_consent=True in
// the address bar. tapbot needs no web endpoint of its own for it, but the
// URI must be registered on the app (deploy/entra/create-app.sh does):
// Entra refuses a consent link whose redirect_uri the app does not list,
// and one without redirect_uri for an app with none registered ends in
// AADSTS900971 "No reply address provided".
func ConsentRedirect(authorityHost string) string {
	return authorityBase(authorityHost) + "common/oauth2/nativeclient"
}

// ConsentURL is the admin-consent link of the app clientID for the tenant
// tenantID at the Entra sign-in host authorityHost ("" is the public
// cloud's): a Global Administrator or Privileged Role Administrator of the
// tenant opens it, signs in and accepts, which grants the app its
// configured application permissions in that tenant. It is Entra's
// /{tenant}/adminconsent endpoint with the redirect_uri it requires;
// redirectURI "" means ConsentRedirect(authorityHost).
func ConsentURL(authorityHost, tenantID, clientID, redirectURI string) string {
	if redirectURI == "" {
		redirectURI = ConsentRedirect(authorityHost)
	}
	q := url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}}
	return authorityBase(authorityHost) + url.PathEscape(tenantID) + "/adminconsent?" + q.Encode()
}

func authorityBase(authorityHost string) string {
	if authorityHost == "" {
		authorityHost = clouds["global"].AuthorityHost
	}
	return strings.TrimRight(authorityHost, "/") + "/"
}

// consentCodes are the Entra errors a token request gets in a tenant whose
// administrator has not (or no longer) consented to the app: the app has no
// service principal there (AADSTS700016, and AADSTS7000229 for the client
// credentials flow), the permissions were not granted (AADSTS65001), or
// Microsoft Graph is not among the app's consented resources (AADSTS500011).
var consentCodes = map[string]bool{
	"AADSTS65001": true, "AADSTS700016": true, "AADSTS7000229": true, "AADSTS500011": true,
}

// consentMissing explains a refused token of a customer tenant's client
// whose code means missing consent: EPERMISSION naming the tenant and its
// admin-consent link. It returns nil for anything else, and for a
// single-tenant client, whose advice stays as it was (credentialAdvice).
func (c *Client) consentMissing(code string) *approvals.Error {
	if c.customer == nil || !consentCodes[code] {
		return nil
	}
	name := c.customer.label()
	return approvals.Errorf(approvals.EPERMISSION,
		"tapbot cannot sign in to tenant %s (%s): its administrator has not consented to tapbot's app (%s). "+
			"A Global Administrator or Privileged Role Administrator of %s must open this link, sign in and accept: %s",
		name, c.cfg.TenantID, code, name, c.ConsentURL())
}
