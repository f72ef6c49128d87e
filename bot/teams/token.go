package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/tapbot/tapbot/internal/azcred"
)

// tokenSource gets the bot's own access token for the Bot Connector from an
// azidentity credential: the client credentials grant with the app's client
// secret or a certificate-signed assertion, at the token endpoint of the
// bot's own tenant (single-tenant bots) or of botframework.com
// (multi-tenant bots), or the host's managed identity (Azure Bot type
// UserAssignedMSI). azidentity caches the token, renews it before it
// expires, lets concurrent callers share one request and never panics on a
// network error.
type tokenSource struct {
	cred  azcore.TokenCredential
	scope string
	from  string // where the token comes from, for errors
}

// tokenTimeout bounds getting one token; every send waits for it while a
// token is being fetched.
const tokenTimeout = 30 * time.Second

// newTokenSource builds the credential cfg asks for. Errors name the
// certificate file, never a secret or password.
func newTokenSource(cfg Config) (*tokenSource, error) {
	ac := azcred.Config{
		TenantID: or(cfg.TenantID, MultiTenant), ClientID: cfg.AppID, Secret: cfg.AppPassword,
		CertificatePath: cfg.CertificatePath, CertificatePassword: cfg.CertificatePassword,
		ManagedIdentity: cfg.ManagedIdentity, AuthorityHost: cfg.Endpoints.AuthorityHost,
		// Instance discovery asks the public cloud whether the authority is
		// genuine; an authority host of no known cloud (a test fake, a
		// private cloud) is trusted by configuration instead.
		DisableInstanceDiscovery: !knownAuthority(cfg.Endpoints.AuthorityHost),
		Transport:                cfg.HTTPClient,
	}
	cred, err := azcred.New(ac)
	if err != nil {
		return nil, credentialError(cfg, err)
	}
	from := tokenURL(cfg.Endpoints.AuthorityHost, cfg.TenantID)
	if cfg.ManagedIdentity {
		from = "the managed identity " + cfg.AppID
	}
	return &tokenSource{cred: cred, scope: cfg.Endpoints.Scope, from: from}, nil
}

// credentialError explains why the bot's credential cannot be built.
func credentialError(cfg Config, err error) error {
	var ce *azcred.CertificateError
	switch {
	case errors.As(err, &ce) && ce.Unreadable:
		return fmt.Errorf("read bot certificate %s: %w", cfg.CertificatePath, ce.Err)
	case errors.As(err, &ce):
		return fmt.Errorf("bot certificate %s: want a PEM certificate and its unencrypted RSA private key, or a PFX file and its password: %w", cfg.CertificatePath, ce.Err)
	}
	return fmt.Errorf("bot credential: %w", err)
}

// knownAuthority reports whether host is the sign-in host of a cloud
// tapbot knows Teams endpoints for.
func knownAuthority(host string) bool {
	for _, e := range clouds {
		if strings.TrimSuffix(e.AuthorityHost, "/") == strings.TrimSuffix(host, "/") {
			return true
		}
	}
	return false
}

// get returns a valid token. The error names where the token comes from
// and carries Entra's own answer (AADSTS…), never the secret.
func (t *tokenSource) get(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, tokenTimeout)
	defer cancel()
	tok, err := t.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{t.scope}})
	if err != nil {
		return "", &tokenError{from: t.from, reason: refusal(err), err: err}
	}
	return tok.Token, nil
}

// tokenError is a failure to get the bot's token, told in one line:
// azidentity's own report spans a dozen lines and repeats the request.
type tokenError struct {
	from   string
	reason string // "HTTP 400 unauthorized_client: AADSTS700016: …", or the cause
	err    error
}

func (e *tokenError) Error() string { return "bot token from " + e.from + ": " + e.reason }
func (e *tokenError) Unwrap() error { return e.err }

// refusal is the HTTP status and Entra's own error (or a managed identity
// endpoint's message) of a refused token request, else err's text.
func refusal(err error) string {
	var af *azidentity.AuthenticationFailedError
	if !errors.As(err, &af) || af.RawResponse == nil {
		return err.Error()
	}
	body, _ := runtime.Payload(af.RawResponse)
	var answer struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Message     string `json:"message"`
	}
	_ = json.Unmarshal(body, &answer)
	return fmt.Sprintf("HTTP %d %s: %s", af.RawResponse.StatusCode, answer.Error, or(answer.Description, answer.Message))
}

// credentials names the credentials c configures for the bot's own token;
// exactly one must be.
func (c Config) credentials() []string {
	var kinds []string
	for _, k := range []struct {
		name string
		set  bool
	}{
		{"an app password", c.AppPassword != ""},
		{"a certificate", c.CertificatePath != ""},
		{"a managed identity", c.ManagedIdentity},
	} {
		if k.set {
			kinds = append(kinds, k.name)
		}
	}
	return kinds
}

// CheckToken gets the bot's own token once, as a Bot built from cfg
// would, and says where it came from ("https://login…/{tenant}/oauth2/v2.0/token",
// or the managed identity). tapbot doctor uses it. The error names where
// the token was asked for and Entra's answer, never the secret; a network
// failure stays in its chain (errors.As finds the *net.OpError).
func CheckToken(ctx context.Context, cfg Config) (string, error) {
	if cfg.ApprovalConversation == "" {
		cfg.ApprovalConversation = "unused" // New needs one; the token does not
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return "", err
	}
	tokens, err := newTokenSource(cfg)
	if err != nil {
		return "", err
	}
	_, err = tokens.get(ctx)
	return tokens.from, err
}
