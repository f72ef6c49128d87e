package graphtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	botApp    = "b07b07b0-7b07-4b07-8b07-b07b07b07b07"
	botTenant = "7a1c0de5-7e57-4ac0-9d1e-000000000001"
	botSecret = "bot-secret"
	botScope  = "https://api.botframework.com/.default"
)

// botToken asks tenant's token endpoint of s for a Bot Connector token as
// the registered bot app, with extra as the credential.
func botToken(t *testing.T, s *Server, tenant string, extra url.Values) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {botApp}, "scope": {botScope + " openid profile offline_access"}}
	for k, v := range extra {
		form[k] = v
	}
	resp, err := s.Client().PostForm(s.URL+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, resp)
}

func TestRegisteredAppIsCheckedAsEntraDoes(t *testing.T) {
	tests := []struct {
		name, tenant, secret string
		multi                bool
		status               int
		answer               string
	}{
		{"single tenant at its tenant", botTenant, botSecret, false, http.StatusOK, ""},
		{"single tenant at botframework.com", BotFrameworkTenant, botSecret, false, http.StatusBadRequest, "AADSTS700016"},
		{"multi tenant at botframework.com", BotFrameworkTenant, botSecret, true, http.StatusOK, ""},
		{"wrong secret", botTenant, "guess", false, http.StatusUnauthorized, "AADSTS7000215"},
		{"another tenant", "contoso.example", botSecret, false, http.StatusBadRequest, "AADSTS700016"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer()
			t.Cleanup(s.Close)
			s.RegisterApp(App{ClientID: botApp, Tenant: botTenant, Secret: botSecret, MultiTenant: tt.multi})
			status, body := botToken(t, s, tt.tenant, url.Values{"client_secret": {tt.secret}})
			desc, _ := body["error_description"].(string)
			if status != tt.status || !strings.Contains(desc, tt.answer) {
				t.Fatalf("HTTP %d %v, want %d %q", status, body, tt.status, tt.answer)
			}
			want := TokenRequest{Tenant: tt.tenant, ClientID: botApp, Scope: botScope, GrantType: "client_credentials", Granted: status == http.StatusOK}
			if reqs := s.TokenRequests(); len(reqs) != 1 || reqs[0] != want {
				t.Fatalf("recorded %+v, want %+v", reqs, want)
			}
		})
	}
}

func TestIssuedTokenCanBeLookedUpByAnotherFake(t *testing.T) {
	s := NewServer()
	t.Cleanup(s.Close)
	s.RegisterApp(App{ClientID: botApp, Tenant: botTenant, Secret: botSecret})
	_, body := botToken(t, s, botTenant, url.Values{"client_secret": {botSecret}})
	tok, ok := s.LookupToken(body["access_token"].(string))
	if !ok || tok.ClientID != botApp || tok.Tenant != botTenant || tok.Audience != "https://api.botframework.com" || !tok.Expires.After(time.Now()) {
		t.Fatalf("LookupToken = %+v, %v", tok, ok)
	}
	if _, ok := s.LookupToken("made-up"); ok {
		t.Fatal("a made-up token was found")
	}
}

// assertion signs a client assertion for the bot app at tenant's token
// endpoint of s with key, naming cert by its SHA-256 thumbprint.
func assertion(s *Server, tenant string, cert *x509.Certificate, key *rsa.PrivateKey) string {
	sum := sha256.Sum256(cert.Raw)
	header, _ := json.Marshal(map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(sum[:])})
	claims, _ := json.Marshal(map[string]any{
		"aud": s.URL + "/" + tenant + "/oauth2/v2.0/token", "iss": botApp, "sub": botApp,
		"exp": time.Now().Add(10 * time.Minute).Unix(), "jti": newID(),
	})
	input := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, digest[:], nil)
	if err != nil {
		panic(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func certKey(t *testing.T, c Certificate) *rsa.PrivateKey {
	t.Helper()
	_, rest := pem.Decode(c.PEM)
	block, _ := pem.Decode(rest)
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key.(*rsa.PrivateKey)
}

func TestAssertionMustBeSignedByTheUploadedCertificate(t *testing.T) {
	uploaded, stranger := NewCertificate("bot"), NewCertificate("stranger")
	tests := []struct {
		name     string
		signedBy Certificate
		audience string // tenant whose endpoint the assertion is for
		want     string
	}{
		{"uploaded certificate", uploaded, botTenant, ""},
		{"unknown certificate", stranger, botTenant, "AADSTS700027"},
		{"for another endpoint", uploaded, "other-tenant", "AADSTS700027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer()
			t.Cleanup(s.Close)
			s.RegisterApp(App{ClientID: botApp, Tenant: botTenant, Certificate: uploaded.Cert})
			status, body := botToken(t, s, botTenant, url.Values{
				"client_assertion_type": {clientAssertionType},
				"client_assertion":      {assertion(s, tt.audience, tt.signedBy.Cert, certKey(t, tt.signedBy))},
			})
			desc, _ := body["error_description"].(string)
			if (tt.want == "") != (status == http.StatusOK) || !strings.Contains(desc, tt.want) {
				t.Fatalf("HTTP %d %v, want %q", status, body, tt.want)
			}
			if reqs := s.TokenRequests(); len(reqs) != 1 || !reqs[0].Assertion {
				t.Fatalf("recorded %+v, want one assertion", reqs)
			}
		})
	}
}

func TestManagedIdentityEndpointAnswersAsAppServiceDoes(t *testing.T) {
	s := NewServer()
	t.Cleanup(s.Close)
	s.RegisterApp(App{ClientID: botApp, Tenant: botTenant, ManagedIdentity: true})
	get := func(clientID, header string) (int, map[string]any) {
		q := url.Values{"api-version": {"2019-08-01"}, "resource": {"https://api.botframework.com"}, "client_id": {clientID}}
		req, _ := http.NewRequest(http.MethodGet, s.ManagedIdentityEndpoint()+"?"+q.Encode(), nil)
		req.Header.Set("X-IDENTITY-HEADER", header)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return decode(t, resp)
	}
	status, body := get(botApp, ManagedIdentityHeader)
	tok, ok := s.LookupToken(body["access_token"].(string))
	if status != http.StatusOK || !ok || tok.ClientID != botApp || tok.Audience != "https://api.botframework.com" {
		t.Fatalf("HTTP %d %v, token %+v", status, body, tok)
	}
	if status, _ := get("f00f00f0-0f00-4f00-8f00-f00f00f00f00", ManagedIdentityHeader); status != http.StatusBadRequest {
		t.Fatalf("unknown identity: HTTP %d", status)
	}
	if status, _ := get(botApp, "wrong"); status != http.StatusUnauthorized {
		t.Fatalf("wrong header: HTTP %d", status)
	}
	if status, body := botToken(t, s, botTenant, url.Values{"client_secret": {"x"}}); status == http.StatusOK {
		t.Fatalf("a managed identity got a token with a secret: %v", body)
	}
}
