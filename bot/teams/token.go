package teams

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// tokenMargin is how long before its expiry a token is renewed, so that a
// call never starts with a token about to lapse.
const tokenMargin = 5 * time.Minute

// tokenSource gets and caches the bot's own access token for the Bot
// Connector with the OAuth client credentials grant, proving the bot's
// identity with its client secret or a certificate-signed assertion. Unlike the library's
// ConnectorClient it is safe for concurrent use, asks the token endpoint of
// the bot's own tenant (single-tenant bots) or of botframework.com
// (multi-tenant bots), and never panics on a network error.
type tokenSource struct {
	url, clientID, secret, scope string
	cert                         *clientCertificate // used instead of secret when set
	http                         *http.Client
	now                          func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// tokenError is the OAuth error answer of the token endpoint.
type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// get returns a valid token, asking the token endpoint when the cached one
// is missing or about to expire. Concurrent callers share one request. The
// error names the endpoint and Entra's own error, never the secret.
func (t *tokenSource) get(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" && t.now().Add(tokenMargin).Before(t.expires) {
		return t.token, nil
	}
	token, lifetime, err := t.fetch(ctx)
	if err != nil {
		return "", err
	}
	t.token, t.expires = token, t.now().Add(lifetime)
	return token, nil
}

// form is the client credentials request: the client secret, or a client
// assertion signed with the certificate.
func (t *tokenSource) form() (url.Values, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {t.clientID}, "scope": {t.scope}}
	if t.cert == nil {
		form.Set("client_secret", t.secret)
		return form, nil
	}
	assertion, err := t.cert.assertion(t.clientID, t.url, t.now())
	if err != nil {
		return nil, err
	}
	form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	form.Set("client_assertion", assertion)
	return form, nil
}

// tokenTimeout bounds one request to the token endpoint; every send waits
// for it while a token is being fetched.
const tokenTimeout = 30 * time.Second

// fetch asks the token endpoint for a new token and its lifetime.
func (t *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, tokenTimeout)
	defer cancel()
	form, err := t.form()
	if err != nil {
		return "", 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("bot token request to %s: %w", t.url, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := t.http.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("bot token from %s: %w", t.url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", 0, fmt.Errorf("bot token from %s: read answer: %w", t.url, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e tokenError
		_ = json.Unmarshal(body, &e)
		return "", 0, fmt.Errorf("bot token from %s: HTTP %d %s: %s", t.url, resp.StatusCode, e.Error, e.Description)
	}
	var ok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &ok); err != nil || ok.AccessToken == "" {
		return "", 0, fmt.Errorf("bot token from %s: the answer holds no access_token", t.url)
	}
	return ok.AccessToken, time.Duration(ok.ExpiresIn) * time.Second, nil
}
