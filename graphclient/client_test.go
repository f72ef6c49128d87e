package graphclient_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

const (
	tenantID     = "7d2b8f4e-0c1a-4b5e-9f3d-2a6c8e1b0d47"
	clientID     = "3f8e2d1c-9b7a-4c6e-8d5f-1a2b3c4d5e6f"
	clientSecret = "tapbot~TEST-client-secret-never-shown-9Zq"
	aliceID      = "0b3a5f2e-1c4d-4e6f-8a9b-000000000a11"
	carolID      = "0b3a5f2e-1c4d-4e6f-8a9b-000000000c33"
	danID        = "0b3a5f2e-1c4d-4e6f-8a9b-000000000d44"
)

// env is a fake tenant and a real client pointed at it.
type env struct {
	s *graphtest.Server
	c *graphclient.Client
}

// newEnv starts the demo tenant and a client-secret client for it. Each
// option may change the configuration, e.g. to shorten the timeout.
func newEnv(t *testing.T, options ...func(*graphclient.Config)) *env {
	t.Helper()
	s := graphtest.NewServer()
	t.Cleanup(s.Close)
	graphtest.DemoTenant(s)
	cfg := fakeConfig(s)
	for _, o := range options {
		o(&cfg)
	}
	c, err := graphclient.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &env{s: s, c: c}
}

func fakeConfig(s *graphtest.Server) graphclient.Config {
	return graphclient.Config{
		TenantID:      tenantID,
		ClientID:      clientID,
		ClientSecret:  clientSecret,
		GraphURL:      s.GraphURL(),
		AuthorityHost: s.AuthorityHost(),
		HTTPClient:    s.Client(),
		RetryDelay:    10 * time.Millisecond,
		Timeout:       20 * time.Second,
	}
}

// wantError fails unless err is an *approvals.Error with code whose
// message contains every one of parts and no secret.
func wantError(t *testing.T, err error, code string, parts ...string) {
	t.Helper()
	if got := approvals.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	msg := approvals.ErrorMessage(err)
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message %q lacks %q", msg, p)
		}
	}
	if strings.Contains(err.Error(), clientSecret) {
		t.Errorf("error text contains the client secret: %v", err)
	}
}

// writeCertificate writes a self-signed certificate and its unencrypted
// PKCS#8 key, PEM encoded, into one file and returns its path.
func writeCertificate(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tapbot.pem")
	if err := os.WriteFile(path, graphtest.NewCertificate("tapbot test").PEM, 0o600); err != nil {
		t.Fatalf("write certificate: %v", err)
	}
	return path
}

func TestBothCredentialKindsGetATokenAndReachGraph(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config func(t *testing.T, cfg *graphclient.Config)
	}{
		{"client secret", func(*testing.T, *graphclient.Config) {}},
		{"certificate", func(t *testing.T, cfg *graphclient.Config) {
			cfg.ClientSecret = ""
			cfg.CertificatePath = writeCertificate(t)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := graphtest.NewServer()
			defer s.Close()
			graphtest.DemoTenant(s)
			cfg := fakeConfig(s)
			tc.config(t, &cfg)
			c, err := graphclient.New(cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			target, err := c.LookupUser(context.Background(), "alice@contoso.com")
			if err != nil {
				t.Fatalf("LookupUser: %v", err)
			}
			if target.ID != aliceID {
				t.Errorf("target id = %q, want %q", target.ID, aliceID)
			}
		})
	}
}

func TestRolesReturnsTheTokensRolesClaim(t *testing.T) {
	s := graphtest.NewServer()
	defer s.Close()
	s.SetRoles("User.Read.All", "Policy.Read.AuthenticationMethod")
	c, err := graphclient.New(fakeConfig(s))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	roles, err := c.Roles(context.Background())
	if err != nil {
		t.Fatalf("Roles: %v", err)
	}
	if !slices.Equal(roles, []string{"User.Read.All", "Policy.Read.AuthenticationMethod"}) {
		t.Errorf("roles = %v", roles)
	}
}

