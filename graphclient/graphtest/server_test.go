package graphtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixture is a started fake with the demo tenant and a token for its Graph.
type fixture struct {
	t     *testing.T
	s     *Server
	token string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	DemoTenant(s)
	f := &fixture{t: t, s: s}
	status, body := f.tokenRequest(url.Values{"client_secret": {"s3cret"}})
	if status != http.StatusOK {
		t.Fatalf("token request: status %d, body %v", status, body)
	}
	f.token = body["access_token"].(string)
	return f
}

func (f *fixture) tokenRequest(extra url.Values) (int, map[string]any) {
	f.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"app-1"}, "scope": {f.s.URL + "/.default"}}
	for k, v := range extra {
		form[k] = v
	}
	resp, err := f.s.Client().PostForm(f.s.URL+"/tenant-1/oauth2/v2.0/token", form)
	if err != nil {
		f.t.Fatalf("token request: %v", err)
	}
	return decode(f.t, resp)
}

// call sends a Graph request with the fixture's token.
func (f *fixture) call(method, path string, body any) (int, map[string]any) {
	f.t.Helper()
	return f.callCtx(context.Background(), method, path, body)
}

func (f *fixture) callCtx(ctx context.Context, method, path string, body any) (int, map[string]any) {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(ctx, method, f.s.GraphURL()+path, rd)
	if err != nil {
		f.t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := f.s.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	return decode(f.t, resp)
}

func decode(t *testing.T, resp *http.Response) (int, map[string]any) {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("body %q is not JSON: %v", b, err)
		}
	}
	return resp.StatusCode, m
}

func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func errorMessage(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	msg, _ := e["message"].(string)
	return msg
}

func TestGraphRefusesCallsWithoutATokenItIssued(t *testing.T) {
	f := newFixture(t)
	otherAudience := func() string {
		_, body := f.tokenRequest(url.Values{"client_secret": {"x"}, "scope": {"https://graph.microsoft.com/.default"}})
		return body["access_token"].(string)
	}()
	for _, tc := range []struct{ name, token string }{
		{"no token", ""},
		{"forged token", "eyJhbGciOiJub25lIn0.e30.c2ln"},
		{"token for another resource", otherAudience},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.token = tc.token
			status, body := f.call("GET", "/users/alice@contoso.com", nil)
			if status != http.StatusUnauthorized || errorCode(body) != "InvalidAuthenticationToken" {
				t.Fatalf("got %d %v, want 401 InvalidAuthenticationToken", status, body)
			}
		})
	}
}

func TestUserLookupFindsByIDOrUPNIgnoringCase(t *testing.T) {
	f := newFixture(t)
	for _, key := range []string{"alice@contoso.com", "ALICE@Contoso.com", "0b3a5f2e-1c4d-4e6f-8a9b-000000000a11",
		url.PathEscape("erin_fabrikam.com#EXT#@contoso.onmicrosoft.com")} {
		status, body := f.call("GET", "/users/"+key+"?$select=id,userPrincipalName", nil)
		if status != http.StatusOK || body["id"] == nil {
			t.Errorf("GET /users/%s: %d %v, want 200 with id", key, status, body)
		}
	}
}

func TestUnknownUserIs404ResourceNotFound(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/users/nobody@contoso.com", "/users/nobody@contoso.com/authentication/temporaryAccessPassMethods",
		"/users/nobody@contoso.com/transitiveMemberOf/microsoft.graph.group"} {
		status, body := f.call("GET", path, nil)
		if status != http.StatusNotFound || errorCode(body) != "Request_ResourceNotFound" {
			t.Errorf("GET %s: %d %v, want 404 Request_ResourceNotFound", path, status, body)
		}
	}
}

func TestUserPropertiesFollowSelectLikeGraph(t *testing.T) {
	f := newFixture(t)
	_, plain := f.call("GET", "/users/bob@contoso.com", nil)
	if _, ok := plain["accountEnabled"]; ok {
		t.Errorf("without $select the default set has no accountEnabled, got %v", plain)
	}
	_, sel := f.call("GET", "/users/bob@contoso.com?$select=id,displayName,userPrincipalName,accountEnabled,userType,jobTitle", nil)
	if sel["accountEnabled"] != false || sel["userType"] != "Member" || sel["displayName"] != "Bob Berg" {
		t.Errorf("selected properties wrong: %v", sel)
	}
	if _, ok := sel["mail"]; ok {
		t.Errorf("mail was not selected but returned: %v", sel)
	}
}

