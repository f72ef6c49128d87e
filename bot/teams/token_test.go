package teams

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

func TestSingleTenantBotGetsItsTokenFromItsTenantOnce(t *testing.T) {
	h := newHarness(t)
	h.says(h.rita, "help")
	h.waitFor("help", teamstest.Sent(h.chat(h.rita), "How to use tap"))
	h.says(h.rita, "list")
	h.waitFor("list", teamstest.Sent(h.chat(h.rita), "No open requests"))
	reqs := h.fake.TokenRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d token requests, want 1 (the token is cached): %+v", len(reqs), reqs)
	}
	want := graphtest.TokenRequest{Tenant: teamstest.TenantID, ClientID: appID, Scope: teamstest.Scope, GrantType: "client_credentials", Granted: true}
	if reqs[0] != want {
		t.Fatalf("token request %+v, want %+v", reqs[0], want)
	}
	if n := h.fake.RefusedCalls(); n != 0 {
		t.Fatalf("%d connector calls refused for their token", n)
	}
}

func TestMultiTenantBotGetsItsTokenFromBotFramework(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TenantID = MultiTenant })
	h.fake.SetMultiTenant(true)
	h.says(h.rita, "help")
	h.waitFor("help", teamstest.Sent(h.chat(h.rita), "How to use tap"))
	reqs := h.fake.TokenRequests()
	if len(reqs) != 1 || reqs[0].Tenant != teamstest.MultiTenantAuthority || !reqs[0].Granted {
		t.Fatalf("token requests %+v, want one granted from botframework.com", reqs)
	}
}

func TestRefusedBotTokenIsLoggedWithEntrasReason(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TenantID = "" }) // but the app is single-tenant
	h.says(h.rita, "tap alice@contoso.com 1h")
	h.stop()
	if !strings.Contains(h.logs.String(), "AADSTS700016") {
		t.Fatalf("Entra's reason is not in the log:\n%s", h.logs.String())
	}
	if n := len(h.fake.Activities()); n != 0 {
		t.Fatalf("%d activities got through without a token", n)
	}
}

