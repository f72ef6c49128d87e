package verifiedid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/internal/verifiedid"
	"github.com/tapbot/tapbot/internal/verifiedid/verifiedidtest"
)

// aliceClaims are a VerifiedEmployee's claims, as MyAccount issues them.
var aliceClaims = map[string]string{
	"revocationId": "alice@contoso.com", "displayName": "Alice Example", "givenName": "Alice",
	"surname": "Example", "mail": "alice.example@contoso.com", "jobTitle": "Controller",
}

func TestWalletCallbacksBecomeEvents(t *testing.T) {
	cases := []struct {
		name string
		act  func(*verifiedidtest.Server, string) error
		want func(p approvals.Presentation, state string) approvals.PresentationEvent
	}{
		{"link opened", func(f *verifiedidtest.Server, id string) error { return f.Open(id) },
			func(p approvals.Presentation, state string) approvals.PresentationEvent {
				return approvals.PresentationEvent{State: state, RequestID: p.ID, Status: approvals.PresentationRetrieved, FaceCheckScore: -1}
			}},
		{"face check passed", func(f *verifiedidtest.Server, id string) error {
			return f.Present(id, verifiedidtest.Presented{Claims: aliceClaims, Score: 87.25})
		}, func(p approvals.Presentation, state string) approvals.PresentationEvent {
			return approvals.PresentationEvent{State: state, RequestID: p.ID, Status: approvals.PresentationVerified,
				Claims: aliceClaims, Issuer: authority, CredentialType: []string{"VerifiableCredential", "VerifiedEmployee"}, FaceCheckScore: 87.25}
		}},
		{"face check below the threshold", func(f *verifiedidtest.Server, id string) error {
			return f.Present(id, verifiedidtest.Presented{Claims: aliceClaims, Score: 69.9})
		}, func(p approvals.Presentation, state string) approvals.PresentationEvent {
			return approvals.PresentationEvent{State: state, RequestID: p.ID, Status: approvals.PresentationError, FaceCheckScore: -1,
				ErrorCode: "claimValidationError", ErrorMessage: "Match confidence score failing to meet the threshold."}
		}},
		{"presentation failed", func(f *verifiedidtest.Server, id string) error {
			return f.Fail(id, "presentation_canceled", "The user declined to share the credential.")
		}, func(p approvals.Presentation, state string) approvals.PresentationEvent {
			return approvals.PresentationEvent{State: state, RequestID: p.ID, Status: approvals.PresentationError, FaceCheckScore: -1,
				ErrorCode: "presentation_canceled", ErrorMessage: "The user declined to share the credential."}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			a := ask(70)
			p, err := r.client.StartPresentation(context.Background(), a)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.act(r.fake, p.ID); err != nil {
				t.Fatalf("wallet: %v", err)
			}
			got := r.taken()
			if want := tc.want(p, a.State); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
				t.Errorf("events %+v\nwant [%+v]", got, want)
			}
		})
	}
}

func TestVerifiedEventCarriesNoPhoto(t *testing.T) {
	r := newRig(t)
	p := r.start(t, 70)
	if err := r.fake.Present(p.ID, verifiedidtest.Presented{Claims: aliceClaims, Score: 90}); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.taken()[0].Claims[verifiedid.PhotoClaim]; ok {
		t.Error("the event carries the photo claim")
	}
}

func TestCallbackWithoutTheAPIKeyIsRefused(t *testing.T) {
	body := verifiedBody(`{"matchConfidenceScore": 95}`, "VALID")
	for name, send := range map[string]func(*http.Request){
		"no api-key":              func(*http.Request) {},
		"wrong api-key":           func(q *http.Request) { q.Header.Set("api-key", "callback-key-0000000000") },
		"key with more after it":  func(q *http.Request) { q.Header.Set("api-key", apiKey+"x") },
		"key cut short":           func(q *http.Request) { q.Header.Set("api-key", apiKey[:len(apiKey)-1]) },
		"key in another header":   func(q *http.Request) { q.Header.Set("Authorization", apiKey) },
		"key twice, one of wrong": func(q *http.Request) { q.Header.Add("api-key", "nope"); q.Header.Add("api-key", apiKey) },
	} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t)
			req, _ := http.NewRequest(http.MethodPost, r.cfg.CallbackURL, strings.NewReader(body))
			send(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", resp.StatusCode)
			}
			if got := r.taken(); len(got) != 0 {
				t.Errorf("delivered %+v, want nothing", got)
			}
		})
	}
}