func TestCreatePassFollowsThePolicy(t *testing.T) {
	future := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		name       string
		policy     Policy
		body       map[string]any
		wantStatus int
		wantMsg    string // substring of the error message
		check      func(t *testing.T, body map[string]any)
	}{
		{name: "omitted fields take the policy defaults", body: map[string]any{}, wantStatus: 201,
			check: func(t *testing.T, b map[string]any) {
				if b["lifetimeInMinutes"] != 60.0 || b["isUsableOnce"] != false || len(b["temporaryAccessPass"].(string)) != 8 {
					t.Errorf("defaults not applied: %v", b)
				}
			}},
		{name: "secret length follows defaultLength", policy: Policy{DefaultLength: 16}, body: map[string]any{"lifetimeInMinutes": 120}, wantStatus: 201,
			check: func(t *testing.T, b map[string]any) {
				if len(b["temporaryAccessPass"].(string)) != 16 || b["lifetimeInMinutes"] != 120.0 {
					t.Errorf("got %v", b)
				}
			}},
		{name: "lifetime above the maximum is refused", body: map[string]any{"lifetimeInMinutes": 600}, wantStatus: 400, wantMsg: "lifetime"},
		{name: "lifetime below the minimum is refused", body: map[string]any{"lifetimeInMinutes": 30}, wantStatus: 400, wantMsg: "60 to 480"},
		{name: "one-time policy refuses a multi-use pass", policy: Policy{IsUsableOnce: true}, body: map[string]any{"isUsableOnce": false}, wantStatus: 400, wantMsg: "isUsableOnce"},
		{name: "one-time policy makes omitted isUsableOnce true", policy: Policy{IsUsableOnce: true}, body: map[string]any{}, wantStatus: 201,
			check: func(t *testing.T, b map[string]any) {
				if b["isUsableOnce"] != true {
					t.Errorf("isUsableOnce = %v, want true", b["isUsableOnce"])
				}
			}},
		{name: "disabled policy refuses", policy: Policy{State: "disabled"}, body: map[string]any{}, wantStatus: 400, wantMsg: "UserCredentialPolicy"},
		{name: "user outside the policy's groups is refused", policy: Policy{IncludeGroups: []string{DemoGroupITAdmins}}, body: map[string]any{}, wantStatus: 400, wantMsg: "UserCredentialPolicy"},
		{name: "future start is not yet valid", body: map[string]any{"startDateTime": future}, wantStatus: 201,
			check: func(t *testing.T, b map[string]any) {
				if b["isUsable"] != false || b["methodUsabilityReason"] != "NotYetValid" {
					t.Errorf("got %v, want NotYetValid", b)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.s.SetPolicy(tc.policy)
			status, body := f.call("POST", "/users/alice@contoso.com/authentication/temporaryAccessPassMethods", tc.body)
			if status != tc.wantStatus {
				t.Fatalf("status %d %v, want %d", status, body, tc.wantStatus)
			}
			if tc.wantMsg != "" && !strings.Contains(errorMessage(body), tc.wantMsg) {
				t.Errorf("message %q lacks %q", errorMessage(body), tc.wantMsg)
			}
			if tc.check != nil {
				tc.check(t, body)
			}
			if wantIssued := map[bool]int{true: 1, false: 0}[status == 201]; len(f.s.Issued()) != wantIssued {
				t.Errorf("Issued() has %d passes, want %d", len(f.s.Issued()), wantIssued)
			}
		})
	}
}

func TestCreatePassReplacesTheExistingOne(t *testing.T) {
	f := newFixture(t)
	old := f.s.Passes("carol@contoso.com")
	if len(old) != 1 {
		t.Fatalf("demo carol should have a pass, has %v", old)
	}
	status, body := f.call("POST", "/users/carol@contoso.com/authentication/temporaryAccessPassMethods", map[string]any{"lifetimeInMinutes": 60})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, body)
	}
	now := f.s.Passes("carol@contoso.com")
	if len(now) != 1 || now[0].MethodID == old[0].MethodID || now[0].Secret != body["temporaryAccessPass"] {
		t.Errorf("passes after replace = %v, want only the new one %v", now, body["id"])
	}
}

