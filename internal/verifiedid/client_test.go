package verifiedid_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/internal/verifiedid"
	"github.com/tapbot/tapbot/internal/verifiedid/verifiedidtest"
)

func TestStartPresentationSendsTheDocumentedRequest(t *testing.T) {
	r := newRig(t)
	now := time.Now().Truncate(time.Second)
	r.fake.SetNow(func() time.Time { return now })
	a := ask(80)

	p, err := r.client.StartPresentation(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}

	reqs := r.fake.Requests()
	if len(reqs) != 1 || reqs[0].Status != 201 {
		t.Fatalf("the fake saw %+v, want one created request", reqs)
	}
	got := reqs[0]
	if p.ID != got.ID || !strings.HasPrefix(p.URL, "openid-vc://?request_uri=") || !p.Expires.Equal(now.Add(verifiedidtest.RequestLifetime)) {
		t.Errorf("presentation = %+v, want id %s, an openid-vc link, expiry %s", p, got.ID, now.Add(verifiedidtest.RequestLifetime))
	}
	if got.Tenant != tenantID || !slices.Contains(got.Roles, verifiedidtest.PresentRole) {
		t.Errorf("token of tenant %q with roles %v, want %s with %s", got.Tenant, got.Roles, tenantID, verifiedidtest.PresentRole)
	}
	toks := r.login.TokenRequests()
	if len(toks) == 0 || toks[len(toks)-1].Scope != "3db474b9-6a0c-4840-96ac-1fceb342124f/.default" {
		t.Errorf("token requests %+v, want one for the Request Service's .default scope", toks)
	}
	rc := got.Raw["requestedCredentials"].([]any)[0].(map[string]any)
	if purpose, _ := rc["purpose"].(string); !strings.Contains(purpose, a.RequestID) {
		t.Errorf("purpose %q does not name the request %s", purpose, a.RequestID)
	}
	delete(rc, "purpose")
	want := map[string]any{
		"authority":      authority,
		"includeQRCode":  false,
		"includeReceipt": false,
		"registration":   map[string]any{"clientName": "tapbot"},
		"callback": map[string]any{
			"url": r.cfg.CallbackURL, "state": a.State, "headers": map[string]any{"api-key": apiKey},
		},
		"requestedCredentials": []any{map[string]any{
			"type":            "VerifiedEmployee",
			"acceptedIssuers": []any{authority},
			"configuration": map[string]any{"validation": map[string]any{
				"allowRevoked": false, "validateLinkedDomain": true,
				"faceCheck": map[string]any{"sourcePhotoClaimName": "photo", "matchConfidenceThreshold": 80.0},
			}},
		}},
	}
	if !reflect.DeepEqual(got.Raw, want) {
		gotJSON, _ := json.MarshalIndent(got.Raw, "", "  ")
		wantJSON, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("body\n%s\nwant\n%s", gotJSON, wantJSON)
	}
}

func TestStartPresentationAsksForTheDefaultThresholdWhenThePolicyNamesNone(t *testing.T) {
	r := newRig(t)
	r.start(t, 0)
	fc := r.fake.Requests()[0].Body.RequestedCredentials[0].Configuration.Validation.FaceCheck
	if fc.MatchConfidenceThreshold == nil || *fc.MatchConfidenceThreshold != verifiedid.DefaultThreshold {
		t.Errorf("threshold %v, want %d", fc.MatchConfidenceThreshold, verifiedid.DefaultThreshold)
	}
}

func TestStartPresentationRefusesAnAskTheServiceWouldRefuse(t *testing.T) {
	for name, mutate := range map[string]func(*approvals.PresentationAsk){
		"threshold below 50":  func(a *approvals.PresentationAsk) { a.MatchConfidenceThreshold = 49 },
		"threshold above 100": func(a *approvals.PresentationAsk) { a.MatchConfidenceThreshold = 101 },
		"negative threshold":  func(a *approvals.PresentationAsk) { a.MatchConfidenceThreshold = -70 },
		"no state":            func(a *approvals.PresentationAsk) { a.State = "" },
	} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t)
			a := ask(70)
			mutate(&a)
			_, err := r.client.StartPresentation(context.Background(), a)
			if approvals.ErrorCode(err) != approvals.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if n := len(r.fake.Requests()); n != 0 {
				t.Errorf("%d requests reached the service, want none", n)
			}
		})
	}
}

