package verifiedid

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/internal/azcred"
)

// The Request Service's facts, as its documentation gives them.
const (
	// DefaultEndpoint is where the Request Service answers, for every
	// tenant: the token's tid says whose request it is.
	DefaultEndpoint = "https://verifiedid.did.msidentity.com"
	// AppID is the Request Service's application, "Verifiable Credentials
	// Service Request", the resource its permissions belong to.
	AppID = "3db474b9-6a0c-4840-96ac-1fceb342124f"
	// Scope is what a token for the Request Service is asked for.
	Scope = AppID + "/.default"
	// Permission is the application permission a presentation request needs.
	Permission = "VerifiableCredential.Create.PresentRequest"
	// CredentialType is the credential asked for: the one MyAccount issues
	// from the user's directory profile, photo included.
	CredentialType = "VerifiedEmployee"
	// PhotoClaim is the VerifiedEmployee claim that holds the photo Face
	// Check compares the selfie with.
	PhotoClaim = "photo"
	// DefaultThreshold is the Face Check score the Request Service demands
	// when a request names none.
	DefaultThreshold = 70

	createPath       = "/v1.0/verifiableCredentials/createPresentationRequest"
	defaultTimeout   = 30 * time.Second
	defaultName      = "tapbot"
	thresholdFloor   = 50
	thresholdCeiling = 100
)

// Config says how tapbot asks one tenant's Verified ID for presentations.
type Config struct {
	// Credential signs tapbot in to the tenant: the per-tenant credential
	// tapbot builds for Graph (internal/azcred) serves here too.
	Credential azcore.TokenCredential
	// Authority is the tenant's verifier DID (Entra admin center →
	// Verified ID → Overview → Decentralized identifier), e.g.
	// did:web:verifiedid.contoso.com. Only credentials it issued are
	// accepted.
	Authority string
	// CallbackURL is the public HTTPS address of the CallbackHandler.
	// Plain HTTP is allowed only to a loopback address, for tests.
	CallbackURL string
	// APIKey is sent with the request and comes back on every callback,
	// where CallbackHandler checks it.
	APIKey string
	// ClientName is the verifier's name Authenticator shows; "" = "tapbot".
	ClientName string
	// Endpoint is the Request Service's base URL; "" = DefaultEndpoint.
	// It must be HTTPS: the request carries a bearer token.
	Endpoint string
	// Transport carries the calls; nil is Go's default client. An
	// *http.Client is one.
	Transport policy.Transporter
	// Retry bounds azcore's retries of throttled or failed calls (it
	// honours Retry-After); the zero value is azcore's default.
	Retry policy.RetryOptions
	// Timeout bounds one StartPresentation, retries included; 0 = 30s.
	Timeout time.Duration
}

// Client starts presentation requests in one tenant. It is safe for
// concurrent use.
type Client struct {
	cfg      Config
	endpoint string
	pipeline runtime.Pipeline
}

// New checks cfg and builds a Client; it makes no network call. Returns
// EINVALID, saying what to set, when cfg is incomplete.
func New(cfg Config) (*Client, error) {
	if err := checkConfig(&cfg); err != nil {
		return nil, err
	}
	bearer := runtime.NewBearerTokenPolicy(azcred.Marked(cfg.Credential, "Verified ID"), []string{Scope}, nil)
	pl := runtime.NewPipeline("verifiedid", "v1", runtime.PipelineOptions{PerRetry: []policy.Policy{bearer}},
		&policy.ClientOptions{Transport: cfg.Transport, Retry: cfg.Retry})
	return &Client{cfg: cfg, endpoint: strings.TrimSuffix(cfg.Endpoint, "/") + createPath, pipeline: pl}, nil
}

// checkConfig fills in the defaults and refuses what cannot work.
func checkConfig(cfg *Config) error {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.ClientName == "" {
		cfg.ClientName = defaultName
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	switch {
	case cfg.Credential == nil:
		return approvals.Errorf(approvals.EINVALID, "Verified ID needs tapbot's app credential for the tenant; none is configured.")
	case !strings.HasPrefix(cfg.Authority, "did:"):
		return approvals.Errorf(approvals.EINVALID,
			"The Verified ID authority %q is not a DID. Copy the tenant's Decentralized identifier (did:web:…) from the Entra admin center → Verified ID → Overview.", cfg.Authority)
	case cfg.APIKey == "":
		return approvals.Errorf(approvals.EINVALID, "Verified ID needs an API key for its callbacks; set one (a long random string).")
	case !isHTTPS(cfg.Endpoint, false):
		return approvals.Errorf(approvals.EINVALID, "The Verified ID endpoint %q must be an https:// URL.", cfg.Endpoint)
	case !isHTTPS(cfg.CallbackURL, true):
		return approvals.Errorf(approvals.EINVALID,
			"The Verified ID callback URL %q must be a public https:// URL of tapbot that the Request Service can reach.", cfg.CallbackURL)
	}
	return nil
}

// isHTTPS reports whether raw is an absolute https URL, or, with
// loopbackHTTP, a plain http URL to a loopback address.
func isHTTPS(raw string, loopbackHTTP bool) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return loopbackHTTP && u.Scheme == "http" && ip != nil && ip.IsLoopback()
}

