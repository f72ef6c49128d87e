package graphtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// BotFrameworkTenant is the tenant multi-tenant Azure Bots get their Bot
// Connector token from.
const BotFrameworkTenant = "botframework.com"

// App is an app registration the fake's Entra knows. A token request for
// a client id no App names is granted whenever it carries a secret or a
// well-formed client assertion, which is all Graph's own tests need; a
// registered app is checked as Entra checks it: the tenant, its secret, and
// an assertion signed by its certificate.
type App struct {
	ClientID string
	Tenant   string // its home tenant
	// MultiTenant apps also get tokens in other tenants, the Bot Framework's
	// (BotFrameworkTenant) among them.
	MultiTenant bool
	Secret      string            // the client secret's value; "" for none
	Certificate *x509.Certificate // the uploaded certificate; nil for none
	// ManagedIdentity makes ClientID a user-assigned managed identity: its
	// tokens come from ManagedIdentityEndpoint, not the token endpoint.
	ManagedIdentity bool
}

// RegisterApp adds a, or replaces the registration with its client id.
func (s *Server) RegisterApp(a App) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apps == nil {
		s.apps = map[string]App{}
	}
	s.apps[a.ClientID] = a
}

func (s *Server) app(clientID string) (App, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[clientID]
	return a, ok
}

// TokenRequest is one request the fake's token or managed identity
// endpoint answered. It never holds a secret or an assertion.
type TokenRequest struct {
	Tenant    string // in the token endpoint's path; the app's home tenant for a managed identity
	ClientID  string
	Scope     string // the <resource>/.default scope asked for
	GrantType string // "client_credentials", or "managed_identity"
	Assertion bool   // the client proved itself with a certificate, not a secret
	// AssertionType is the client_assertion_type sent with an assertion.
	AssertionType string
	Granted       bool
}

// TokenRequests returns every token request so far, in order.
func (s *Server) TokenRequests() []TokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tokenReqs)
}

func (s *Server) recordToken(r TokenRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenReqs = append(s.tokenReqs, r)
}

// AccessToken is what the fake knows about an access token it issued.
type AccessToken struct {
	Tenant   string
	ClientID string // appid
	Audience string // the resource, e.g. https://api.botframework.com
	Expires  time.Time
}

// LookupToken returns the access token the fake issued as token, so that
// another fake (a Bot Connector) can accept the tokens of this one.
func (s *Server) LookupToken(token string) (AccessToken, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info, ok := s.tokens[token]
	return AccessToken{Tenant: info.tenant, ClientID: info.clientID, Audience: info.audience, Expires: info.expires}, ok
}

// checkApp applies the rules of a registered app to a token request that
// is otherwise well-formed; requests of unregistered clients pass.
func (s *Server) checkApp(tenant string, form url.Values) (tokenFault, bool) {
	clientID := form.Get("client_id")
	a, registered := s.app(clientID)
	switch {
	case !registered:
		return tokenFault{}, true
	case a.ManagedIdentity:
		return newTokenFault("AADSTS700016: Application with identifier '" + clientID + "' is a managed identity, which gets no token here."), false
	case tenant == BotFrameworkTenant && !a.MultiTenant:
		return newTokenFault("AADSTS700016: Application with identifier '" + clientID + "' was not found in the directory 'Bot Framework'."), false
	case tenant != a.Tenant && !a.MultiTenant:
		return newTokenFault("AADSTS700016: Application with identifier '" + clientID + "' was not found in the directory '" + tenant + "'."), false
	case form.Get("client_assertion") != "":
		return s.checkAssertion(a, tenant, form.Get("client_assertion"))
	case a.Secret == "" || form.Get("client_secret") != a.Secret:
		return newTokenFault("AADSTS7000215: Invalid client secret provided."), false
	}
	return tokenFault{}, true
}

// checkAssertion verifies a client assertion as Entra does: signed (RS256
// or PS256) with the key of the app's uploaded certificate, which its x5t
// or x5t#S256 header names, for this token endpoint.
func (s *Server) checkAssertion(a App, tenant, assertion string) (tokenFault, bool) {
	refuse := func(why string) (tokenFault, bool) {
		f := newTokenFault("AADSTS700027: Client assertion failed signature validation: " + why)
		return f, false
	}
	if a.Certificate == nil {
		return refuse("the app has no certificate uploaded.")
	}
	parts := strings.Split(assertion, ".")
	var header struct {
		Alg     string `json:"alg"`
		X5t     string `json:"x5t"`
		X5tS256 string `json:"x5t#S256"`
	}
	var claims struct {
		Aud string `json:"aud"`
	}
	if len(parts) != 3 || decodePart(parts[0], &header) != nil || decodePart(parts[1], &claims) != nil {
		return refuse("the assertion is not a JWT.")
	}
	if !thumbprintMatches(a.Certificate, header.X5t, header.X5tS256) {
		return refuse("the certificate it names is not uploaded to the app.")
	}
	if why := badSignature(a.Certificate, header.Alg, parts); why != "" {
		return refuse(why)
	}
	if want := s.URL + "/" + tenant + "/oauth2/v2.0/token"; claims.Aud != want {
		return refuse(fmt.Sprintf("its audience %q is not the token endpoint.", claims.Aud))
	}
	return tokenFault{}, true
}