func TestTokenURLPicksTheTenantOrBotFramework(t *testing.T) {
	tests := []struct {
		name, host, tenant, want string
	}{
		{"single tenant", "https://login.microsoftonline.com/", "contoso-id", "https://login.microsoftonline.com/contoso-id/oauth2/v2.0/token"},
		{"multi tenant", "https://login.microsoftonline.com/", "", "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"},
		{"host without slash", "https://login.microsoftonline.us", "gov-id", "https://login.microsoftonline.us/gov-id/oauth2/v2.0/token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokenURL(tt.host, tt.tenant); got != tt.want {
				t.Fatalf("tokenURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfigNeedsAppIDPasswordAndApprovalConversation(t *testing.T) {
	_, err := New(Config{AppID: appID}, nil)
	if err == nil || !strings.Contains(err.Error(), "app password or certificate, approval conversation") {
		t.Fatalf("err = %v", err)
	}
}

func TestCertificateBotProvesItselfWithASignedAssertion(t *testing.T) {
	tests := []struct {
		name    string
		foreign bool // the bot holds a certificate the app registration does not know
	}{
		{"registered certificate", false},
		{"unknown certificate", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			registered := graphtest.NewCertificate("tapbot")
			held := registered
			if tt.foreign {
				held = graphtest.NewCertificate("stranger")
			}
			path := filepath.Join(t.TempDir(), "bot.pem")
			if err := os.WriteFile(path, held.PEM, 0o600); err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, func(c *Config) { c.AppPassword, c.CertificatePath = "", path })
			h.fake.SetClientCertificate(registered.Cert)
			h.says(h.rita, "help")
			if tt.foreign {
				h.stop()
				if !strings.Contains(h.logs.String(), "AADSTS700027") {
					t.Fatalf("Entra's refusal is not in the log:\n%s", h.logs.String())
				}
				return
			}
			h.waitFor("help", teamstest.Sent(h.chat(h.rita), "How to use tap"))
			if reqs := h.fake.TokenRequests(); len(reqs) != 1 || !reqs[0].Assertion || !reqs[0].Granted {
				t.Fatalf("token requests %+v, want one granted for a client assertion", reqs)
			}
		})
	}
}

func TestCertificateFileMustHoldCertificateAndKey(t *testing.T) {
	pemData := graphtest.NewCertificate("tapbot").PEM
	certOnly := pemData[:bytes.Index(pemData, []byte("-----BEGIN PRIVATE KEY"))]
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"certificate without key", certOnly, "want a PEM certificate and its unencrypted RSA private key"},
		{"not PEM", []byte("hello"), "want a PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bot.pem")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := New(Config{AppID: appID, CertificatePath: path, ApprovalConversation: approvalChan}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestConnectorGetsItsTokenFromAzidentityWithASecretOrACertificate(t *testing.T) {
	const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	pemCert := graphtest.NewCertificate("tapbot")
	pfxCerts, _, err := azidentity.ParseCertificates(pfxFile(t), []byte(pfxPassword))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		file     []byte            // the certificate file; nil: the client secret
		password string            // of the file
		uploaded *x509.Certificate // to the app registration
	}{
		{name: "client secret"},
		{name: "PEM certificate", file: pemCert.PEM, uploaded: pemCert.Cert},
		{name: "PFX certificate", file: pfxFile(t), password: pfxPassword, uploaded: pfxCerts[0]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := graphtest.TokenRequest{Tenant: teamstest.TenantID, ClientID: appID, Scope: teamstest.Scope, GrantType: "client_credentials", Granted: true}
			change := func(*Config) {}
			if tt.file != nil {
				path := filepath.Join(t.TempDir(), "bot.cert")
				if err := os.WriteFile(path, tt.file, 0o600); err != nil {
					t.Fatal(err)
				}
				change = func(c *Config) { c.AppPassword, c.CertificatePath, c.CertificatePassword = "", path, tt.password }
				want.Assertion, want.AssertionType = true, jwtBearer
			}
			h := newHarness(t, change)
			h.fake.SetClientCertificate(tt.uploaded)
			h.says(h.rita, "help")
			h.waitFor("help", teamstest.Sent(h.chat(h.rita), "How to use tap"))
			if reqs := h.fake.TokenRequests(); len(reqs) != 1 || reqs[0] != want {
				t.Fatalf("token requests %+v, want one %+v", reqs, want)
			}
			if n := h.fake.RefusedCalls(); n != 0 {
				t.Fatalf("%d connector calls refused for their token", n)
			}
		})
	}
}

func TestManagedIdentityBotGetsItsTokenFromTheHost(t *testing.T) {
	login := graphtest.NewServer()
	defer login.Close()
	// MSAL caches managed identity tokens for the whole process: an identity
	// of its own keeps a token of another test's (or run's) fake out.
	identity, unknown := newGUID(), newGUID()
	login.RegisterApp(graphtest.App{ClientID: identity, Tenant: teamstest.TenantID, ManagedIdentity: true})
	t.Setenv("IDENTITY_ENDPOINT", login.ManagedIdentityEndpoint()) // as App Service sets them
	t.Setenv("IDENTITY_HEADER", graphtest.ManagedIdentityHeader)
	token := func(id string) (string, error) {
		b, err := New(Config{
			AppID: id, ManagedIdentity: true, TenantID: teamstest.TenantID, ApprovalConversation: approvalChan,
			Endpoints: Endpoints{AuthorityHost: login.AuthorityHost(), Scope: teamstest.Scope}, HTTPClient: login.Client(),
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return b.conn.tokens.get(t.Context())
	}
	tok, err := token(identity)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := login.LookupToken(tok); !ok || got.ClientID != identity || got.Audience != strings.TrimSuffix(teamstest.Scope, "/.default") {
		t.Fatalf("token %+v (known %v), want one for %s and the Bot Connector", got, ok, identity)
	}
	want := graphtest.TokenRequest{Tenant: teamstest.TenantID, ClientID: identity, Scope: teamstest.Scope, GrantType: "managed_identity", Granted: true}
	if reqs := login.TokenRequests(); len(reqs) != 1 || reqs[0] != want {
		t.Fatalf("token requests %+v, want one %+v", reqs, want)
	}
	if _, err := token(unknown); err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), "No User Assigned") {
		t.Fatalf("unknown identity: err = %v, want the endpoint's refusal", err)
	}
}