func TestNewRefusesAConfigThatCannotWork(t *testing.T) {
	r := newRig(t)
	for name, mutate := range map[string]func(*verifiedid.Config){
		"no credential":               func(c *verifiedid.Config) { c.Credential = nil },
		"no authority":                func(c *verifiedid.Config) { c.Authority = "" },
		"authority not a DID":         func(c *verifiedid.Config) { c.Authority = "verifiedid.contoso.com" },
		"no api key":                  func(c *verifiedid.Config) { c.APIKey = "" },
		"no callback":                 func(c *verifiedid.Config) { c.CallbackURL = "" },
		"relative callback":           func(c *verifiedid.Config) { c.CallbackURL = "/verifiedid/callback" },
		"plain http public callback":  func(c *verifiedid.Config) { c.CallbackURL = "http://tapbot.contoso.com/verifiedid/callback" },
		"plain http endpoint":         func(c *verifiedid.Config) { c.Endpoint = "http://verifiedid.did.msidentity.com" },
		"plain http loopback service": func(c *verifiedid.Config) { c.Endpoint = "http://127.0.0.1:9" },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := r.cfg
			mutate(&cfg)
			if _, err := verifiedid.New(cfg); approvals.ErrorCode(err) != approvals.EINVALID || approvals.ErrorMessage(err) == "" {
				t.Errorf("New = %v, want EINVALID with a message", err)
			}
		})
	}
}

// TestStartPresentationExplainsRefusals: each way the service or the
// sign-in says no becomes a code and a sentence a technician can act on.
func TestStartPresentationExplainsRefusals(t *testing.T) {
	cases := []struct {
		name     string
		arrange  func(*rig, *verifiedid.Config)
		code     string
		mentions []string
	}{
		{"permission not granted", func(r *rig, _ *verifiedid.Config) { r.login.SetRoles("User.Read.All") },
			approvals.EPERMISSION, []string{"VerifiableCredential.Create.PresentRequest", "Verifiable Credentials Service Request", "Grant admin consent"}},
		{"authority of another tenant", func(_ *rig, c *verifiedid.Config) { c.Authority = "did:web:verifiedid.fabrikam.com" },
			approvals.EINVALID, []string{"did:web:verifiedid.fabrikam.com", "Decentralized identifier"}},
		{"token the service rejects", func(_ *rig, c *verifiedid.Config) { c.Credential = staticToken("not-a-token") },
			approvals.EPERMISSION, []string{"refused tapbot's access token"}},
		{"client secret rejected", func(r *rig, _ *verifiedid.Config) { r.login.FailTokens("AADSTS7000215", 1) },
			approvals.EPERMISSION, []string{"AADSTS7000215", "secret"}},
		{"Verified ID not set up in the tenant", func(r *rig, _ *verifiedid.Config) {
			r.login.FailTokens("AADSTS500011: The resource principal named 3db474b9-6a0c-4840-96ac-1fceb342124f was not found in the tenant.", 1)
		}, approvals.EPERMISSION, []string{"Verified ID is not set up", "Verified ID → Setup"}},
		{"throttled", func(r *rig, _ *verifiedid.Config) { r.fake.FailCreate(429, 1) },
			approvals.EUNAVAILABLE, []string{"try again"}},
		{"service down", func(r *rig, _ *verifiedid.Config) { r.fake.FailCreate(503, 1) },
			approvals.EUNAVAILABLE, []string{"try again"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			cfg := r.cfg
			tc.arrange(r, &cfg)
			_, err := r.newClient(t, cfg).StartPresentation(context.Background(), ask(70))
			if approvals.ErrorCode(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			msg := approvals.ErrorMessage(err)
			for _, m := range tc.mentions {
				if !strings.Contains(msg, m) {
					t.Errorf("message %q does not mention %q", msg, m)
				}
			}
		})
	}
}

func TestStartPresentationRetriesAFailingService(t *testing.T) {
	r := newRig(t)
	r.fake.FailCreate(500, 1)
	cfg := r.cfg
	cfg.Retry = policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond}
	if _, err := r.newClient(t, cfg).StartPresentation(context.Background(), ask(70)); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for _, req := range r.fake.Requests() {
		statuses = append(statuses, req.Status)
	}
	if !slices.Equal(statuses, []int{500, 201}) {
		t.Errorf("the service answered %v, want a 500 then the retry's 201", statuses)
	}
}

func TestStartPresentationWhenVerifiedIDCannotBeReached(t *testing.T) {
	r := newRig(t)
	gone := httptest.NewTLSServer(nil)
	gone.Close()
	cfg := r.cfg
	cfg.Endpoint = gone.URL
	_, err := r.newClient(t, cfg).StartPresentation(context.Background(), ask(70))
	if approvals.ErrorCode(err) != approvals.EUNAVAILABLE || !strings.Contains(approvals.ErrorMessage(err), strings.TrimPrefix(gone.URL, "https://")) {
		t.Errorf("err = %v, want EUNAVAILABLE naming the host", err)
	}
}
