package graphtest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
)

func TestDemoCustomerSeedsEachTenantWithItsOwnPeople(t *testing.T) {
	s := NewServer()
	t.Cleanup(s.Close)
	for _, c := range []struct{ id, domain, org string }{{contosoID, "contoso.com", "Contoso"}, {fabrikamID, "fabrikam.com", "Fabrikam"}} {
		DemoCustomer(s.AddTenant(c.id, c.org), c.domain, c.org)
		s.Consent(c.id, mspApp)
	}
	fabrikam := mustToken(t, s, fabrikamID)
	get := func(path string) (int, map[string]any) { return graphGet(context.Background(), t, s, fabrikam, path) }

	tests := []struct{ upn, name string }{
		{"alice@fabrikam.com", "Alice Andersen (Fabrikam)"},
		{"bob@fabrikam.com", "Bob Berg (Fabrikam)"},
		{"carol@fabrikam.com", "Carol Chen (Fabrikam)"},
		{"dan@fabrikam.com", "Dan Duarte (Fabrikam)"},
	}
	for _, tt := range tests {
		if status, body := get("/users/" + tt.upn); status != http.StatusOK || body["displayName"] != tt.name {
			t.Errorf("%s: %d %v, want %q", tt.upn, status, body, tt.name)
		}
	}
	if _, body := get("/users/bob@fabrikam.com?$select=accountEnabled"); body["accountEnabled"] != false {
		t.Errorf("bob's account is enabled: %v", body)
	}
	if _, body := get("/users/carol@fabrikam.com/authentication/temporaryAccessPassMethods"); len(body["value"].([]any)) != 1 {
		t.Errorf("carol has no pass: %v", body)
	}
	if _, body := get("/users/dan@fabrikam.com/transitiveMemberOf/microsoft.graph.directoryRole"); !containsRole(body, GlobalAdministratorTemplateID) {
		t.Errorf("dan is no Global Administrator: %v", body)
	}
	if status, _ := get("/users/alice@contoso.com"); status != http.StatusNotFound {
		t.Errorf("fabrikam's token found contoso's alice: %d", status)
	}
	if n := len(s.AllIssued()); n != 0 {
		t.Errorf("seeding issued %d passes; carol's pass is placed, not issued", n)
	}
}

// containsRole reports whether a directoryRole page lists the role template.
func containsRole(page map[string]any, template string) bool {
	values, _ := page["value"].([]any)
	for _, v := range values {
		if m, ok := v.(map[string]any); ok && fmt.Sprint(m["roleTemplateId"]) == template {
			return true
		}
	}
	return false
}
