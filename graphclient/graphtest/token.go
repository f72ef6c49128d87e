package graphtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultRoles returns the application permissions tapbot needs, the
// least privileged ones, which a new Server grants.
func DefaultRoles() []string {
	return []string{
		"UserAuthMethod-TAP.ReadWrite.All",
		"User.Read.All",
		"Policy.Read.AuthenticationMethod",
		"GroupMember.Read.All",
		"RoleManagement.Read.Directory",
		"PrivilegedEligibilitySchedule.Read.AzureADGroup",
	}
}

// VerificationRoles returns the application permissions tapbot uses only
// to help approvers verify the person a pass is for: ID Protection's risk,
// the authentication methods registered lately, and mail to the target.
// A new Server grants them besides DefaultRoles, so a test that needs a
// fact "not checked" withdraws its permission with SetRoles.
func VerificationRoles() []string {
	return []string{"IdentityRiskyUser.Read.All", "UserAuthenticationMethod.Read.All", "Mail.Send"}
}

// BroadRoles returns DefaultRoles with the broad permissions tapbot asked
// for before Graph had ones limited to Temporary Access Passes and the
// authentication methods policy: UserAuthenticationMethod.ReadWrite.All
// and Policy.Read.All, as a tenant that consented then holds them.
func BroadRoles() []string {
	broad := map[string]string{
		"UserAuthMethod-TAP.ReadWrite.All": "UserAuthenticationMethod.ReadWrite.All",
		"Policy.Read.AuthenticationMethod": "Policy.Read.All",
	}
	roles := DefaultRoles()
	for i, r := range roles {
		if b, ok := broad[r]; ok {
			roles[i] = b
		}
	}
	return roles
}

const (
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	tokenLifetime       = time.Hour
)

// tokenInfo is what the fake remembers about an access token it issued.
type tokenInfo struct {
	tenant, clientID string
	audience         string
	expires          time.Time
}

// tokenFault is a pending injected token endpoint failure.
type tokenFault struct {
	status     int
	oauthError string
	code       int    // the AADSTS number
	text       string // the AADSTS description, without the number
	left       int
}

// SetRoles sets the application permissions the tenant has consented to.
// They become the `roles` claim of tokens issued from then on, and Graph
// calls are checked against them at once, whatever token they carry (as if
// consent changes took effect immediately), so a test can withdraw a
// permission and see the 403 Authorization_RequestDenied that follows.
func (s *Tenant) SetRoles(roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roles = slices.Clone(roles)
}

// consentedRoles are the roles claim of a token issued now.
func (s *Tenant) consentedRoles() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.roles)
}

// granted reports whether any of the permissions is consented.
func (s *Tenant) granted(anyOf []string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range anyOf {
		if slices.ContainsFunc(s.roles, func(r string) bool { return strings.EqualFold(r, p) }) {
			return true
		}
	}
	return false
}

// FailTokens makes the next n token requests fail as Entra does. code is
// either an OAuth error ("invalid_client", "unauthorized_client",
// "invalid_request", "temporarily_unavailable") or an AADSTS description
// ("AADSTS7000215: Invalid client secret provided.", "AADSTS7000222",
// "AADSTS700016", "AADSTS90002"); the other half is filled in as Entra would.
func (s *Server) FailTokens(code string, n int) {
	f := newTokenFault(code)
	f.left = n
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokFault = append(s.tokFault, &f)
}

// aadsts lists the Entra errors tokens commonly fail with.
var aadsts = map[int]struct{ oauthError, text string }{
	7000215: {"invalid_client", "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app."},
	7000222: {"invalid_client", "The provided client secret keys for app are expired. Visit the Azure portal to create new keys for your app."},
	700027:  {"invalid_client", "Client assertion failed signature validation."},
	700016:  {"unauthorized_client", "Application was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant."},
	90002:   {"invalid_request", "Tenant not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."},
	50196:   {"temporarily_unavailable", "The server is temporarily unable to process the request."},
}

