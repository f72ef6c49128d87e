package verifiedidtest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/verifiedid/verifiedidtest"
)

const (
	tenant    = "8a1f0c3e-5b7d-4e2a-9c6f-3d2b1a0e9f87"
	authority = "did:web:verifiedid.contoso.com"
)

// documented is the createPresentationRequest body of the documentation's
// Face Check example, with the callback pointing at url.
func documented(url string) map[string]any {
	return map[string]any{
		"authority": authority, "includeQRCode": false, "includeReceipt": false,
		"registration": map[string]any{"clientName": "tapbot"},
		"callback": map[string]any{"url": url, "state": "92d076dd-450a-4247-aa5b-d2e75a1a5d58",
			"headers": map[string]any{"api-key": "OPTIONAL API-KEY for CALLBACK EVENTS"}},
		"requestedCredentials": []any{map[string]any{
			"type": "VerifiedEmployee", "acceptedIssuers": []any{authority},
			"configuration": map[string]any{"validation": map[string]any{
				"allowRevoked": false, "validateLinkedDomain": true,
				"faceCheck": map[string]any{"sourcePhotoClaimName": "photo", "matchConfidenceThreshold": 70},
			}},
		}},
	}
}

func newFake(t *testing.T) *verifiedidtest.Server {
	t.Helper()
	f := verifiedidtest.NewServer()
	t.Cleanup(f.Close)
	f.AddAuthority(tenant, authority)
	return f
}

// create posts body with token and decodes the answer.
func create(t *testing.T, f *verifiedidtest.Server, token string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, f.URL+verifiedidtest.CreatePath, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var answer map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return resp.StatusCode, answer
}

func TestCreateAnswersTheDocumentedResponse(t *testing.T) {
	f := newFake(t)
	status, answer := create(t, f, verifiedidtest.Token(tenant, verifiedidtest.PresentRole), documented("https://tapbot.contoso.com/verifiedid/callback"))
	if status != http.StatusCreated {
		t.Fatalf("status %d %v, want 201", status, answer)
	}
	url, _ := answer["url"].(string)
	expiry, _ := answer["expiry"].(float64)
	if answer["requestId"] == "" || !strings.HasPrefix(url, "openid-vc://?request_uri=") || expiry < float64(time.Now().Unix()) {
		t.Errorf("answer %v, want requestId, an openid-vc url and a future expiry", answer)
	}
}

// cred and faceCheck reach into a documented body.
func cred(b map[string]any) map[string]any {
	return b["requestedCredentials"].([]any)[0].(map[string]any)
}

func faceCheck(b map[string]any) map[string]any {
	return cred(b)["configuration"].(map[string]any)["validation"].(map[string]any)["faceCheck"].(map[string]any)
}

func TestCreateRefusesWhatTheServiceRefuses(t *testing.T) {
	const fc = "requestedCredentials[0].configuration.validation.faceCheck."
	callback := func(b map[string]any) map[string]any { return b["callback"].(map[string]any) }
	cases := []struct {
		name, inner, target string
		mutate              func(map[string]any)
	}{
		{"threshold below 50", "badOrMissingField", fc + "matchConfidenceThreshold", func(b map[string]any) { faceCheck(b)["matchConfidenceThreshold"] = 49 }},
		{"threshold above 100", "badOrMissingField", fc + "matchConfidenceThreshold", func(b map[string]any) { faceCheck(b)["matchConfidenceThreshold"] = 101 }},
		{"no photo claim named", "badOrMissingField", fc + "sourcePhotoClaimName", func(b map[string]any) { delete(faceCheck(b), "sourcePhotoClaimName") }},
		{"receipt with face check", "badOrMissingField", "includeReceipt", func(b map[string]any) { b["includeReceipt"] = true }},
		{"no authority", "badOrMissingField", "authority", func(b map[string]any) { delete(b, "authority") }},
		{"authority of another tenant", "notFound", "authority", func(b map[string]any) { b["authority"] = "did:web:verifiedid.fabrikam.com" }},
		{"no client name", "badOrMissingField", "registration.clientName", func(b map[string]any) { b["registration"] = map[string]any{} }},
		{"no callback url", "badOrMissingField", "callback.url", func(b map[string]any) { delete(callback(b), "url") }},
		{"relative callback url", "badOrMissingField", "callback.url", func(b map[string]any) { callback(b)["url"] = "/api/verifier/presentationCallback" }},
		{"no state", "badOrMissingField", "callback.state", func(b map[string]any) { delete(callback(b), "state") }},
		{"unsupported callback header", "badOrMissingField", "callback.headers", func(b map[string]any) { callback(b)["headers"] = map[string]any{"x-api-key": "k"} }},
		{"empty api-key", "badOrMissingField", "callback.headers", func(b map[string]any) { callback(b)["headers"] = map[string]any{"api-key": ""} }},
		{"no credentials", "badOrMissingField", "requestedCredentials", func(b map[string]any) { b["requestedCredentials"] = []any{} }},
		{"no credential type", "badOrMissingField", "requestedCredentials[0].type", func(b map[string]any) { delete(cred(b), "type") }},
		{"includeQRCode not boolean", "badOrMissingField", "includeQRCode", func(b map[string]any) { b["includeQRCode"] = "yes" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			body := documented("https://tapbot.contoso.com/verifiedid/callback")
			tc.mutate(body)
			status, answer := create(t, f, verifiedidtest.Token(tenant, verifiedidtest.PresentRole), body)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d %v, want 400", status, answer)
			}
			checkErrorShape(t, answer, "badRequest", tc.inner, tc.target)
		})
	}
}

