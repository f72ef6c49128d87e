package graphclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/internal/azcred"
)

// Application permissions, as the Entra admin center names them. The two
// for passes and the policy are the narrow ones; BroaderRoles lists the
// broader permissions Graph accepts in their stead.
const (
	permUsers       = "User.Read.All"
	permPasses      = "UserAuthMethod-TAP.ReadWrite.All"
	permPolicy      = "Policy.Read.AuthenticationMethod"
	permGroups      = "GroupMember.Read.All"
	permRoles       = "RoleManagement.Read.Directory"
	enableTAPAdvice = "An administrator can turn it on in the Entra admin center → Entra ID → Authentication methods → Policies → Temporary Access Pass → Enable (and make sure the target is all users or a group this user is in)."
)

// op describes a Graph call for the messages its failures produce.
type op struct {
	action     string // for the logged cause: "look up alice@contoso.com"
	purpose    string // for the technician: "look users up"
	permission string // the application permission the call needs
	user       string // the user the call is about; "" when none
}

// graphFailure is what Graph said when it refused a call.
type graphFailure struct {
	status  int
	code    string
	message string
}

// asGraphFailure extracts the status and Graph error body from an SDK error.
func asGraphFailure(err error) (graphFailure, bool) {
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		f := graphFailure{status: oe.GetStatusCode()}
		if main := oe.GetErrorEscaped(); main != nil {
			f.code, f.message = clip(deref(main.GetCode())), clip(deref(main.GetMessage()))
		}
		return f, true
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) && ae.ResponseStatusCode != 0 {
		return graphFailure{status: ae.ResponseStatusCode}, true
	}
	return graphFailure{}, false
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// fail turns any error from a call made under ctx into an *approvals.Error
// with a message a technician can act on. The cause is kept for the log.
func (c *Client) fail(ctx context.Context, o op, err error) *approvals.Error {
	cause := fmt.Errorf("%s: %w", o.action, err)
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		cause = fmt.Errorf("%s: %w: %w", o.action, ctxErr, err)
	}
	e := c.classify(ctx, o, err)
	e.Err = cause
	return e
}

func (c *Client) classify(ctx context.Context, o op, err error) *approvals.Error {
	var tokErr *azcred.TokenError
	isToken := errors.As(err, &tokErr)
	switch {
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return c.timeoutError(ctx, isToken)
	case isToken:
		return c.tokenFailure(tokErr.Err)
	}
	if f, ok := asGraphFailure(err); ok {
		return c.graphRefusal(o, f)
	}
	if isNetworkError(err) {
		return approvals.Errorf(approvals.EUNAVAILABLE,
			"Microsoft Graph is not answering (cannot reach %s: %s); try again in a minute.", c.graphHost(), rootCause(err))
	}
	return approvals.Errorf(approvals.EINTERNAL,
		"Microsoft Graph gave an answer tapbot does not understand while trying to %s; the operator can find the details in tapbot's log.", o.purpose)
}

func (c *Client) timeoutError(ctx context.Context, signingIn bool) *approvals.Error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return approvals.Errorf(approvals.EUNAVAILABLE, "The call to Microsoft Graph was cancelled before it finished; try again.")
	}
	if signingIn {
		return approvals.Errorf(approvals.EUNAVAILABLE,
			"Microsoft Entra ID sign-in is not answering (no token within %s from %s); try again in a minute.", c.cfg.Timeout, c.authorityHost())
	}
	return approvals.Errorf(approvals.EUNAVAILABLE,
		"Microsoft Graph is not answering (no answer within %s); try again in a minute.", c.cfg.Timeout)
}

// graphRefusal explains an error status from Graph.
func (c *Client) graphRefusal(o op, f graphFailure) *approvals.Error {
	switch {
	case f.status == 401:
		return approvals.Errorf(approvals.EPERMISSION,
			"Microsoft Graph refused tapbot's access token (%s). Check that the tenant id and cloud in tapbot's configuration match its app registration.", f.describe())
	case isPolicyRefusal(f):
		return approvals.Errorf(approvals.EINVALID,
			"The tenant's Temporary Access Pass policy does not allow a pass for %s. %s", o.user, enableTAPAdvice)
	case f.status == 403:
		return permissionError(o)
	case f.status == 404 && o.user != "":
		return approvals.Errorf(approvals.ENOTFOUND,
			"No user %s in the tenant. Check the spelling of the sign-in name (UPN).", o.user)
	case f.status == 429 || f.status >= 500:
		return approvals.Errorf(approvals.EUNAVAILABLE,
			"Microsoft Graph is not answering (%s); try again in a minute.", f.describe())
	}
	e := approvals.Errorf(approvals.EINVALID, "Microsoft Graph refused to %s (%s).", o.purpose, f.describe())
	if f.message != "" {
		e.Message = strings.TrimSuffix(e.Message, ".") + ": " + f.message
	}
	return e
}

// isPolicyRefusal recognises Graph's answer when the TAP policy is off or
// does not target the user.
func isPolicyRefusal(f graphFailure) bool {
	return (f.status == 400 || f.status == 403) && strings.Contains(f.message, "UserCredentialPolicy")
}

func (f graphFailure) describe() string {
	if f.code == "" {
		return fmt.Sprintf("HTTP %d", f.status)
	}
	return fmt.Sprintf("HTTP %d %s", f.status, f.code)
}