func TestRequiredRolesAreWhatTheFakeGrantsByDefault(t *testing.T) {
	got, want := graphclient.RequiredRoles(), graphtest.DefaultRoles()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("RequiredRoles() = %v, graphtest grants %v", got, want)
	}
}

func TestOptionalRolesAreTheFakesVerificationRolesAndNoneIsRequired(t *testing.T) {
	var got []string
	for _, o := range graphclient.OptionalRoles() {
		if slices.Contains(graphclient.RequiredRoles(), o.Name) || o.For == "" {
			t.Errorf("optional role %+v is required too, or says not what needs it", o)
		}
		got = append(got, o.Name)
	}
	want := graphtest.VerificationRoles()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("OptionalRoles() = %v, graphtest grants %v besides the default ones", got, want)
	}
}

func TestBroaderRolesStandInForRequiredOnesAndAreWhatTheFakeAccepts(t *testing.T) {
	required := graphclient.RequiredRoles()
	broad := graphtest.BroadRoles()
	for _, b := range graphclient.BroaderRoles() {
		if !slices.Contains(required, b.Instead) || slices.Contains(required, b.Name) || b.Reach == "" {
			t.Errorf("%+v: want a broader permission, not a required one, standing in for a required one", b)
		}
	}
	for _, r := range broad {
		i := slices.IndexFunc(graphclient.BroaderRoles(), func(b graphclient.BroaderRole) bool { return b.Name == r })
		if !slices.Contains(required, r) && i < 0 {
			t.Errorf("graphtest's broad %s is neither required nor among BroaderRoles", r)
		}
	}
}

func TestPassesAndPolicyWorkWithTheBroadPermissions(t *testing.T) {
	e := newEnv(t)
	e.s.SetRoles(graphtest.BroadRoles()...)
	ctx := context.Background()
	if _, err := e.c.TAPPolicy(ctx); err != nil {
		t.Fatalf("TAPPolicy: %v", err)
	}
	target, err := e.c.LookupUser(ctx, "alice@contoso.com")
	if err != nil {
		t.Fatalf("LookupUser: %v", err)
	}
	pass, err := e.c.CreatePass(ctx, target.ID, approvals.PassParams{LifetimeMinutes: 60})
	if err != nil || pass.Secret.Reveal() == "" {
		t.Fatalf("CreatePass: method %q, %v", pass.MethodID, err)
	}
	if err := e.c.DeletePass(ctx, target.ID, pass.MethodID); err != nil {
		t.Fatalf("DeletePass: %v", err)
	}
}

func TestTokenFailuresBecomeActionableErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fault     string
		wantCode  string
		wantParts []string
	}{
		{"revoked or wrong secret", "AADSTS7000215: Invalid client secret provided.", approvals.EPERMISSION,
			[]string{"AADSTS7000215", "Certificates & secrets"}},
		{"expired secret", "AADSTS7000222", approvals.EPERMISSION, []string{"expired", "Certificates & secrets"}},
		{"unknown application", "unauthorized_client", approvals.EPERMISSION, []string{"AADSTS700016", "client id"}},
		{"unknown tenant", "AADSTS90002", approvals.EPERMISSION, []string{"tenant id"}},
		{"sign-in service down", "temporarily_unavailable", approvals.EUNAVAILABLE, []string{"not answering", "try again"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.s.FailTokens(tc.fault, 100)
			_, err := e.c.LookupUser(context.Background(), "alice@contoso.com")
			wantError(t, err, tc.wantCode, tc.wantParts...)
			if n := len(e.s.Requests()); n != 0 {
				t.Errorf("%d Graph calls were made without a token", n)
			}
		})
	}
}

func TestUnreachableSignInIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close() // nothing listens there any more
	e := newEnv(t, func(cfg *graphclient.Config) {
		cfg.AuthorityHost = "https://" + closed + "/"
		cfg.MaxRetries = -1
	})
	_, err = e.c.TAPPolicy(context.Background())
	wantError(t, err, approvals.EUNAVAILABLE, "not answering", closed, "connection refused")
}