func TestCreateChecksTheToken(t *testing.T) {
	expired := func() string {
		claims, _ := json.Marshal(map[string]any{"aud": verifiedidtest.AppID, "tid": tenant, "exp": time.Now().Add(-time.Minute).Unix(),
			"roles": []string{verifiedidtest.PresentRole}})
		return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(claims) + ".c2ln"
	}
	graph := func() string {
		claims, _ := json.Marshal(map[string]any{"aud": "https://graph.microsoft.com", "tid": tenant, "exp": time.Now().Add(time.Hour).Unix(),
			"roles": []string{verifiedidtest.PresentRole}})
		return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(claims) + ".c2ln"
	}
	cases := []struct {
		name, token string
		status      int
		code        string
	}{
		{"no token", "", http.StatusUnauthorized, "unauthorized"},
		{"not a JWT", "opaque-token", http.StatusUnauthorized, "unauthorized"},
		{"expired", expired(), http.StatusUnauthorized, "unauthorized"},
		{"for Graph", graph(), http.StatusUnauthorized, "unauthorized"},
		{"without the role", verifiedidtest.Token(tenant, "VerifiableCredential.Create.IssueRequest"), http.StatusForbidden, "forbidden"},
		{"with the present role", verifiedidtest.Token(tenant, verifiedidtest.PresentRole), http.StatusCreated, ""},
		{"with the all role", verifiedidtest.Token(tenant, verifiedidtest.AllRole), http.StatusCreated, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			status, answer := create(t, f, tc.token, documented("https://tapbot.contoso.com/cb"))
			if status != tc.status {
				t.Fatalf("status %d %v, want %d", status, answer, tc.status)
			}
			if tc.code != "" {
				checkErrorShape(t, answer, tc.code, "tokenError", "")
			}
		})
	}
}

// checkErrorShape asserts the documented error body: requestId, date,
// mscv, and error{code, message, innererror{code, message, target}}.
func checkErrorShape(t *testing.T, answer map[string]any, code, inner, target string) {
	t.Helper()
	e, _ := answer["error"].(map[string]any)
	ie, _ := e["innererror"].(map[string]any)
	switch {
	case answer["requestId"] == nil || answer["date"] == nil || answer["mscv"] == nil:
		t.Errorf("error body %v lacks requestId, date or mscv", answer)
	case e["code"] != code || e["message"] == "":
		t.Errorf("error %v, want code %s with a message", e, code)
	case ie["code"] != inner || ie["message"] == "":
		t.Errorf("innererror %v, want code %s with a message", ie, inner)
	case target != "" && ie["target"] != target:
		t.Errorf("innererror target %v, want %s", ie["target"], target)
	}
}

