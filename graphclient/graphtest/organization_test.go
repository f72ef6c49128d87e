package graphtest

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

func TestOrganizationListsEachTenantsOwnVerifiedDomains(t *testing.T) {
	c := newCustomers(t)
	c.s.Consent(contosoID, mspApp)
	c.s.Consent(fabrikamID, mspApp)
	c.contoso.SetRoles(append(DefaultRoles(), "Organization.Read.All")...)
	c.fabrikam.SetRoles(append(DefaultRoles(), "Directory.Read.All")...)
	c.contoso.SetVerifiedDomains(Domain{Name: "contoso.com", IsDefault: true}, Domain{Name: "contoso.onmicrosoft.com", IsInitial: true})
	c.fabrikam.SetVerifiedDomains(Domain{Name: "fabrikam.com", IsDefault: true, Type: "Federated"})

	status, body := graphGet(context.Background(), t, c.s, mustToken(t, c.s, contosoID), "/organization")
	got, _ := json.Marshal(body["value"])
	const want = `[{"displayName":"Contoso Ltd","id":"` + contosoID + `","verifiedDomains":[` +
		`{"capabilities":"Email, OfficeCommunicationsOnline","isDefault":true,"isInitial":false,"name":"contoso.com","type":"Managed"},` +
		`{"capabilities":"Email, OfficeCommunicationsOnline","isDefault":false,"isInitial":true,"name":"contoso.onmicrosoft.com","type":"Managed"}]}]`
	if status != http.StatusOK || string(got) != want || body["@odata.context"] != c.s.GraphURL()+"/$metadata#organization" {
		t.Errorf("contoso's organization: %d %v\nvalue %s\nwant  %s", status, body, got, want)
	}

	fabrikam := mustToken(t, c.s, fabrikamID)
	status, body = graphGet(context.Background(), t, c.s, fabrikam, "/organization?$select=verifiedDomains")
	got, _ = json.Marshal(body["value"])
	if status != http.StatusOK || string(got) != `[{"verifiedDomains":[{"capabilities":"Email, OfficeCommunicationsOnline","isDefault":true,"isInitial":false,"name":"fabrikam.com","type":"Federated"}]}]` {
		t.Errorf("fabrikam's organization, verifiedDomains selected: %d %s", status, got)
	}
	if status, body := graphGet(context.Background(), t, c.s, fabrikam, "/organization/"+fabrikamID); status != http.StatusOK || body["id"] != fabrikamID {
		t.Errorf("GET /organization/{id}: %d %v", status, body)
	}
	if status, _ := graphGet(context.Background(), t, c.s, fabrikam, "/organization/"+contosoID); status != http.StatusNotFound {
		t.Errorf("fabrikam's token read contoso's organization: %d", status)
	}
}

func TestOrganizationNeedsAnOrganizationOrDirectoryPermission(t *testing.T) {
	c := newCustomers(t)
	c.s.Consent(contosoID, mspApp)
	c.contoso.SetVerifiedDomains(Domain{Name: "contoso.com"})
	token := mustToken(t, c.s, contosoID) // DefaultRoles: User.Read.All, but no Organization.Read.All
	status, body := graphGet(context.Background(), t, c.s, token, "/organization")
	if e, _ := body["error"].(map[string]any); status != http.StatusForbidden || e["code"] != "Authorization_RequestDenied" {
		t.Fatalf("without Organization.Read.All: %d %v, want 403 Authorization_RequestDenied", status, body)
	}
}
