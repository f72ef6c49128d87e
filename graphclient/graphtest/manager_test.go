package graphtest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestUserPhonesAreInTheDefaultSetAndFollowSelect(t *testing.T) {
	f := newFixture(t)
	_, alice := f.call("GET", "/users/alice@contoso.com", nil)
	if phones, _ := alice["businessPhones"].([]any); len(phones) != 1 || phones[0] != "+1 425 555 0110" || alice["mobilePhone"] != "+1 425 555 0111" {
		t.Errorf("alice's phones: %v", alice)
	}
	_, dan := f.call("GET", "/users/dan@contoso.com", nil)
	if phones, ok := dan["businessPhones"].([]any); !ok || len(phones) != 0 {
		t.Errorf("a user without business phones has businessPhones %v, want []", dan["businessPhones"])
	}
	if v, ok := dan["mobilePhone"]; !ok || v != nil {
		t.Errorf("a user without a mobile phone has mobilePhone %v (present %v), want null", v, ok)
	}
	f.s.SetPhones("dan@contoso.com", []string{"+1 425 555 0140", "+1 425 555 0141"}, "")
	_, sel := f.call("GET", "/users/dan@contoso.com?$select=businessPhones", nil)
	if phones, _ := sel["businessPhones"].([]any); len(phones) != 2 || len(sel) != 2 { // and @odata.context
		t.Errorf("$select=businessPhones: %v", sel)
	}
}

func TestManagerIsTheManagersUserObjectOr404(t *testing.T) {
	f := newFixture(t)
	status, body := f.call("GET", "/users/alice@contoso.com/manager", nil)
	if status != http.StatusOK || body["@odata.type"] != "#microsoft.graph.user" || body["id"] != "0b3a5f2e-1c4d-4e6f-8a9b-000000000c33" ||
		body["displayName"] != "Carol Chen" || body["userPrincipalName"] != "carol@contoso.com" || body["mail"] != "carol@contoso.com" ||
		!strings.HasSuffix(body["@odata.context"].(string), "$metadata#directoryObjects/$entity") {
		t.Errorf("alice's manager: %d %v", status, body)
	}
	_, sel := f.call("GET", "/users/alice@contoso.com/manager?$select=id,mail", nil)
	if _, extra := sel["displayName"]; extra || sel["mail"] != "carol@contoso.com" {
		t.Errorf("$select=id,mail: %v", sel)
	}
	f.s.SetManager("alice@contoso.com", "")
	for _, tc := range []struct{ path, wantMsg string }{
		{"/users/alice@contoso.com/manager", "Resource 'manager' does not exist"},
		{"/users/dan@contoso.com/manager", "Resource 'manager' does not exist"},
		{"/users/nobody@contoso.com/manager", "Resource 'nobody@contoso.com' does not exist"},
	} {
		status, body := f.call("GET", tc.path, nil)
		if status != http.StatusNotFound || errorCode(body) != "Request_ResourceNotFound" || !strings.Contains(errorMessage(body), tc.wantMsg) {
			t.Errorf("GET %s: %d %v, want 404 Request_ResourceNotFound %q", tc.path, status, body, tc.wantMsg)
		}
	}
	f.s.SetRoles("UserAuthMethod-TAP.ReadWrite.All")
	if status, body := f.call("GET", "/users/bob@contoso.com/manager", nil); status != http.StatusForbidden || errorCode(body) != "Authorization_RequestDenied" {
		t.Errorf("without User.Read.All: %d %v", status, body)
	}
}

func TestVerificationRolesAreGrantedBesidesTheDefaultOnes(t *testing.T) {
	f := newFixture(t)
	claims := tokenClaims(t, f.token)["roles"].([]any)
	var roles []string
	for _, r := range claims {
		roles = append(roles, r.(string))
	}
	for _, want := range append(DefaultRoles(), VerificationRoles()...) {
		if !slices.Contains(roles, want) {
			t.Errorf("a new server's token lacks %s: %v", want, roles)
		}
	}
}