// receiver records the callbacks posted to it.
type receiver struct {
	srv    *httptest.Server
	bodies chan map[string]any
	keys   chan string
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{bodies: make(chan map[string]any, 8), keys: make(chan string, 8)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, q *http.Request) {
		var body map[string]any
		b, _ := io.ReadAll(q.Body)
		_ = json.Unmarshal(b, &body)
		r.keys <- q.Header.Get("api-key")
		r.bodies <- body
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// started creates a presentation request whose callback is rec and
// returns its id.
func started(t *testing.T, f *verifiedidtest.Server, rec *receiver, threshold int) string {
	t.Helper()
	body := documented(rec.srv.URL + "/cb")
	faceCheck(body)["matchConfidenceThreshold"] = threshold
	status, answer := create(t, f, verifiedidtest.Token(tenant, verifiedidtest.PresentRole), body)
	if status != http.StatusCreated {
		t.Fatalf("status %d %v", status, answer)
	}
	return answer["requestId"].(string)
}

func TestWalletPostsTheDocumentedCallbacks(t *testing.T) {
	f := newFake(t)
	rec := newReceiver(t)
	id := started(t, f, rec, 80)
	state := "92d076dd-450a-4247-aa5b-d2e75a1a5d58"

	if err := f.Open(id); err != nil {
		t.Fatal(err)
	}
	if key, body := <-rec.keys, <-rec.bodies; key != "OPTIONAL API-KEY for CALLBACK EVENTS" ||
		!reflect.DeepEqual(body, map[string]any{"requestId": id, "requestStatus": "request_retrieved", "state": state}) {
		t.Errorf("request_retrieved with key %q: %v", key, body)
	}

	if err := f.Present(id, verifiedidtest.Presented{Claims: map[string]string{"revocationId": "alice@contoso.com"}, Score: 86.314159, Subject: "did:jwk:alice"}); err != nil {
		t.Fatal(err)
	}
	<-rec.keys
	body := <-rec.bodies
	vcs, _ := body["verifiedCredentialsData"].([]any)
	if body["requestStatus"] != "presentation_verified" || body["state"] != state || body["subject"] != "did:jwk:alice" || len(vcs) != 1 || body["receipt"] != nil {
		t.Fatalf("presentation_verified: %v", body)
	}
	vc := vcs[0].(map[string]any)
	claims, _ := vc["claims"].(map[string]any)
	wantFace := map[string]any{"matchConfidenceScore": 86.314159, "sourcePhotoQuality": "HIGH"}
	if vc["issuer"] != authority || !reflect.DeepEqual(vc["type"], []any{"VerifiableCredential", "VerifiedEmployee"}) ||
		claims["revocationId"] != "alice@contoso.com" || claims["photo"] != verifiedidtest.Photo ||
		!reflect.DeepEqual(vc["faceCheck"], wantFace) || !reflect.DeepEqual(vc["credentialState"], map[string]any{"revocationStatus": "VALID"}) {
		t.Errorf("verified credential: %v", vc)
	}
}

func TestPresentBelowTheThresholdPostsTheServicesError(t *testing.T) {
	f := newFake(t)
	rec := newReceiver(t)
	id := started(t, f, rec, 90)
	if err := f.Present(id, verifiedidtest.Presented{Score: 89.99}); err != nil {
		t.Fatal(err)
	}
	<-rec.keys
	want := map[string]any{"requestId": id, "requestStatus": "presentation_error", "state": "92d076dd-450a-4247-aa5b-d2e75a1a5d58",
		"error": map[string]any{"code": "claimValidationError", "message": "Match confidence score failing to meet the threshold."}}
	if body := <-rec.bodies; !reflect.DeepEqual(body, want) {
		t.Errorf("callback %v\nwant %v", body, want)
	}
}

func TestWalletRefusesWhatNoWalletCouldDo(t *testing.T) {
	cases := []struct {
		name  string
		act   func(*verifiedidtest.Server, string) error
		posts int // callbacks posted before the refused act
	}{
		{"unknown request", func(f *verifiedidtest.Server, _ string) error { return f.Open("no-such-request") }, 0},
		{"expired link", func(f *verifiedidtest.Server, id string) error {
			f.SetNow(func() time.Time { return time.Now().Add(verifiedidtest.RequestLifetime + time.Second) })
			return f.Open(id)
		}, 0},
		{"finished request", func(f *verifiedidtest.Server, id string) error {
			_ = f.Fail(id, "presentation_canceled", "declined") // counted in posts
			return f.Present(id, verifiedidtest.Presented{Score: 99})
		}, 1},
		{"issuer the request does not accept", func(f *verifiedidtest.Server, id string) error {
			return f.Present(id, verifiedidtest.Presented{Issuer: "did:web:verifiedid.fabrikam.com", Score: 99})
		}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			rec := newReceiver(t)
			id := started(t, f, rec, 70)
			if err := tc.act(f, id); err == nil {
				t.Error("the wallet acted, want an error")
			}
			if n := len(rec.bodies); n != tc.posts {
				t.Errorf("%d callbacks posted, want %d", n, tc.posts)
			}
		})
	}
}