// byOAuthError picks the AADSTS number a bare OAuth error stands for.
var byOAuthError = map[string]int{
	"invalid_client":          7000215,
	"unauthorized_client":     700016,
	"invalid_request":         90002,
	"temporarily_unavailable": 50196,
}

func newTokenFault(code string) tokenFault {
	f := tokenFault{oauthError: code, code: byOAuthError[code]}
	if rest, ok := strings.CutPrefix(code, "AADSTS"); ok {
		num, text, _ := strings.Cut(rest, ":")
		f.code, _ = strconv.Atoi(strings.TrimSpace(num))
		f.text = strings.TrimSpace(text)
		f.oauthError = aadsts[f.code].oauthError
	}
	if f.oauthError == "" {
		f.oauthError = "invalid_request"
	}
	if f.text == "" {
		f.text = aadsts[f.code].text
	}
	if f.text == "" {
		f.text = "There was an error issuing a token."
	}
	switch f.oauthError {
	case "invalid_client":
		f.status = http.StatusUnauthorized
	case "temporarily_unavailable":
		f.status = http.StatusServiceUnavailable
	default:
		f.status = http.StatusBadRequest
	}
	return f
}

// serveLogin answers the Entra endpoints MSAL uses with a custom authority
// and instance discovery disabled: the tenant's OpenID configuration and
// its v2.0 token endpoint.
func (s *Server) serveLogin(w http.ResponseWriter, r *http.Request) {
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(seg) == 4 && seg[1] == "v2.0" && seg[2] == ".well-known" && seg[3] == "openid-configuration":
		s.serveOpenID(w, seg[0])
	case len(seg) == 4 && seg[1] == "oauth2" && seg[2] == "v2.0" && seg[3] == "token" && r.Method == http.MethodPost:
		s.serveToken(w, r, seg[0])
	case len(seg) == 2 && seg[0] == "msi" && seg[1] == "token" && r.Method == http.MethodGet:
		s.serveManagedIdentity(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveOpenID(w http.ResponseWriter, tenant string) {
	base := s.URL + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
	})
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, tenant string) {
	if !s.holdToken(r, tenant) {
		panic(http.ErrAbortHandler)
	}
	if err := r.ParseForm(); err != nil {
		s.writeTokenError(w, newTokenFault("AADSTS900144: The request body must contain the following parameter: 'grant_type'."))
		return
	}
	form := r.PostForm
	req := TokenRequest{Tenant: tenant, ClientID: form.Get("client_id"), Scope: resourceScope(form.Get("scope")),
		GrantType: form.Get("grant_type"), Assertion: form.Get("client_assertion") != "", AssertionType: form.Get("client_assertion_type")}
	f, ok := s.grant(tenant, form)
	req.Granted = ok
	s.recordToken(req)
	if !ok {
		s.writeTokenError(w, f)
		return
	}
	audience := strings.TrimSuffix(strings.TrimSuffix(resourceScope(r.PostForm.Get("scope")), "/.default"), "/")
	token := s.issueToken(tenant, r.PostForm.Get("client_id"), audience)
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     int(tokenLifetime.Seconds()) - 1,
		"ext_expires_in": int(tokenLifetime.Seconds()) - 1,
		"access_token":   token,
	})
}

// grant decides a token request: an injected fault, Entra's rules for
// any client credentials request, the tenant's consent, then the rules of
// a registered app.
func (s *Server) grant(tenant string, form url.Values) (tokenFault, bool) {
	if f, ok := s.nextTokenFault(); ok {
		return f, false
	}
	if f, ok := checkTokenRequest(form); !ok {
		return f, false
	}
	if f, ok := s.checkConsent(tenant, form.Get("client_id")); !ok {
		return f, false
	}
	return s.checkApp(tenant, form)
}

func (s *Server) nextTokenFault() (tokenFault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.tokFault {
		if f.left > 0 {
			f.left--
			return *f, true
		}
	}
	return tokenFault{}, false
}

