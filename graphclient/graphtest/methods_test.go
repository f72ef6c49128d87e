package graphtest

import (
	"net/http"
	"testing"
	"time"
)

// methodsByType indexes a methods listing by @odata.type.
func methodsByType(t *testing.T, body map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	items, _ := body["value"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		out[m["@odata.type"].(string)] = m
	}
	return out
}

func TestAuthenticationMethodsListEachTypeWithItsOwnProperties(t *testing.T) {
	f := newFixture(t)
	key := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	f.s.AddMethod("carol@contoso.com", Method{Type: MethodFIDO2, DisplayName: "Red key", Model: "YubiKey 5", Created: key})
	f.s.AddMethod("carol@contoso.com", Method{Type: MethodPhone, PhoneNumber: "+1 4255550199"})
	f.s.AddMethod("carol@contoso.com", Method{Type: MethodWindowsHello, DisplayName: "CAROL-LAPTOP", Created: key})
	status, body := f.call("GET", "/users/carol@contoso.com/authentication/methods", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d %v", status, body)
	}
	if _, paged := body["@odata.nextLink"]; paged {
		t.Error("the methods list has a nextLink; Graph does not page it")
	}
	got := methodsByType(t, body)
	checks := []struct {
		typ  string
		want map[string]any
	}{
		{"#microsoft.graph.passwordAuthenticationMethod", map[string]any{"id": "28c10230-6103-485e-b985-444c60001490", "password": nil, "createdDateTime": nil}},
		{"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod", map[string]any{"displayName": "Pixel 8"}},
		{"#microsoft.graph.fido2AuthenticationMethod", map[string]any{"displayName": "Red key", "model": "YubiKey 5", "createdDateTime": "2025-06-01T08:00:00Z"}},
		{"#microsoft.graph.windowsHelloForBusinessAuthenticationMethod", map[string]any{"displayName": "CAROL-LAPTOP", "createdDateTime": "2025-06-01T08:00:00Z"}},
		{"#microsoft.graph.phoneAuthenticationMethod", map[string]any{"id": "3179e48a-750b-4051-897c-87b9720928f7", "phoneNumber": "+1 4255550199", "phoneType": "mobile"}},
		{"#microsoft.graph.temporaryAccessPassAuthenticationMethod", map[string]any{"temporaryAccessPass": nil, "isUsable": true}},
	}
	for _, c := range checks {
		m, ok := got[c.typ]
		if !ok {
			t.Errorf("no %s in %v", c.typ, body)
			continue
		}
		for k, v := range c.want {
			if gotV, present := m[k]; !present || gotV != v {
				t.Errorf("%s.%s = %v (present %v), want %v", c.typ, k, gotV, present, v)
			}
		}
	}
	if _, dated := got["#microsoft.graph.phoneAuthenticationMethod"]["createdDateTime"]; dated {
		t.Error("a phone method has a createdDateTime; Graph's has none")
	}
	if _, dated := got["#microsoft.graph.microsoftAuthenticatorAuthenticationMethod"]["createdDateTime"]; !dated {
		t.Error("the Authenticator has no createdDateTime")
	}
}

func TestAuthenticationMethodsNeedTheirPermissionAndAUser(t *testing.T) {
	f := newFixture(t)
	if status, body := f.call("GET", "/users/nobody@contoso.com/authentication/methods", nil); status != http.StatusNotFound || errorCode(body) != "Request_ResourceNotFound" {
		t.Errorf("unknown user: %d %v", status, body)
	}
	f.s.SetRoles(DefaultRoles()...) // the TAP-only permission does not read other methods
	if status, body := f.call("GET", "/users/alice@contoso.com/authentication/methods", nil); status != http.StatusForbidden || errorCode(body) != "Authorization_RequestDenied" {
		t.Errorf("without UserAuthenticationMethod.Read.All: %d %v", status, body)
	}
}

func TestAddMethodRefusesPasswordsPassesAndUnknownUsers(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ user, typ string }{
		{"alice@contoso.com", MethodPassword},
		{"alice@contoso.com", MethodTAP},
		{"alice@contoso.com", "somethingElse"},
		{"nobody@contoso.com", MethodFIDO2},
	} {
		if _, ok := f.s.AddMethod(tc.user, Method{Type: tc.typ}); ok {
			t.Errorf("AddMethod(%s, %s) succeeded", tc.user, tc.typ)
		}
	}
}
