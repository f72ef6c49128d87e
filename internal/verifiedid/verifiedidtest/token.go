package verifiedidtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// tokenClaims are the access token claims the Request Service relies on.
type tokenClaims struct {
	Aud   string   `json:"aud"`
	Tid   string   `json:"tid"`
	Exp   int64    `json:"exp"`
	Roles []string `json:"roles"`
}

// checkToken checks an Authorization header as the service does: a bearer
// JWT for the Request Service, of a tenant, not expired (else 401), with a
// role that allows presentation requests (else 403). status is 0 when the
// token is good.
func checkToken(header string, now time.Time) (tokenClaims, int, string) {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || raw == "" {
		return tokenClaims{}, http.StatusUnauthorized, "The request has no bearer token."
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 || parts[2] == "" {
		return tokenClaims{}, http.StatusUnauthorized, "The bearer token is not a JWT."
	}
	var c tokenClaims
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(payload, &c) != nil {
		return tokenClaims{}, http.StatusUnauthorized, "The bearer token is not a JWT."
	}
	switch {
	case !strings.EqualFold(c.Aud, AppID):
		return c, http.StatusUnauthorized, "The token's audience is not the Verifiable Credentials Service Request."
	case c.Tid == "":
		return c, http.StatusUnauthorized, "The token names no tenant."
	case !time.Unix(c.Exp, 0).After(now):
		return c, http.StatusUnauthorized, "The token has expired."
	case !slices.ContainsFunc(c.Roles, func(r string) bool { return r == PresentRole || r == AllRole }):
		return c, http.StatusForbidden, "The token has no role " + PresentRole + "."
	}
	return c, 0, ""
}

// Token mints an app-only access token of tenant with roles, shaped as
// Entra's for the Request Service, for tests that call the fake without a
// token endpoint. Its signature is random: the fake checks no signature.
func Token(tenant string, roles ...string) string {
	now := time.Now()
	claims := map[string]any{
		"aud": AppID, "iss": "https://sts.windows.net/" + tenant + "/", "tid": tenant,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"idtyp": "app", "roles": roles, "ver": "1.0",
	}
	return jwtPart(map[string]any{"typ": "JWT", "alg": "RS256"}) + "." + jwtPart(claims) + "." + randomPart()
}

func jwtPart(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomPart() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
