package teamstest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// assertionType is the client_assertion_type of a certificate credential.
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Certificate returns a self-signed certificate for the bot's app
// registration and a PEM file body holding it and its private key, as an
// operator would name in the bot's configuration. Register it with
// SetClientCertificate.
func Certificate() (*x509.Certificate, []byte) { return certificate(testKey(1), "tapbot") }

// ForeignCertificate is like Certificate, with another key: a certificate
// the app registration does not know.
func ForeignCertificate() (*x509.Certificate, []byte) { return certificate(testKey(2), "stranger") }

func certificate(key *rsa.PrivateKey, cn string) (*x509.Certificate, []byte) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(fmt.Sprintf("teamstest: create certificate: %v", err))
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(fmt.Sprintf("teamstest: parse certificate: %v", err))
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(fmt.Sprintf("teamstest: marshal key: %v", err))
	}
	pemData := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	pemData = append(pemData, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	return cert, pemData
}

// SetClientCertificate registers cert with the bot's app registration: the
// token endpoint then accepts client assertions signed with its key.
func (s *Server) SetClientCertificate(cert *x509.Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clientCert = cert
}

// checkAssertion verifies a client assertion as Entra does: signed by the
// registered certificate (named by its x5t thumbprint), for this app, at
// this token endpoint, not expired. s.mu must be held.
func (s *Server) checkAssertion(kind, assertion, tenant string) error {
	if kind != assertionType {
		return fmt.Errorf("AADSTS50027: client_assertion_type must be %s", assertionType)
	}
	if s.clientCert == nil {
		return fmt.Errorf("AADSTS700027: the app has no certificate registered")
	}
	pub := s.clientCert.PublicKey
	sum := sha1.Sum(s.clientCert.Raw)
	thumb := base64.RawURLEncoding.EncodeToString(sum[:])
	_, err := jwt.Parse(assertion, func(t *jwt.Token) (any, error) {
		if t.Header["x5t"] != thumb {
			return nil, fmt.Errorf("AADSTS700027: the certificate with thumbprint %v is not registered", t.Header["x5t"])
		}
		return pub, nil
	}, jwt.WithValidMethods([]string{"RS256", "PS256"}), jwt.WithAudience(s.TokenURL(tenant)),
		jwt.WithIssuer(s.appID), jwt.WithSubject(s.appID), jwt.WithExpirationRequired())
	if err != nil {
		return fmt.Errorf("AADSTS700027: Client assertion failed signature validation: %v", err)
	}
	return nil
}