func TestNewRefusesUnusableConfiguration(t *testing.T) {
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(*graphclient.Config)
		want   string
	}{
		{"no tenant", func(c *graphclient.Config) { c.TenantID = "" }, "tenant id"},
		{"secret without client id", func(c *graphclient.Config) { c.ClientID = "" }, "client) id"},
		{"missing certificate file", func(c *graphclient.Config) {
			c.ClientSecret, c.CertificatePath, c.CertificatePassword = "", "/nonexistent/tapbot.pfx", "pfx-password"
		}, "/nonexistent/tapbot.pfx"},
		{"certificate file without a certificate", func(c *graphclient.Config) {
			c.ClientSecret, c.CertificatePath, c.CertificatePassword = "", garbage, "pfx-password"
		}, "no usable certificate"},
		{"unknown cloud", func(c *graphclient.Config) { c.Cloud = "germany" }, "global, usgov or china"},
		{"plain http Graph URL", func(c *graphclient.Config) { c.GraphURL = "http://127.0.0.1:8080/v1.0" }, "not an https URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := graphclient.Config{TenantID: tenantID, ClientID: clientID, ClientSecret: clientSecret}
			tc.change(&cfg)
			_, err := graphclient.New(cfg)
			wantError(t, err, approvals.EINVALID, tc.want)
			if strings.Contains(err.Error(), "pfx-password") {
				t.Errorf("error shows the certificate password: %v", err)
			}
		})
	}
}

func TestCloudSelectsGraphAndSignInHosts(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  graphclient.Config
		want graphclient.Endpoints
	}{
		{"default is global", graphclient.Config{},
			graphclient.Endpoints{"https://graph.microsoft.com/v1.0", "https://login.microsoftonline.com/", "https://graph.microsoft.com/.default"}},
		{"global", graphclient.Config{Cloud: "global"},
			graphclient.Endpoints{"https://graph.microsoft.com/v1.0", "https://login.microsoftonline.com/", "https://graph.microsoft.com/.default"}},
		{"US government, any case", graphclient.Config{Cloud: "USGov"},
			graphclient.Endpoints{"https://graph.microsoft.us/v1.0", "https://login.microsoftonline.us/", "https://graph.microsoft.us/.default"}},
		{"China", graphclient.Config{Cloud: "china"},
			graphclient.Endpoints{"https://microsoftgraph.chinacloudapi.cn/v1.0", "https://login.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn/.default"}},
		{"overrides win over the cloud", graphclient.Config{Cloud: "china", GraphURL: "https://127.0.0.1:1234/v1.0/", AuthorityHost: "https://127.0.0.1:1234"},
			graphclient.Endpoints{"https://127.0.0.1:1234/v1.0", "https://127.0.0.1:1234/", "https://127.0.0.1:1234/.default"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cfg.Endpoints()
			if err != nil {
				t.Fatalf("Endpoints: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSlowGraphTimesOutAsUnavailable(t *testing.T) {
	e := newEnv(t, func(cfg *graphclient.Config) { cfg.Timeout = 2 * time.Second })
	e.s.SetLatency(time.Hour) // Graph only: the token still comes at once
	start := time.Now()
	_, err := e.c.LookupUser(context.Background(), "alice@contoso.com")
	wantError(t, err, approvals.EUNAVAILABLE, "is not answering", "within 2s", "try again in a minute.")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("gave up after %s, want about 2s", d)
	}
}

func TestCallerCancellationIsHonoured(t *testing.T) {
	e := newEnv(t)
	e.s.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.c.TAPPolicy(ctx)
		done <- err
	}()
	cancel()
	err := <-done
	wantError(t, err, approvals.EUNAVAILABLE, "cancelled")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cause %v does not wrap context.Canceled", err)
	}
}
