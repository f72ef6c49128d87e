package teamstest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Test RSA keys, generated once per test binary: key generation is slow
// under the race detector, and the keys only need to differ from each other.
var (
	keysOnce sync.Once
	keys     [3]*rsa.PrivateKey // [0], [1]: the fake's signing keys; [2]: a stranger's
)

func testKey(i int) *rsa.PrivateKey {
	keysOnce.Do(func() {
		for j := range keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(fmt.Sprintf("teamstest: generate RSA key: %v", err))
			}
			keys[j] = k
		}
	})
	return keys[i]
}

func signingKey() *rsa.PrivateKey { return testKey(0) }

// Endorsements are the channels the fake's signing key is endorsed for. As
// in the real Bot Framework key set, one key signs for Teams and for the
// other channels of an Azure Bot, Web Chat and Direct Line among them (both
// on by default): the endorsement alone does not make an activity Teams'.
var Endorsements = []string{ChannelID, "webchat", "directline", "emulator"}

// serveMetadata answers the Bot Framework OpenID configuration document.
func (s *Server) serveMetadata(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.metaFetches++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                Issuer,
		"authorization_endpoint":                "https://invalid.botframework.com",
		"jwks_uri":                              s.URL + "/botframework/v1/.well-known/keys",
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
	})
}

// serveKeys answers the JWKS with the current signing key.
func (s *Server) serveKeys(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.keyFetches++
	key, kid := s.key, s.keyID
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "kid": kid, "x5t": kid,
		"n":            base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e":            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		"endorsements": Endorsements,
	}}})
}

// KeyFetches counts how often the bot fetched the OpenID metadata and the
// JWKS.
func (s *Server) KeyFetches() (metadata, jwks int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.metaFetches, s.keyFetches
}

// RotateKey replaces the signing key with another one under a new key id,
// as Microsoft does from time to time. Tokens minted afterwards use it.
func (s *Server) RotateKey() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == testKey(0) {
		s.key, s.keyID = testKey(1), "tapbot-test-key-2"
		return
	}
	s.key, s.keyID = testKey(0), "tapbot-test-key-1"
}

// TokenOption changes one thing about a minted token.
type TokenOption func(*tokenSpec)

type tokenSpec struct {
	claims jwt.MapClaims
	key    *rsa.PrivateKey
	kid    string
	method jwt.SigningMethod
}

// Expired makes the token's validity end ten minutes ago, beyond any clock
// skew a validator allows.
func Expired() TokenOption {
	return func(t *tokenSpec) {
		t.claims["nbf"] = time.Now().Add(-70 * time.Minute).Unix()
		t.claims["exp"] = time.Now().Add(-10 * time.Minute).Unix()
	}
}

// NotYetValid makes the token valid only from ten minutes from now.
func NotYetValid() TokenOption {
	return func(t *tokenSpec) { t.claims["nbf"] = time.Now().Add(10 * time.Minute).Unix() }
}

// Audience replaces the audience (the bot's app id) with aud.
func Audience(aud string) TokenOption {
	return func(t *tokenSpec) { t.claims["aud"] = aud }
}

// IssuedBy replaces the issuer (https://api.botframework.com) with iss.
func IssuedBy(iss string) TokenOption {
	return func(t *tokenSpec) { t.claims["iss"] = iss }
}

// ForServiceURL replaces the serviceurl claim, which must equal the
// activity's serviceUrl, with u.
func ForServiceURL(u string) TokenOption {
	return func(t *tokenSpec) { t.claims["serviceurl"] = u }
}

// SignedByStranger signs the token with a key that is not in the JWKS,
// under the key id of one that is: a forgery.
func SignedByStranger() TokenOption {
	return func(t *tokenSpec) { t.key = testKey(2) }
}

// KeyID names another key in the token header.
func KeyID(kid string) TokenOption {
	return func(t *tokenSpec) { t.kid = kid }
}

// WithoutClaim leaves claim out of the token.
func WithoutClaim(claim string) TokenOption {
	return func(t *tokenSpec) { delete(t.claims, claim) }
}

// SignedWithHMAC signs the token with HS256 using the public modulus as
// the secret: the algorithm-confusion attack a validator must refuse.
func SignedWithHMAC() TokenOption {
	return func(t *tokenSpec) { t.method = jwt.SigningMethodHS256 }
}

// Token mints the JWT the Bot Connector puts in the Authorization header of
// an activity whose serviceUrl is serviceURL: RS256 with the current key,
// issuer https://api.botframework.com, audience the bot's app id, valid
// from five minutes ago for an hour. opts change it for negative tests.
func (s *Server) Token(serviceURL string, opts ...TokenOption) string {
	s.mu.Lock()
	key, kid := s.key, s.keyID
	s.mu.Unlock()
	now := time.Now()
	spec := tokenSpec{
		claims: jwt.MapClaims{
			"serviceurl": serviceURL, "iss": Issuer, "aud": s.appID,
			"nbf": now.Add(-5 * time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		},
		key: key, kid: kid, method: jwt.SigningMethodRS256,
	}
	for _, o := range opts {
		o(&spec)
	}
	tok := jwt.NewWithClaims(spec.method, spec.claims)
	tok.Header["kid"] = spec.kid
	tok.Header["x5t"] = spec.kid
	var signKey any = spec.key
	if spec.method == jwt.SigningMethodHS256 {
		signKey = spec.key.N.Bytes()
	}
	signed, err := tok.SignedString(signKey)
	if err != nil {
		panic(fmt.Sprintf("teamstest: sign token: %v", err))
	}
	return signed
}
