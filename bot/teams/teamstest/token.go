package teamstest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// TokenLifetime is how long the bot tokens the fake issues are valid.
const TokenLifetime = time.Hour

// TokenRequest is one client-credentials request the bot made for its own
// token. It never holds the client secret.
type TokenRequest struct {
	Tenant    string // the tenant in the token endpoint's path
	ClientID  string
	Scope     string
	GrantType string
	Assertion bool // the bot proved itself with a certificate, not a secret
	Granted   bool
}

// TokenRequests returns every token request so far, in order.
func (s *Server) TokenRequests() []TokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tokenReqs)
}

// serveToken answers POST /{tenant}/oauth2/v2.0/token with a client
// credentials grant, as Entra does: the app's own tenant always works, the
// botframework.com tenant only for a multi-tenant bot, the app proves itself
// with its secret or an assertion signed by its registered certificate, and
// a wrong credential or scope gets Entra's error codes.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		entraError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
		return
	}
	req := TokenRequest{
		Tenant: r.PathValue("tenant"), ClientID: r.PostForm.Get("client_id"),
		Scope: r.PostForm.Get("scope"), GrantType: r.PostForm.Get("grant_type"),
		Assertion: r.PostForm.Get("client_assertion") != "",
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	status, code, desc := s.checkTokenRequest(req, r.PostForm)
	req.Granted = status == http.StatusOK
	s.tokenReqs = append(s.tokenReqs, req)
	if !req.Granted {
		entraError(w, status, code, desc)
		return
	}
	token := "fake-bf-token-" + randomHex(16)
	s.tokens[token] = time.Now().Add(TokenLifetime)
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": int(TokenLifetime.Seconds()),
		"ext_expires_in": int(TokenLifetime.Seconds()), "access_token": token,
	})
}

// checkTokenRequest returns 200 or the status, error code and description
// Entra answers the request with. s.mu must be held.
func (s *Server) checkTokenRequest(req TokenRequest, form url.Values) (int, string, string) {
	switch {
	case req.GrantType != "client_credentials":
		return http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type."
	case req.Tenant != TenantID && req.Tenant != MultiTenantAuthority:
		return http.StatusBadRequest, "invalid_request", "AADSTS90002: Tenant '" + req.Tenant + "' not found."
	case req.ClientID != s.appID:
		return http.StatusBadRequest, "unauthorized_client", "AADSTS700016: Application with identifier '" + req.ClientID + "' was not found in the directory."
	case req.Tenant == MultiTenantAuthority && !s.multiTenant:
		return http.StatusBadRequest, "unauthorized_client", "AADSTS700016: Application with identifier '" + req.ClientID + "' was not found in the directory 'Bot Framework'."
	case req.Scope != Scope:
		return http.StatusBadRequest, "invalid_scope", "AADSTS70011: The provided value for the input parameter 'scope' is not valid."
	case !req.Assertion && form.Get("client_secret") != s.appPassword:
		return http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided."
	}
	if req.Assertion {
		if err := s.checkAssertion(form.Get("client_assertion_type"), form.Get("client_assertion"), req.Tenant); err != nil {
			return http.StatusUnauthorized, "invalid_client", err.Error()
		}
	}
	return http.StatusOK, "", ""
}

// entraError answers with Entra's OAuth error shape.
func entraError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc, "error_codes": []int{}})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