// checkTokenRequest applies Entra's rules for a client-credentials request:
// a client id, a secret or a JWT client assertion of the right type, and a
// scope of the form <resource>/.default.
func checkTokenRequest(form map[string][]string) (tokenFault, bool) {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	switch {
	case get("grant_type") != "client_credentials":
		return newTokenFault("AADSTS70003: The app requested an unsupported grant type."), false
	case get("client_id") == "":
		return newTokenFault("AADSTS900144: The request body must contain the following parameter: 'client_id'."), false
	case resourceScope(get("scope")) == "":
		return newTokenFault("AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier."), false
	case get("client_secret") != "":
		return tokenFault{}, true
	case get("client_assertion_type") != clientAssertionType:
		f := newTokenFault("AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
		f.oauthError, f.status = "invalid_client", http.StatusUnauthorized
		return f, false
	case !isClientAssertion(get("client_assertion"), get("client_id")):
		f := newTokenFault("AADSTS50027: JWT token is invalid or malformed.")
		f.oauthError, f.status = "invalid_client", http.StatusUnauthorized
		return f, false
	}
	return tokenFault{}, true
}

// resourceScope picks the <resource>/.default scope out of a
// space-separated scope list (MSAL adds openid, profile, offline_access).
// It returns "" unless there is exactly one.
func resourceScope(scope string) string {
	found := ""
	for _, sc := range strings.Fields(scope) {
		if strings.HasSuffix(sc, "/.default") {
			if found != "" {
				return ""
			}
			found = sc
		}
	}
	return found
}

// isClientAssertion reports whether a is a JWT issued by and about the
// client, as Entra requires; the signature is not checked.
func isClientAssertion(a, clientID string) bool {
	parts := strings.Split(a, ".")
	if len(parts) != 3 || parts[2] == "" {
		return false
	}
	var claims struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Aud any    `json:"aud"`
		Exp int64  `json:"exp"`
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		return false
	}
	return claims.Iss == clientID && claims.Sub == clientID && claims.Aud != nil &&
		time.Unix(claims.Exp, 0).After(time.Now())
}

func (s *Server) writeTokenError(w http.ResponseWriter, f tokenFault) {
	id, now := newID(), time.Now().UTC()
	desc := fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
		f.code, f.text, id, id, now.Format("2006-01-02 15:04:05Z"))
	writeJSON(w, f.status, map[string]any{
		"error":             f.oauthError,
		"error_description": desc,
		"error_codes":       []int{f.code},
		"timestamp":         now.Format("2006-01-02 15:04:05Z"),
		"trace_id":          id,
		"correlation_id":    id,
		"error_uri":         s.URL + "/error?code=" + strconv.Itoa(f.code),
	})
}

// issueToken mints an app-only access token shaped like Entra's: a JWT
// whose payload carries tid, appid, aud and the consented roles. The
// signature is random; the fake recognises its tokens by remembering them.
func (s *Server) issueToken(tenant, clientID, audience string) string {
	if t, ok := s.added(tenant); ok {
		tenant = t.ID // the tid is the id, whatever case the path used
	}
	roles := s.directory(tenant).consentedRoles()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	claims := map[string]any{
		"aud": audience, "iss": "https://sts.windows.net/" + tenant + "/",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(tokenLifetime).Unix(),
		"appid": clientID, "idtyp": "app", "oid": newID(), "sub": newID(),
		"tid": tenant, "roles": roles, "ver": "1.0",
	}
	token := jwtPart(map[string]any{"typ": "JWT", "alg": "RS256", "kid": "graphtest"}) + "." +
		jwtPart(claims) + "." + randomPart()
	s.tokens[token] = tokenInfo{tenant: tenant, clientID: clientID, audience: audience, expires: now.Add(tokenLifetime)}
	return token
}

func jwtPart(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomPart() string {
	b := make([]byte, 64)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// bearer returns what the server knows of the request's token when it is
// a live token this server issued for its own Graph (audience = the
// server's URL).
func (s *Server) bearer(r *http.Request) (tokenInfo, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return tokenInfo{}, false
	}
	s.mu.Lock()
	info, known := s.tokens[token]
	s.mu.Unlock()
	if !known || !time.Now().Before(info.expires) || !strings.EqualFold(info.audience, s.URL) {
		return tokenInfo{}, false
	}
	return info, true
}