func TestListedPassesNeverCarryTheSecret(t *testing.T) {
	f := newFixture(t)
	_, created := f.call("POST", "/users/alice@contoso.com/authentication/temporaryAccessPassMethods", map[string]any{})
	status, body := f.call("GET", "/users/alice@contoso.com/authentication/temporaryAccessPassMethods", nil)
	items, _ := body["value"].([]any)
	if status != 200 || len(items) != 1 {
		t.Fatalf("list: %d %v", status, body)
	}
	item := items[0].(map[string]any)
	if v, present := item["temporaryAccessPass"]; !present || v != nil {
		t.Errorf("temporaryAccessPass = %v (present %v), want null", v, present)
	}
	if item["id"] != created["id"] || item["methodUsabilityReason"] != "EnabledByPolicy" {
		t.Errorf("listed %v, want the created pass usable", item)
	}
}

func TestListedPassIsExpiredOnceItsLifetimeIsOver(t *testing.T) {
	f := newFixture(t)
	f.s.SetNow(func() time.Time { return time.Now().Add(9 * time.Hour) }) // carol's pass: 8h, began 1h ago
	_, body := f.call("GET", "/users/carol@contoso.com/authentication/temporaryAccessPassMethods", nil)
	item := body["value"].([]any)[0].(map[string]any)
	if item["isUsable"] != false || item["methodUsabilityReason"] != "Expired" {
		t.Errorf("got %v, want Expired", item)
	}
}

func TestDeletePassThenDeleteAgainIs404(t *testing.T) {
	f := newFixture(t)
	id := f.s.Passes("carol@contoso.com")[0].MethodID
	path := "/users/carol@contoso.com/authentication/temporaryAccessPassMethods/" + id
	if status, body := f.call("DELETE", path, nil); status != http.StatusNoContent {
		t.Fatalf("first delete: %d %v", status, body)
	}
	if status, body := f.call("DELETE", path, nil); status != http.StatusNotFound {
		t.Fatalf("second delete: %d %v, want 404", status, body)
	}
	if got := f.s.Deleted(); len(got) != 1 || got[0] != id {
		t.Errorf("Deleted() = %v, want [%s]", got, id)
	}
	if len(f.s.Passes("carol@contoso.com")) != 0 {
		t.Error("pass still present after delete")
	}
}

func TestMissingPermissionIs403AuthorizationRequestDenied(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, keep string
	}{
		{"lookup needs User.Read.All", "GET", "/users/alice@contoso.com", "Policy.Read.AuthenticationMethod"},
		{"groups need GroupMember.Read.All", "GET", "/users/alice@contoso.com/transitiveMemberOf/graph.group", "User.Read.All"},
		{"roles need RoleManagement.Read.Directory", "GET", "/users/dan@contoso.com/transitiveMemberOf/microsoft.graph.directoryRole", "GroupMember.Read.All"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.s.SetRoles(tc.keep)
			status, body := f.call(tc.method, tc.path, map[string]any{})
			if status != http.StatusForbidden || errorCode(body) != "Authorization_RequestDenied" {
				t.Errorf("got %d %v, want 403 Authorization_RequestDenied", status, body)
			}
		})
	}
}

// TestPassAndPolicyCallsTakeTheNarrowOrTheBroadPermission holds the fake
// to the Graph reference pages: each TAP call goes through with its
// least privileged permission and with the broader ones the page lists,
// and is refused with any other permission tapbot might hold.
func TestPassAndPolicyCallsTakeTheNarrowOrTheBroadPermission(t *testing.T) {
	const passes = "/users/carol@contoso.com/authentication/temporaryAccessPassMethods"
	write := []string{"UserAuthMethod-TAP.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All"}
	for _, tc := range []struct {
		name, method string
		path         func(f *fixture) string
		body         any
		okStatus     int
		accepted     []string // the narrow permission first
	}{
		{"read policy", "GET", func(*fixture) string {
			return "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"
		}, nil, http.StatusOK, []string{"Policy.Read.AuthenticationMethod", "Policy.ReadWrite.AuthenticationMethod", "Policy.Read.All"}},
		{"list passes", "GET", func(*fixture) string { return passes }, nil, http.StatusOK,
			append([]string{"UserAuthMethod-TAP.Read.All", "UserAuthenticationMethod.Read.All"}, write...)},
		{"create pass", "POST", func(*fixture) string { return passes }, map[string]any{"lifetimeInMinutes": 60}, http.StatusCreated, write},
		{"delete pass", "DELETE", func(f *fixture) string { return passes + "/" + f.s.Passes("carol@contoso.com")[0].MethodID },
			nil, http.StatusNoContent, write},
	} {
		for _, role := range tc.accepted {
			t.Run(tc.name+" with "+role, func(t *testing.T) {
				f := newFixture(t)
				f.s.SetRoles(role)
				if status, body := f.call(tc.method, tc.path(f), tc.body); status != tc.okStatus {
					t.Errorf("got %d %v, want %d", status, body, tc.okStatus)
				}
			})
		}
		t.Run(tc.name+" with neither", func(t *testing.T) {
			f := newFixture(t)
			others := slices.DeleteFunc(slices.Concat(DefaultRoles(), BroadRoles(), []string{"UserAuthMethod-TAP.Read.All",
				"UserAuthenticationMethod.Read.All", "Policy.ReadWrite.AuthenticationMethod", "Directory.ReadWrite.All"}),
				func(r string) bool { return slices.Contains(tc.accepted, r) })
			f.s.SetRoles(others...)
			status, body := f.call(tc.method, tc.path(f), tc.body)
			if status != http.StatusForbidden || errorCode(body) != "Authorization_RequestDenied" {
				t.Errorf("with %v: got %d %v, want 403 Authorization_RequestDenied", others, status, body)
			}
		})
	}
}