// permissionError names the missing application permission and how to
// grant it.
func permissionError(o op) *approvals.Error {
	return approvals.Errorf(approvals.EPERMISSION,
		"tapbot may not %s: its app registration lacks the Microsoft Graph application permission %s. "+
			"In the Entra admin center open Entra ID → App registrations → tapbot → API permissions → Add a permission → "+
			"Microsoft Graph → Application permissions, add %s, then press Grant admin consent.",
		o.purpose, o.permission, o.permission)
}

var aadstsPattern = regexp.MustCompile(`AADSTS\d+`)

// credentialAdvice is what to do about the Entra errors a misconfigured or
// expired credential produces, by AADSTS code.
var credentialAdvice = map[string]string{
	"AADSTS7000215": "Entra ID rejected tapbot's client secret (AADSTS7000215: invalid secret). Put the secret's Value, not its Secret ID, in tapbot's configuration, or create a new secret in the Entra admin center → Entra ID → App registrations → tapbot → Certificates & secrets.",
	"AADSTS7000222": "tapbot's client secret has expired (AADSTS7000222). Create a new one in the Entra admin center → Entra ID → App registrations → tapbot → Certificates & secrets and put its Value in tapbot's configuration.",
	"AADSTS700027":  "Entra ID rejected tapbot's certificate (AADSTS700027). Upload the certificate's public part in the Entra admin center → Entra ID → App registrations → tapbot → Certificates & secrets, and check the certificate file in tapbot's configuration.",
	"AADSTS700016":  "Entra ID does not know tapbot's application (client) id in this tenant (AADSTS700016). Check the client id in tapbot's configuration, or have a tenant administrator consent to tapbot.",
	"AADSTS90002":   "Entra ID does not know this tenant (AADSTS90002). Check the tenant id and the cloud in tapbot's configuration.",
}

// tokenFailure explains why no token could be had. Refusals are
// EPERMISSION (the configuration must change); outages EUNAVAILABLE.
func (c *Client) tokenFailure(err error) *approvals.Error {
	code := aadstsPattern.FindString(err.Error())
	if e := c.consentMissing(code); e != nil {
		return e
	}
	if advice, ok := credentialAdvice[code]; ok {
		return approvals.Errorf(approvals.EPERMISSION, "%s", advice)
	}
	var afe *azidentity.AuthenticationFailedError
	status := 0
	if errors.As(err, &afe) && afe.RawResponse != nil {
		status = afe.RawResponse.StatusCode
	}
	hint, unreachable := networkHint(err)
	switch {
	case status == 429 || status >= 500:
		return approvals.Errorf(approvals.EUNAVAILABLE,
			"Microsoft Entra ID sign-in at %s is not answering (%s); try again in a minute.", c.authorityHost(), tokenDetail(code, status, err))
	case status == 0 && unreachable:
		return approvals.Errorf(approvals.EUNAVAILABLE,
			"Microsoft Entra ID sign-in at %s is not answering (%s); check the network and proxy settings, then try again in a minute.", c.authorityHost(), hint)
	case status == 0 && !errors.As(err, &afe):
		return approvals.Errorf(approvals.EPERMISSION,
			"tapbot has no usable credential for Microsoft Graph: configure a client secret or a certificate, or run it with a managed identity.")
	}
	return approvals.Errorf(approvals.EPERMISSION,
		"Entra ID refused to give tapbot a token (%s). Check the tenant id, client id and credential in tapbot's configuration.", tokenDetail(code, status, err))
}

func tokenDetail(code string, status int, err error) string {
	switch {
	case code != "":
		return code
	case status != 0:
		return fmt.Sprintf("HTTP %d", status)
	}
	return rootCause(err)
}

// networkMarkers are the texts Go's network stack puts in errors that
// mean "could not talk to the server". azidentity reports them as text
// only, without the underlying error, so they are recognised by text.
var networkMarkers = []string{
	"connection refused", "no such host", "i/o timeout", "network is unreachable",
	"connection reset", "tls:", "x509:", "proxyconnect", "EOF",
}

// networkHint reports whether err means the server could not be reached,
// and the marker that says how.
func networkHint(err error) (string, bool) {
	text := err.Error()
	for _, m := range networkMarkers {
		if strings.Contains(text, m) {
			return strings.TrimSuffix(m, ":"), true
		}
	}
	if isNetworkError(err) {
		return rootCause(err), true
	}
	return "", false
}

func isNetworkError(err error) bool {
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue)
}

// rootCause is the innermost error's text, clipped: "connection refused",
// "tls: failed to verify certificate: …".
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return clip(err.Error())
		}
		err = next
	}
}

// maxOutsideText bounds what tapbot repeats of a text it did not write
// (Graph's error code and message, a network error): such text ends up in
// chat messages and on approval cards, which have size limits.
const maxOutsideText = 300

// clip cuts s to maxOutsideText characters, marking the cut with "…".
func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxOutsideText {
		return s
	}
	return string([]rune(s)[:maxOutsideText-1]) + "…"
}

func (c *Client) graphHost() string {
	if u, err := url.Parse(c.ep.GraphURL); err == nil {
		return u.Host
	}
	return c.ep.GraphURL
}

func (c *Client) authorityHost() string {
	if u, err := url.Parse(c.ep.AuthorityHost); err == nil {
		return u.Host
	}
	return c.ep.AuthorityHost
}