func TestConfigWantsExactlyOneCredential(t *testing.T) {
	_, err := New(Config{AppID: appID, AppPassword: appPassword, ManagedIdentity: true, ApprovalConversation: approvalChan}, nil)
	if err == nil || !strings.Contains(err.Error(), "an app password and a managed identity are set; choose one") {
		t.Fatalf("err = %v", err)
	}
	if err != nil && strings.Contains(err.Error(), appPassword) {
		t.Fatalf("the error shows the password: %v", err)
	}
}

func newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:]
}

// pfxPassword protects pfxBase64.
const pfxPassword = "pfx-test-password"

// pfxBase64 is a PFX file holding a self-signed certificate,
// CN=tapbot-pfx-test, valid from 2000 to 2100, and its RSA key, encrypted
// with 3DES under a SHA-1 MAC, which is what azidentity's PKCS#12 reader
// takes. Go's standard library cannot write PKCS#12, so it was made once
// with openssl pkcs12 -export -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES
// -macalg sha1. It is kept as text because the Docker build context leaves
// *.pfx files out.
const pfxBase64 = `
MIII8QIBAzCCCLcGCSqGSIb3DQEHAaCCCKgEggikMIIIoDCCA1cGCSqGSIb3DQEHBqCCA0gwggNEAgEAMIIDPQYJKoZIhvcNAQcB
MBwGCiqGSIb3DQEMAQMwDgQIEcNcsliSee4CAggAgIIDELfM48+Rlnye4Jvah0qd6EYOg0EWwGI2fOmFnAvmwq9pb0pihpwTUZTB
aUVfizJTOLbvAVYsZc1Ozm95d4LndkZdnvNWAlC4/xNAl5KPVoEQKi/zZyndafTmQQ2qpTB4M6fGnJ48+vGnjnqs0WvPvZp3CxNP
FqbifvrI1cVtn1/siVi2OMAnF1JC6gM60K3f3YqfBxGsPtuJcb6odnffxhRYOq6oEz3A2vMKkj7kj+glINN6lKDHMNc+eYQp1jKo
bFiH5uOlloM5l4cBPGsBPWESV5kqJPMjUKwmj8HpBUL24CMUWhdI5ZsR752NTBhFzcGtcd/ua8hR1YjsEcN6XQf9ISZfiNuRDL2C
Px0KG4vhf3OGuxsIWg2UFyWZZBgqXJubBR9mStijp8kZG6aoxB7lKIy04PUexxYJmkaTdL6zNnf3MM3Uf70R8KVUxFl8y/u011lH
gyb9qMi3LThtGVwDsLu/5V1+uJyPNPgIe1k2I+0qyyhlQ906rIvOqOx/QRFMvLZaJRhuFlM/h1gCp4AzZIeJkWwSDvkeO4YGEQeK
W/b52wwkGzARRWRQJNN42YBYAwgzQexHWQTN9/tP9BPuDvBmOWPWSv3vlKGcNFuYskvc9Gqat703zXJS+T7MU/n3tca2UmkcbWfi
DPEQa2g6nByJV44ylf84HgLZ6vOcEMVQkK0Rl97qxJALaDDxwjDryHKdqn9drJm73vX0vo80NpGq0RNf1JUQMWixB6YBuKP8aO0r
GHWzqalBjLXTuN3GaeQDSzLkkAhPKGXd14KScszV+jy7y+PwCHu2tx7fPQo31TM9w5t4ddIYXoQdzL7O5SYHWDGyCTFxmQLI9nWh
fRP50tiHplQNTEJIEQuHzakFGEwBZ1nQz0wv2QBsFDxQI769DSVvwgrZnDKDCoYqxWiGOg94wTFOD3Dne9SkF8VsQ+S0hzieibR7
wM86DF1ABcouA05o6aSkT77xDEARgaZoH/RkET0CuUavjN1XeWQbN9VK2YrqBYzOGtt1cFyFhuvR/KknQlhUOGcyBmowggVBBgkq
hkiG9w0BBwGgggUyBIIFLjCCBSowggUmBgsqhkiG9w0BDAoBAqCCBO4wggTqMBwGCiqGSIb3DQEMAQMwDgQI1HfYhEayu4ACAggA
BIIEyOEKTBuC3EZfa/gYWT5dQc72ABQSfFP3gDNwtscrZuKDk0L3lNRlrbi4Hzq71mwpWLXz6J7tn3WX3NUnEhqGxGXgF6c3jUxZ
vbKne5MTxbcxdY5Eke302eg9oDuRo8aABt9yS84pEYtya34LWo8Vv0noEEGMdM4lEmDhFHbAVjEW4HYD94Hk3aaccZYhMDjFSoE1
npBXuuKhjad6xDz0rZ2AMAmB6CxXJSEer1O+tEvpn6qtStu5aRVq1ugWNcF2uPquKA6Xpy/bIFpZkQFwAh1XXPjZusL8NgCZeoVO
4ZFTyoYalWytrCzbQMIRayJmwvhQGO2ydo9AEP+0+mU1ykAdRzgOP5Ro6oNLTJZ7//OAKXskl/4JqPeSeWb3vQD8di6z7vIHktHc
6Rfoqlb2jAENI24zEHyRU8dxXyobd7FkH766HohfL3iUsc6zPj607daQXTTUDG7d1G7JLDwmPw75g6XlXXFb5NhbmAkGNBD7bhHT
JhQYvo8bJJmuCuRJvpsDNLIZRUE3G8EnWaMW5vrKHfXZXLuULfK8EtdETaqgiX0zZLKqSkVQvae5/9O/+RV5teMwbTAyWBMmrreM
MzpvY61dFlxdJSxZHgkcLT4hhGOTGo1Swi684nAUbEn9l0R41cFHOtAtWMFuB9gzNE0zaE+sJQ0PxIljga8xV9ZLAM59SPWit+ee
o6NOh5/VePhRoNKUo/KIWHSEft5VsJ+zCZUkA4fJc9uwnbDnEzlUp6VC6sP5LcEb8hy/vt4ubkA4vR6Gj7i+Lo5dnZvI2WymjTVv
ZIHypvbnYfa0LFxVLJ6igjGMcqPv8B8H75TfG1wN6I6Aq2pwKv1u80rgpOw4IXnV/3xzWOrX1nHnwKzOCgq7Wi+NHdPvspaZJrVk
e2DmzI/WD9zff5ohGQbyafFVa5J1SS4u0NzqMQ0xN76E7+vCN/eejWng7V4u/KOIFHSoBA8kZ7O1Ljao74KDcmkLfOP7yCteAuGB
NCdBUfsdeFELitXhlGLAxMIEXQH/DPnM9CCIo/7esxOOBTBhaQww6DAPGThD5w4c1tzbhKyexIi70KWhGkWGfn9MLhOuLwYx9oc5
gm5K5yEGVMg0xdoK8lGsVBgq6VR7ue4VuBjescP+BkQjQVJb/XGad5lkQvEy7iMOf0YlG2jzuqYTnmYgBF6Z1JyPjkUMORO1j1P/
OsBLuU6MnYWMDHjaQDbu0pdXEseRp0ZhwMz1t6U4HMIHOXDCbAwx9Y886dLrRtXlODIiXuKRe3MAnVCP7/qltl2yaguQ+vRQP4L2
a22DFhiTed8JTPQyYLPQQHZ/iyk6e54Ze9fLsEj3GPfBxtGPyMb8/zoaPEY0TiaOkz4vKBwHXdHsDX6H4LPnFhvM6qg5Qdh0UCg6
xFLu6aA9UZeyzeFNpIm6Lp0GjJIStitAzVzPfAR+UgaSB2RSm3f1pfc5CwmS3cNX0dH0E/+uHdXDYGjdEZ+fDSMINmfqQqCEorlc
klEWrHweMZWWJu7s9IzGq5svsOJ+wVJnMYSlixdc9w67IQfRDM1SWFCrJNGa1bRgAsqfcCDWfle5KNwtgmLO5kUml/f56NTxtphF
23vUJ3ghWd9V7cgawIPt+I9feyNInMff7wWqxzElMCMGCSqGSIb3DQEJFTEWBBTslvc712VCC5t3+WBpa1GvNJ5P6zAxMCEwCQYF
Kw4DAhoFAAQU234X9j/52nz+IFgRWMEG7r5JLYYECIlpkAb8eEngAgIIAA==
`

func pfxFile(t *testing.T) []byte {
	t.Helper()
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(pfxBase64), ""))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