func TestDefaultRolesHoldNoBroadPermission(t *testing.T) {
	for _, broad := range []string{"UserAuthenticationMethod.ReadWrite.All", "Policy.Read.All"} {
		if slices.Contains(DefaultRoles(), broad) {
			t.Errorf("DefaultRoles() holds the broad %s", broad)
		}
		if !slices.Contains(BroadRoles(), broad) {
			t.Errorf("BroadRoles() lacks %s", broad)
		}
	}
}

func TestTokensCarryTheConsentedRoles(t *testing.T) {
	f := newFixture(t)
	f.s.SetRoles("User.Read.All")
	_, body := f.tokenRequest(url.Values{"client_secret": {"x"}})
	parts := strings.Split(body["access_token"].(string), ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("token payload: %v", err)
	}
	var claims struct {
		Roles []string `json:"roles"`
		Tid   string   `json:"tid"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("claims: %v", err)
	}
	if len(claims.Roles) != 1 || claims.Roles[0] != "User.Read.All" || claims.Tid != "tenant-1" {
		t.Errorf("claims = %+v", claims)
	}
}

func TestFilterFindsUsersByMailOrUPN(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		filter string
		want   int
	}{
		{"mail eq 'erin@fabrikam.com' or userPrincipalName eq 'erin@fabrikam.com'", 1},
		{"mail eq 'ALICE@contoso.com'", 1},
		{"userPrincipalName eq 'nobody@contoso.com'", 0},
		{"mail eq 'o''brien@contoso.com'", 0},
	} {
		status, body := f.call("GET", "/users?$filter="+url.QueryEscape(tc.filter)+"&$select=id", nil)
		if items, _ := body["value"].([]any); status != 200 || len(items) != tc.want {
			t.Errorf("filter %q: %d %v, want %d users", tc.filter, status, body, tc.want)
		}
	}
	if status, _ := f.call("GET", "/users?$filter="+url.QueryEscape("startswith(mail,'a')"), nil); status != http.StatusBadRequest {
		t.Errorf("unsupported filter: status %d, want 400", status)
	}
}

func TestCollectionsArePagedWithNextLink(t *testing.T) {
	f := newFixture(t)
	f.s.SetPageSize(2)
	var ids []string
	path := "/users?$select=id"
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		_, body := f.call("GET", path, nil)
		for _, it := range body["value"].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		next, _ := body["@odata.nextLink"].(string)
		path = strings.TrimPrefix(next, f.s.GraphURL())
	}
	if len(ids) != 5 {
		t.Errorf("paged through %d users, want 5: %v", len(ids), ids)
	}
}

func TestMemberOfListsGroupsAndRolesSeparately(t *testing.T) {
	f := newFixture(t)
	_, groups := f.call("GET", "/users/dan@contoso.com/transitiveMemberOf/microsoft.graph.group?$select=id", nil)
	_, roles := f.call("GET", "/users/dan@contoso.com/transitiveMemberOf/graph.directoryRole", nil)
	if n := len(groups["value"].([]any)); n != 2 {
		t.Errorf("dan has %d groups, want 2", n)
	}
	r := roles["value"].([]any)
	if len(r) != 1 || r[0].(map[string]any)["roleTemplateId"] != GlobalAdministratorTemplateID {
		t.Errorf("dan's roles = %v, want Global Administrator", r)
	}
}

func TestInjectedFaultsAreConsumedInOrder(t *testing.T) {
	f := newFixture(t)
	f.s.Throttle("/users/alice", 1, 1500*time.Millisecond)
	f.s.Fail("/users/alice", "GET", 503, "serviceNotAvailable", 1)
	f.s.Fail("/users/alice", "POST", 500, "generalException", 1)
	req, _ := http.NewRequest("GET", f.s.GraphURL()+"/users/alice@contoso.com", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := f.s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("first call: %d Retry-After %q, want 429 with 2", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	for _, want := range []int{503, 200} {
		if status, body := f.call("GET", "/users/alice@contoso.com", nil); status != want {
			t.Errorf("status %d %v, want %d", status, body, want)
		}
	}
	if got := len(f.s.Requests()); got != 3 {
		t.Errorf("recorded %d requests, want 3", got)
	}
}

func TestLatencyEndsWhenTheClientGivesUp(t *testing.T) {
	f := newFixture(t)
	f.s.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.s.GraphURL()+"/users/alice@contoso.com", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	_, err := f.s.Client().Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	// Close returns only once every handler has: a stuck handler would hang here.
	f.s.Close()
}

func TestTokenEndpointChecksTheClientCredential(t *testing.T) {
	jwt := func(iss string) string {
		claims, _ := json.Marshal(map[string]any{"iss": iss, "sub": iss, "aud": "x", "exp": time.Now().Add(time.Minute).Unix()})
		return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(claims) + ".c2ln"
	}
	for _, tc := range []struct {
		name      string
		form      url.Values
		wantError string
	}{
		{"client secret", url.Values{"client_secret": {"s"}}, ""},
		{"client assertion", url.Values{"client_assertion_type": {clientAssertionType}, "client_assertion": {jwt("app-1")}}, ""},
		{"assertion about another client", url.Values{"client_assertion_type": {clientAssertionType}, "client_assertion": {jwt("app-2")}}, "invalid_client"},
		{"wrong assertion type", url.Values{"client_assertion_type": {"urn:x"}, "client_assertion": {jwt("app-1")}}, "invalid_client"},
		{"no credential", url.Values{}, "invalid_client"},
		{"scope without .default", url.Values{"client_secret": {"s"}, "scope": {"https://graph.microsoft.com/User.Read"}}, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			_, body := f.tokenRequest(tc.form)
			if got, _ := body["error"].(string); got != tc.wantError {
				t.Errorf("error = %q (%v), want %q", got, body, tc.wantError)
			}
		})
	}
}

func TestFailTokensAnswersLikeEntra(t *testing.T) {
	for _, tc := range []struct {
		code, wantError, wantDesc string
		wantStatus                int
	}{
		{"AADSTS7000215: Invalid client secret provided.", "invalid_client", "AADSTS7000215: Invalid client secret provided.", 401},
		{"AADSTS7000222", "invalid_client", "AADSTS7000222: The provided client secret keys", 401},
		{"invalid_client", "invalid_client", "AADSTS7000215", 401},
		{"temporarily_unavailable", "temporarily_unavailable", "AADSTS50196", 503},
	} {
		t.Run(tc.code, func(t *testing.T) {
			f := newFixture(t)
			f.s.FailTokens(tc.code, 1)
			status, body := f.tokenRequest(url.Values{"client_secret": {"s"}})
			desc, _ := body["error_description"].(string)
			if status != tc.wantStatus || body["error"] != tc.wantError || !strings.HasPrefix(desc, tc.wantDesc) {
				t.Errorf("got %d %v, want %d %s %q", status, body, tc.wantStatus, tc.wantError, tc.wantDesc)
			}
			if status, _ := f.tokenRequest(url.Values{"client_secret": {"s"}}); status != 200 {
				t.Errorf("second request: %d, want the fault used up", status)
			}
		})
	}
}

func TestOpenIDConfigurationNamesTheTokenEndpoint(t *testing.T) {
	f := newFixture(t)
	resp, err := f.s.Client().Get(f.s.AuthorityHost() + "tenant-1/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	_, body := decode(t, resp)
	if body["token_endpoint"] != f.s.URL+"/tenant-1/oauth2/v2.0/token" || body["issuer"] != f.s.URL+"/tenant-1/v2.0" {
		t.Errorf("openid configuration = %v", body)
	}
}