func TestCallbackThatIsNotADocumentedCallbackIsRefused(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":          `requestStatus=presentation_verified`,
		"empty":             ``,
		"an array":          `[{"requestId":"r1","requestStatus":"request_retrieved","state":"s1"}]`,
		"unknown status":    `{"requestId":"r1","requestStatus":"presentation_approved","state":"s1"}`,
		"no state":          `{"requestId":"r1","requestStatus":"request_retrieved"}`,
		"no request id":     `{"requestStatus":"request_retrieved","state":"s1"}`,
		"no credentials":    `{"requestId":"r1","requestStatus":"presentation_verified","state":"s1","verifiedCredentialsData":[]}`,
		"claims not a map":  `{"requestId":"r1","requestStatus":"presentation_verified","state":"s1","verifiedCredentialsData":[{"claims":"alice"}]}`,
		"score not numeric": verifiedBody(`{"matchConfidenceScore":"high"}`, "VALID"),
	} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t)
			if status := r.post(t, apiKey, []byte(body)); status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", status)
			}
			if got := r.taken(); len(got) != 0 {
				t.Errorf("delivered %+v, want nothing", got)
			}
		})
	}
}

func TestCallbackOverTheSizeLimitIsRefused(t *testing.T) {
	r := newRig(t)
	big := []byte(`{"requestId":"r1","requestStatus":"request_retrieved","state":"s1","pad":"` +
		strings.Repeat("a", verifiedid.MaxCallbackBytes) + `"}`)
	if status := r.post(t, apiKey, big); status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", status)
	}
	if got := r.taken(); len(got) != 0 {
		t.Errorf("delivered %+v, want nothing", got)
	}
}

func TestCallbackAnswersOnlyPost(t *testing.T) {
	r := newRig(t)
	req, _ := http.NewRequest(http.MethodGet, r.cfg.CallbackURL, nil)
	req.Header.Set("api-key", apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("status %d, want 405", resp.StatusCode)
	}
}

func TestRepeatedCallbackIsPassedOnOnce(t *testing.T) {
	r := newRig(t)
	p := r.start(t, 70)
	if err := r.fake.Present(p.ID, verifiedidtest.Presented{Claims: aliceClaims, Score: 91}); err != nil {
		t.Fatal(err)
	}
	if err := r.fake.Replay(p.ID); err != nil {
		t.Errorf("a repeated callback was answered %v, want 200", err)
	}
	other := `{"requestId":"` + p.ID + `","requestStatus":"presentation_error","state":"s1","error":{"code":"x","message":"y"}}`
	if status := r.post(t, apiKey, []byte(other)); status != http.StatusConflict {
		t.Errorf("a different ending for a finished request got %d, want 409", status)
	}
	if got := r.taken(); len(got) != 1 || got[0].Status != approvals.PresentationVerified {
		t.Errorf("delivered %+v, want the one verified event", got)
	}
}

func TestCallbackTheDomainDoesNotTakeIsAnsweredWithAnErrorAndCanComeAgain(t *testing.T) {
	for _, tc := range []struct {
		code   string
		status int
	}{
		{approvals.ENOTFOUND, http.StatusNotFound},
		{approvals.EINVALID, http.StatusBadRequest},
		{approvals.ECONFLICT, http.StatusConflict},
		{approvals.EUNAVAILABLE, http.StatusServiceUnavailable},
		{approvals.EINTERNAL, http.StatusInternalServerError},
	} {
		t.Run(tc.code, func(t *testing.T) {
			r := newRig(t)
			p := r.start(t, 70)
			r.setRefuse(approvals.Errorf(tc.code, "not now"))
			err := r.fake.Present(p.ID, verifiedidtest.Presented{Claims: aliceClaims, Score: 91})
			if got := verifiedidtest.AsCallbackError(err); got != tc.status {
				t.Fatalf("callback answered %v, want %d", err, tc.status)
			}
			r.setRefuse(nil)
			if err := r.fake.Replay(p.ID); err != nil {
				t.Fatalf("the retry was answered %v, want 200", err)
			}
			if got := r.taken(); len(got) != 1 || got[0].Status != approvals.PresentationVerified {
				t.Errorf("delivered %+v, want the verified event once", got)
			}
		})
	}
}

func TestVerifiedCallbackWithoutFaceCheckHasNoScore(t *testing.T) {
	r := newRig(t)
	if status := r.post(t, apiKey, []byte(verifiedBody("", "VALID"))); status != http.StatusOK {
		t.Fatalf("status %d, want 200", status)
	}
	if got := r.taken(); len(got) != 1 || got[0].Status != approvals.PresentationVerified || got[0].FaceCheckScore != -1 {
		t.Errorf("delivered %+v, want a verified event with score -1", got)
	}
}

