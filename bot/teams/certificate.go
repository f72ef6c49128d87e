package teams

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// assertionLifetime is how long a client assertion is valid; Entra takes
// it at once.
const assertionLifetime = 10 * time.Minute

// clientCertificate proves the bot's identity to Entra with a signed client
// assertion (RFC 7523) instead of a client secret. The certificate must be
// uploaded to the bot's app registration.
type clientCertificate struct {
	key        *rsa.PrivateKey
	thumbprint string // x5t: base64url SHA-1 of the DER certificate, which Entra looks it up by
}

// loadCertificate reads a PEM file holding the certificate and its RSA
// private key (PKCS#1 or PKCS#8, unencrypted). Errors name the file, never
// the key.
func loadCertificate(path string) (*clientCertificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read bot certificate: %w", err)
	}
	var cert *x509.Certificate
	var key *rsa.PrivateKey
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		switch block.Type {
		case "CERTIFICATE":
			if cert == nil {
				cert, err = x509.ParseCertificate(block.Bytes)
			}
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "PRIVATE KEY":
			key, err = pkcs8RSA(block.Bytes)
		}
		if err != nil {
			return nil, fmt.Errorf("bot certificate %s: %w", path, err)
		}
	}
	if cert == nil || key == nil {
		return nil, fmt.Errorf("bot certificate %s: want a PEM certificate and its unencrypted RSA private key", path)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, fmt.Errorf("bot certificate %s: the private key does not belong to the certificate", path)
	}
	sum := sha1.Sum(cert.Raw)
	return &clientCertificate{key: key, thumbprint: base64.RawURLEncoding.EncodeToString(sum[:])}, nil
}

func pkcs8RSA(der []byte) (*rsa.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("the private key is not RSA, which Entra client assertions need")
	}
	return rk, nil
}

// assertion signs a client assertion for clientID at the token endpoint
// audience.
func (c *clientCertificate) assertion(clientID, audience string, now time.Time) (string, error) {
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"aud": audience, "iss": clientID, "sub": clientID, "jti": hex.EncodeToString(jti),
		"nbf": now.Unix(), "iat": now.Unix(), "exp": now.Add(assertionLifetime).Unix(),
	})
	tok.Header["x5t"] = c.thumbprint
	signed, err := tok.SignedString(c.key)
	if err != nil {
		return "", fmt.Errorf("sign client assertion: %w", err)
	}
	return signed, nil
}