// StartPresentation asks the Request Service for a presentation request:
// the target's VerifiedEmployee credential, issued by the tenant's
// authority, not revoked, from a verified linked domain, with a Face Check
// of at least ask.MatchConfidenceThreshold (0 = DefaultThreshold). The
// result comes later to the CallbackHandler, carrying ask.State.
//
// Returns EINVALID when the ask is incomplete or the service refuses the
// request (the message says what is wrong), EPERMISSION when tapbot may not
// ask (the message names the permission or the sign-in problem), and
// EUNAVAILABLE when Entra cannot be reached or is failing.
func (c *Client) StartPresentation(ctx context.Context, ask approvals.PresentationAsk) (approvals.Presentation, error) {
	body, err := c.requestBody(ask)
	if err != nil {
		return approvals.Presentation{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	resp, err := c.post(ctx, body)
	if err != nil {
		return approvals.Presentation{}, c.failure(ctx, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if !runtime.HasStatusCode(resp, http.StatusCreated, http.StatusOK) {
		return approvals.Presentation{}, refusal(resp)
	}
	return presentation(resp)
}

func (c *Client) post(ctx context.Context, body presentationRequest) (*http.Response, error) {
	req, err := runtime.NewRequest(ctx, http.MethodPost, c.endpoint)
	if err != nil {
		return nil, err
	}
	if err := runtime.MarshalAsJSON(req, body); err != nil {
		return nil, err
	}
	return c.pipeline.Do(req)
}

// requestBody is the documented payload for ask. Returns EINVALID when ask
// lacks its state or asks for a threshold the service refuses.
func (c *Client) requestBody(ask approvals.PresentationAsk) (presentationRequest, error) {
	threshold := ask.MatchConfidenceThreshold
	if threshold == 0 {
		threshold = DefaultThreshold
	}
	switch {
	case ask.State == "":
		return presentationRequest{}, approvals.Errorf(approvals.EINVALID, "A Verified ID request needs a state to recognise its callbacks by.")
	case threshold < thresholdFloor || threshold > thresholdCeiling:
		return presentationRequest{}, approvals.Errorf(approvals.EINVALID,
			"The Face Check threshold must be between %d and %d; the policy asks for %d.", thresholdFloor, thresholdCeiling, threshold)
	}
	return presentationRequest{
		Authority:    c.cfg.Authority,
		Registration: registration{ClientName: c.cfg.ClientName},
		Callback: callbackSpec{URL: c.cfg.CallbackURL, State: ask.State,
			Headers: map[string]string{apiKeyHeader: c.cfg.APIKey}},
		RequestedCredentials: []requestedCredential{{
			Type:            CredentialType,
			Purpose:         purpose(ask),
			AcceptedIssuers: []string{c.cfg.Authority},
			Configuration: configuration{Validation: validation{
				AllowRevoked:         false,
				ValidateLinkedDomain: true,
				FaceCheck:            faceCheckSpec{SourcePhotoClaimName: PhotoClaim, MatchConfidenceThreshold: threshold},
			}},
		}},
	}, nil
}

// purpose says why the credential is asked for, in the request service's
// logs and to whoever reads the request.
func purpose(ask approvals.PresentationAsk) string {
	if ask.RequestID == "" {
		return "Confirm it is you before the helpdesk issues you a Temporary Access Pass."
	}
	return fmt.Sprintf("Confirm it is you before the helpdesk issues you a Temporary Access Pass (tapbot request %s).", ask.RequestID)
}

// presentation reads the service's answer. An answer without an id or a
// link is EUNAVAILABLE: nothing can be sent to the user.
func presentation(resp *http.Response) (approvals.Presentation, error) {
	var pr presentationResponse
	if err := runtime.UnmarshalAsJSON(resp, &pr); err != nil || pr.RequestID == "" || pr.URL == "" {
		return approvals.Presentation{}, &approvals.Error{Code: approvals.EUNAVAILABLE, Err: err,
			Message: "Entra Verified ID answered the presentation request without a request id or link; try again in a minute."}
	}
	p := approvals.Presentation{ID: pr.RequestID, URL: pr.URL}
	if pr.Expiry > 0 {
		p.Expires = time.Unix(pr.Expiry, 0).UTC()
	}
	return p, nil
}

// isTokenError reports whether err came from the credential.
func isTokenError(err error) (*azcred.TokenError, bool) {
	var te *azcred.TokenError
	return te, errors.As(err, &te)
}