func TestNonStringClaimsKeepTheirJSON(t *testing.T) {
	r := newRig(t)
	body := `{"requestId":"r1","requestStatus":"presentation_verified","state":"s1","subject":"did:jwk:abc",
		"verifiedCredentialsData":[{"issuer":"` + authority + `","type":["VerifiableCredential","VerifiedEmployee"],
		"claims":{"revocationId":"alice@contoso.com","employeeNumber":4711,"groups":["finance"]}}]}`
	if status := r.post(t, apiKey, []byte(body)); status != http.StatusOK {
		t.Fatalf("status %d, want 200", status)
	}
	want := map[string]string{"revocationId": "alice@contoso.com", "employeeNumber": "4711", "groups": `["finance"]`}
	if got := r.taken(); len(got) != 1 || !reflect.DeepEqual(got[0].Claims, want) {
		t.Errorf("delivered %+v, want claims %v", got, want)
	}
}

func TestRevokedCredentialArrivesAsAPresentationError(t *testing.T) {
	r := newRig(t)
	if status := r.post(t, apiKey, []byte(verifiedBody(`{"matchConfidenceScore":95}`, "REVOKED"))); status != http.StatusOK {
		t.Fatalf("status %d, want 200", status)
	}
	got := r.taken()
	if len(got) != 1 || got[0].Status != approvals.PresentationError || got[0].Claims != nil || got[0].FaceCheckScore != -1 {
		t.Errorf("delivered %+v, want a presentation error without claims or score", got)
	}
}

func TestPickedCredentialIsTheVerifiedEmployee(t *testing.T) {
	r := newRig(t)
	body := `{"requestId":"r1","requestStatus":"presentation_verified","state":"s1","verifiedCredentialsData":[
		{"issuer":"did:web:other.example","type":["VerifiableCredential","CourseCertificate"],"claims":{"course":"FC100"}},
		{"issuer":"` + authority + `","type":["VerifiableCredential","VerifiedEmployee"],"claims":{"revocationId":"alice@contoso.com"},"faceCheck":{"matchConfidenceScore":88}}]}`
	if status := r.post(t, apiKey, []byte(body)); status != http.StatusOK {
		t.Fatalf("status %d, want 200", status)
	}
	if got := r.taken(); len(got) != 1 || got[0].Issuer != authority || got[0].FaceCheckScore != 88 || !slices.Contains(got[0].CredentialType, "VerifiedEmployee") {
		t.Errorf("delivered %+v, want the VerifiedEmployee credential", got)
	}
}

// TestCallbackLogsHoldNoClaimValueNorSecret: the log says which request
// and what happened, never who the credential names, the photo, the api
// key or the state.
func TestCallbackLogsHoldNoClaimValueNorSecret(t *testing.T) {
	r := newRig(t)
	a := ask(70)
	p, err := r.client.StartPresentation(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	_ = r.fake.Open(p.ID)
	r.setRefuse(approvals.Errorf(approvals.EUNAVAILABLE, "store busy"))
	_ = r.fake.Present(p.ID, verifiedidtest.Presented{Claims: aliceClaims, Score: 93})
	r.setRefuse(nil)
	_ = r.fake.Replay(p.ID)
	_ = r.fake.Replay(p.ID)
	r.post(t, "wrong", []byte(verifiedBody(`{"matchConfidenceScore":95}`, "VALID")))
	r.post(t, apiKey, []byte(`{"requestId":"r9","requestStatus":"presentation_verified","state":"s9","verifiedCredentialsData":[]}`))

	logs := r.logs.String()
	if !strings.Contains(logs, p.ID) {
		t.Fatalf("the log does not name the request %s:\n%s", p.ID, logs)
	}
	secrets := []string{apiKey, a.State, verifiedidtest.Photo}
	for _, v := range aliceClaims {
		secrets = append(secrets, v)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds %q:\n%s", s, logs)
		}
	}
}

// verifiedBody is a presentation_verified callback for Alice with the
// faceCheck object given ("" = none) and revocation status.
func verifiedBody(faceCheck, revocation string) string {
	vc := map[string]any{
		"issuer": authority, "type": []string{"VerifiableCredential", "VerifiedEmployee"},
		"claims": aliceClaims, "credentialState": map[string]any{"revocationStatus": revocation},
	}
	if faceCheck != "" {
		vc["faceCheck"] = json.RawMessage(faceCheck)
	}
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(map[string]any{
		"requestId": "e4ef27ca-eb8c-4b63-823b-3b95140eac11", "requestStatus": "presentation_verified",
		"state": "92d076dd-450a-4247-aa5b-d2e75a1a5d58", "subject": "did:jwk:eyJrdHkiOiJFQyJ9",
		"verifiedCredentialsData": []any{vc},
	})
	return b.String()
}
