package teams

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
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
	want := teamstest.TokenRequest{Tenant: teamstest.TenantID, ClientID: appID, Scope: teamstest.Scope, GrantType: "client_credentials", Granted: true}
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
			registered, _ := teamstest.Certificate()
			_, held := teamstest.Certificate()
			if tt.foreign {
				_, held = teamstest.ForeignCertificate()
			}
			path := filepath.Join(t.TempDir(), "bot.pem")
			if err := os.WriteFile(path, held, 0o600); err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, func(c *Config) { c.AppPassword, c.CertificatePath = "", path })
			h.fake.SetClientCertificate(registered)
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
	_, pemData := teamstest.Certificate()
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
