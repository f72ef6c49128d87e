package verifiedid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/tapbot/tapbot/approvals"
)

// grantAdvice is how an administrator gives tapbot the permission.
const grantAdvice = "In the Entra admin center open Entra ID → App registrations → tapbot → API permissions → Add a permission → " +
	"APIs my organization uses → Verifiable Credentials Service Request → Application permissions, add " + Permission +
	", then press Grant admin consent."

// failure explains an error that left no answer from the Request Service:
// the sign-in failed, the network did, or time ran out.
func (c *Client) failure(ctx context.Context, err error) *approvals.Error {
	e := c.classify(ctx, err)
	e.Err = fmt.Errorf("create presentation request: %w", err)
	return e
}

func (c *Client) classify(ctx context.Context, err error) *approvals.Error {
	te, signingIn := isTokenError(err)
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return approvals.Errorf(approvals.EUNAVAILABLE, "The call to Entra Verified ID was cancelled before it finished; try again.")
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		return approvals.Errorf(approvals.EUNAVAILABLE,
			"Entra Verified ID is not answering (no answer within %s); try again in a minute.", c.cfg.Timeout)
	case signingIn:
		return tokenFailure(te.Err)
	case isNetworkError(err):
		return approvals.Errorf(approvals.EUNAVAILABLE,
			"Entra Verified ID is not answering (cannot reach %s); check the network and proxy settings, then try again in a minute.", host(c.cfg.Endpoint))
	}
	return approvals.Errorf(approvals.EINTERNAL, "tapbot could not send the Verified ID request; the operator can find the details in tapbot's log.")
}

var aadstsPattern = regexp.MustCompile(`AADSTS\d+`)

// tokenAdvice says what to do about the sign-in errors that mean the
// tenant is not ready for Verified ID, by AADSTS code.
var tokenAdvice = map[string]string{
	"AADSTS500011": "Entra ID does not know the Verifiable Credentials Service Request in this tenant (AADSTS500011): Verified ID is not set up here. " +
		"An administrator sets it up in the Entra admin center → Verified ID → Setup, then grants tapbot " + Permission + ".",
	"AADSTS65001":   "tapbot has no admin consent in this tenant (AADSTS65001). " + grantAdvice,
	"AADSTS7000229": "tapbot has no service principal in this tenant (AADSTS7000229): a tenant administrator has to consent to tapbot first.",
	"AADSTS700016":  "Entra ID does not know tapbot's application (client) id in this tenant (AADSTS700016). Check the client id in tapbot's configuration, or have a tenant administrator consent to tapbot.",
}

// tokenFailure explains why no token for the Request Service could be had:
// an outage is EUNAVAILABLE, anything else needs a configuration change
// (EPERMISSION).
func tokenFailure(err error) *approvals.Error {
	code := aadstsPattern.FindString(err.Error())
	if advice, ok := tokenAdvice[code]; ok {
		return approvals.Errorf(approvals.EPERMISSION, "%s", advice)
	}
	var afe *azidentity.AuthenticationFailedError
	status := 0
	if errors.As(err, &afe) && afe.RawResponse != nil {
		status = afe.RawResponse.StatusCode
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		return approvals.Errorf(approvals.EUNAVAILABLE, "Microsoft Entra ID sign-in is not answering (HTTP %d); try again in a minute.", status)
	case status == 0 && isNetworkError(err):
		return approvals.Errorf(approvals.EUNAVAILABLE, "Microsoft Entra ID sign-in cannot be reached; check the network and proxy settings, then try again in a minute.")
	}
	detail := code
	if detail == "" {
		detail = "no token"
	}
	return approvals.Errorf(approvals.EPERMISSION,
		"Entra ID would not give tapbot a token for Verified ID (%s). Check the client id, secret or certificate tapbot uses for this tenant.", detail)
}

// isNetworkError reports whether err is the network failing: a refused or
// reset connection, a name that does not resolve, a TLS handshake that
// fails.
func isNetworkError(err error) bool {
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF)
}

func host(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// refusal explains an error answer of the Request Service from its
// documented error body.
func refusal(resp *http.Response) *approvals.Error {
	se := readServiceError(resp)
	e := refusalMessage(resp.StatusCode, se)
	e.Err = fmt.Errorf("create presentation request: HTTP %d %s (request id %s, mscv %s)",
		resp.StatusCode, se.describe(), se.RequestID, se.MSCV)
	return e
}

func readServiceError(resp *http.Response) serviceError {
	var se serviceError
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(body, &se)
	return se
}

func refusalMessage(status int, se serviceError) *approvals.Error {
	why := se.reason()
	switch {
	case status == http.StatusUnauthorized:
		return approvals.Errorf(approvals.EPERMISSION,
			"Entra Verified ID refused tapbot's access token (%s). Check that tapbot's app registration is consented in this tenant and Verified ID is set up there.", why)
	case status == http.StatusForbidden:
		return approvals.Errorf(approvals.EPERMISSION,
			"tapbot may not ask Entra Verified ID for a Face Check (%s): its app registration lacks the application permission %s of the Verifiable Credentials Service Request. %s",
			why, Permission, grantAdvice)
	case status == http.StatusTooManyRequests || status >= 500:
		return approvals.Errorf(approvals.EUNAVAILABLE, "Entra Verified ID is not answering (HTTP %d%s); try again in a minute.", status, prefixed(" ", se.Error.Code))
	}
	return approvals.Errorf(approvals.EINVALID, "Entra Verified ID refused the presentation request: %s.%s", why, se.hint())
}

// reason is what the service said, for a technician: the inner message
// (the detail) when there is one, else the outer one, else the status.
func (se serviceError) reason() string {
	msg := se.Error.Message
	if ie := se.Error.InnerError; ie != nil && ie.Message != "" {
		msg = ie.Message
	}
	if msg == "" {
		return se.describe()
	}
	return clip(strings.TrimSuffix(msg, "."))
}

// hint points at the setting behind the field the service refused.
func (se serviceError) hint() string {
	if se.Error.InnerError == nil {
		return ""
	}
	target := strings.ToLower(se.Error.InnerError.Target)
	switch {
	case strings.Contains(target, "authority") || strings.Contains(target, "acceptedissuers"):
		return " Check the Verified ID authority in tapbot's configuration against the Entra admin center → Verified ID → Overview → Decentralized identifier."
	case strings.Contains(target, "callback"):
		return " Check tapbot's Verified ID callback URL: a public https:// address."
	case strings.Contains(target, "facecheck"):
		return " Check that the Face Check add-on is enabled (Entra admin center → Verified ID → Overview → Add-ons) and the policy's threshold is 50–100."
	}
	return ""
}

// describe is the codes, for logs: "badRequest/badOrMissingField".
func (se serviceError) describe() string {
	d := se.Error.Code
	if ie := se.Error.InnerError; ie != nil && ie.Code != "" {
		d += "/" + ie.Code
	}
	if d == "" {
		return "no error body"
	}
	return d
}

// prefixed is s after p, or "" when s is.
func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// clip keeps a service message to a length a chat message can carry.
func clip(s string) string {
	const max = 300
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
