package verifiedid_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient/graphtest"
	"github.com/tapbot/tapbot/internal/azcred"
	"github.com/tapbot/tapbot/internal/verifiedid"
	"github.com/tapbot/tapbot/internal/verifiedid/verifiedidtest"
)

const (
	tenantID  = "8a1f0c3e-5b7d-4e2a-9c6f-3d2b1a0e9f87"
	clientID  = "5f2b7c1d-0e9a-4b3c-8d6e-1a2b3c4d5e6f"
	authority = "did:web:verifiedid.contoso.com"
	apiKey    = "callback-key-9f8e7d6c5b4a"
)

// rig is tapbot's side of Verified ID over real HTTP: a Client signing in
// at graphtest's token endpoint and calling the fake Request Service, and
// a CallbackHandler the fake's wallet posts to, whose events land in
// events.
type rig struct {
	login    *graphtest.Server
	fake     *verifiedidtest.Server
	callback *httptest.Server
	client   *verifiedid.Client
	cfg      verifiedid.Config
	logs     *syncBuffer

	mu      sync.Mutex
	events  []approvals.PresentationEvent
	refuse  error // what deliver answers while set
	handler *verifiedid.CallbackHandler
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{login: graphtest.NewServer(), fake: verifiedidtest.NewServer(), logs: &syncBuffer{}}
	t.Cleanup(r.login.Close)
	t.Cleanup(r.fake.Close)
	r.login.SetRoles(verifiedidtest.PresentRole)
	r.fake.AddAuthority(tenantID, authority)

	h, err := verifiedid.NewCallbackHandler(apiKey, r.deliver, slog.New(slog.NewJSONHandler(r.logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	r.handler = h
	mux := http.NewServeMux()
	mux.Handle("/verifiedid/callback", h)
	r.callback = httptest.NewServer(mux)
	t.Cleanup(r.callback.Close)

	r.cfg = verifiedid.Config{
		Credential:  r.credential(t),
		Authority:   authority,
		CallbackURL: r.callback.URL + "/verifiedid/callback",
		APIKey:      apiKey,
		Endpoint:    r.fake.URL,
		Transport:   r.fake.Client(),
		Retry:       policy.RetryOptions{MaxRetries: -1},
	}
	r.client = r.newClient(t, r.cfg)
	return r
}

// credential is the per-tenant credential tapbot builds for Graph,
// signing in at the fake token endpoint.
func (r *rig) credential(t *testing.T) azcore.TokenCredential {
	t.Helper()
	cred, err := azcred.New(azcred.Config{
		TenantID: tenantID, ClientID: clientID, Secret: "a-client-secret",
		AuthorityHost: r.login.AuthorityHost(), DisableInstanceDiscovery: true,
		Transport: r.login.Client(), Retry: policy.RetryOptions{MaxRetries: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func (r *rig) newClient(t *testing.T, cfg verifiedid.Config) *verifiedid.Client {
	t.Helper()
	c, err := verifiedid.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (r *rig) deliver(_ context.Context, ev approvals.PresentationEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refuse != nil {
		return r.refuse
	}
	r.events = append(r.events, ev)
	return nil
}

// taken returns the events delivered so far. The wallet's posts return
// after the handler answered, so there is nothing to wait for.
func (r *rig) taken() []approvals.PresentationEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]approvals.PresentationEvent(nil), r.events...)
}

func (r *rig) setRefuse(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refuse = err
}

// start starts a presentation for Alice and returns it.
func (r *rig) start(t *testing.T, threshold int) approvals.Presentation {
	t.Helper()
	p, err := r.client.StartPresentation(context.Background(), ask(threshold))
	if err != nil {
		t.Fatalf("StartPresentation: %v", err)
	}
	return p
}

func ask(threshold int) approvals.PresentationAsk {
	return approvals.PresentationAsk{
		RequestID: "r-20250106-0042", State: "st-" + time.Now().Format("150405.000000000"),
		Target:                   approvals.Target{ID: "0c8e4f5a-1111-2222-3333-444455556666", UPN: "alice@contoso.com", DisplayName: "Alice Example"},
		MatchConfidenceThreshold: threshold,
	}
}

// post sends body to the callback with the api-key header value key
// ("" = none) and returns the status.
func (r *rig) post(t *testing.T, key string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.cfg.CallbackURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("api-key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// syncBuffer is a log sink safe for the handler's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// staticToken is a credential that hands out one fixed token, for a token
// the Request Service must refuse.
type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}