func decodePart(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// thumbprintMatches compares a JWT thumbprint header with cert. MSAL writes
// it in standard base64, the JOSE spec in base64url: both are accepted.
func thumbprintMatches(cert *x509.Certificate, x5t, x5tS256 string) bool {
	sha1Sum, sha256Sum := sha1.Sum(cert.Raw), sha256.Sum256(cert.Raw)
	switch {
	case x5tS256 != "":
		return decodesTo(x5tS256, sha256Sum[:])
	case x5t != "":
		return decodesTo(x5t, sha1Sum[:])
	}
	return false
}

func decodesTo(s string, want []byte) bool {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && string(b) == string(want) {
			return true
		}
	}
	return false
}

// badSignature says why the JWT in parts is not signed by cert's key, or
// returns "" when it is.
func badSignature(cert *x509.Certificate, alg string, parts []string) string {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return "the certificate's key is not RSA."
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "the signature is not base64url."
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch alg {
	case "PS256":
		err = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, nil)
	case "RS256":
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	default:
		return fmt.Sprintf("algorithm %q is not supported.", alg)
	}
	if err != nil {
		return "the signature does not match the certificate."
	}
	return ""
}

// ManagedIdentityHeader is the secret the fake's managed identity endpoint
// wants in X-IDENTITY-HEADER; App Service hands it to a process in
// IDENTITY_HEADER.
const ManagedIdentityHeader = "graphtest-identity-header"

// ManagedIdentityEndpoint is an App Service style managed identity endpoint
// (set IDENTITY_ENDPOINT to it and IDENTITY_HEADER to
// ManagedIdentityHeader): it gives registered ManagedIdentity apps tokens
// for any resource.
func (s *Server) ManagedIdentityEndpoint() string { return s.URL + "/msi/token" }

// serveManagedIdentity answers GET /msi/token?resource=…&client_id=… as
// App Service does.
func (s *Server) serveManagedIdentity(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, resource := q.Get("client_id"), strings.TrimSuffix(q.Get("resource"), "/")
	a, registered := s.app(clientID)
	req := TokenRequest{Tenant: a.Tenant, ClientID: clientID, Scope: resource + "/.default", GrantType: "managed_identity"}
	status, message := http.StatusOK, ""
	switch {
	case r.Header.Get("X-IDENTITY-HEADER") != ManagedIdentityHeader:
		status, message = http.StatusUnauthorized, "The identity header is missing or wrong."
	case resource == "":
		status, message = http.StatusBadRequest, "The resource parameter is required."
	case !registered || !a.ManagedIdentity:
		status, message = http.StatusBadRequest, "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId."
	}
	req.Granted = status == http.StatusOK
	s.recordToken(req)
	if !req.Granted {
		writeJSON(w, status, map[string]any{"statusCode": status, "message": message, "correlationId": newID()})
		return
	}
	token := s.issueToken(a.Tenant, clientID, resource)
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": token, "token_type": "Bearer", "resource": resource, "client_id": clientID,
		"expires_on": fmt.Sprint(time.Now().Add(tokenLifetime).Unix()),
	})
}

// Certificate is a self-signed client certificate for an app registration,
// as an operator would upload it and hand it to tapbot.
type Certificate struct {
	Cert *x509.Certificate // register it as App.Certificate
	PEM  []byte            // the certificate and its unencrypted PKCS#8 RSA key
}

// NewCertificate makes a certificate named cn with a new RSA key.
func NewCertificate(cn string) Certificate {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(fmt.Sprintf("graphtest: generate key: %v", err))
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(fmt.Sprintf("graphtest: create certificate: %v", err))
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(fmt.Sprintf("graphtest: parse certificate: %v", err))
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(fmt.Sprintf("graphtest: marshal key: %v", err))
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return Certificate{Cert: cert, PEM: append(data, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)}
}
