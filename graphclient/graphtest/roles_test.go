package graphtest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// pimUser adds a user who holds nothing actively but is eligible for Global
// Administrator and, through PIM for Groups, for a group that holds
// Exchange Administrator.
func pimUser(f *fixture) (User, Group) {
	g := f.s.AddGroup(Group{DisplayName: "Tier 0 admins", Roles: []Role{{DisplayName: "Exchange Administrator", RoleTemplateID: "29232cdf-9323-42fd-ade2-1d097af3e4de"}}})
	u := f.s.AddUser(User{UPN: "pim@contoso.com", AccountEnabled: true,
		EligibleRoles:  []Role{{DisplayName: "Global Administrator", RoleTemplateID: GlobalAdministratorTemplateID}},
		Assignments:    []Role{{DisplayName: "Helpdesk Operator", RoleTemplateID: "c0ffee00-0000-4000-8000-000000000001", Custom: true, Scope: "/administrativeUnits/au-1"}},
		EligibleGroups: []string{g.ID}})
	return u, g
}

func filterQuery(prop, value, expand string) string {
	q := "?$filter=" + url.QueryEscape(prop+" eq '"+value+"'")
	if expand != "" {
		q += "&$expand=" + expand
	}
	return q
}

func first(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	items, _ := body["value"].([]any)
	if len(items) != 1 {
		t.Fatalf("want one item, got %v", body)
	}
	return items[0].(map[string]any)
}

func TestRoleEligibilityIsListedByPrincipalWithItsDefinition(t *testing.T) {
	f := newFixture(t)
	u, _ := pimUser(f)
	status, body := f.call("GET", "/roleManagement/directory/roleEligibilityScheduleInstances"+filterQuery("principalId", u.ID, "roleDefinition"), nil)
	if status != http.StatusOK {
		t.Fatalf("status %d %v", status, body)
	}
	it := first(t, body)
	def, _ := it["roleDefinition"].(map[string]any)
	if it["principalId"] != u.ID || it["roleDefinitionId"] != GlobalAdministratorTemplateID || it["directoryScopeId"] != "/" ||
		it["memberType"] != "Direct" || def["displayName"] != "Global Administrator" || def["templateId"] != GlobalAdministratorTemplateID {
		t.Errorf("eligibility = %v", it)
	}
	_, plain := f.call("GET", "/roleManagement/directory/roleEligibilityScheduleInstances"+filterQuery("principalId", u.ID, ""), nil)
	if _, expanded := first(t, plain)["roleDefinition"]; expanded {
		t.Error("roleDefinition sent without $expand")
	}
	_, byUPN := f.call("GET", "/roleManagement/directory/roleEligibilityScheduleInstances"+filterQuery("principalId", u.UPN, ""), nil)
	if items, _ := byUPN["value"].([]any); len(items) != 0 {
		t.Errorf("a UPN matched as principal id: %v", byUPN)
	}
}

func TestRoleAssignmentsListScopedAndCustomRoles(t *testing.T) {
	f := newFixture(t)
	u, g := pimUser(f)
	_, body := f.call("GET", "/roleManagement/directory/roleAssignments"+filterQuery("principalId", u.ID, "roleDefinition"), nil)
	it := first(t, body)
	def, _ := it["roleDefinition"].(map[string]any)
	if it["directoryScopeId"] != "/administrativeUnits/au-1" || def["isBuiltIn"] != false || def["displayName"] != "Helpdesk Operator" {
		t.Errorf("assignment = %v", it)
	}
	_, groupBody := f.call("GET", "/roleManagement/directory/roleAssignments"+filterQuery("principalId", g.ID, ""), nil)
	if it := first(t, groupBody); it["roleDefinitionId"] != "29232cdf-9323-42fd-ade2-1d097af3e4de" {
		t.Errorf("group assignment = %v", it)
	}
}

func TestPIMForGroupsNeedsAFilterAndListsEligibleMemberships(t *testing.T) {
	f := newFixture(t)
	u, g := pimUser(f)
	path := "/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances"
	if status, body := f.call("GET", path, nil); status != http.StatusBadRequest {
		t.Errorf("unfiltered: %d %v, want 400", status, body)
	}
	_, body := f.call("GET", path+filterQuery("principalId", u.ID, "group"), nil)
	it := first(t, body)
	group, _ := it["group"].(map[string]any)
	if it["groupId"] != g.ID || it["accessId"] != "member" || group["displayName"] != "Tier 0 admins" {
		t.Errorf("eligibility = %v", it)
	}
	_, byGroup := f.call("GET", path+filterQuery("groupId", g.ID, ""), nil)
	if first(t, byGroup)["principalId"] != u.ID {
		t.Errorf("by group = %v", byGroup)
	}
}

func TestPIMEndpointsAnswerMissingPermissionAndLicenceAsGraphDoes(t *testing.T) {
	f := newFixture(t)
	u, _ := pimUser(f)
	for _, path := range []string{
		"/roleManagement/directory/roleEligibilityScheduleInstances" + filterQuery("principalId", u.ID, ""),
		"/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances" + filterQuery("principalId", u.ID, ""),
	} {
		f.s.SetRoles("User.Read.All")
		status, body := f.call("GET", path, nil)
		if status != http.StatusForbidden || !strings.Contains(errorMessage(body), "PermissionScopeNotGranted") {
			t.Errorf("%s without permission: %d %v", path, status, body)
		}
		f.s.SetRoles(DefaultRoles()...)
		f.s.SetPremiumLicense(false)
		status, body = f.call("GET", path, nil)
		if status != http.StatusBadRequest || errorCode(body) != "AadPremiumLicenseRequired" {
			t.Errorf("%s without P2: %d %v", path, status, body)
		}
		f.s.SetPremiumLicense(true)
	}
	f.s.SetRoles("User.Read.All")
	if status, _ := f.call("GET", "/roleManagement/directory/roleAssignments"+filterQuery("principalId", u.ID, ""), nil); status != http.StatusForbidden {
		t.Errorf("role assignments without permission: %d", status)
	}
}

func TestFaultsAfterTheWorkLeaveItsEffect(t *testing.T) {
	f := newFixture(t)
	create := "/users/alice@contoso.com/authentication/temporaryAccessPassMethods"
	f.s.FailAfter("temporaryAccessPassMethods", "POST", 500, "generalException", 1)
	if status, _ := f.call("POST", create, map[string]any{}); status != 500 {
		t.Errorf("status %d, want 500", status)
	}
	f.s.DropAnswer("temporaryAccessPassMethods", "POST", 1)
	req, _ := http.NewRequest("POST", f.s.GraphURL()+create, strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+f.token)
	if resp, err := f.s.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped answer arrived: %d", resp.StatusCode)
	}
	if n, live := len(f.s.Issued()), len(f.s.Passes("alice@contoso.com")); n != 2 || live != 1 {
		t.Errorf("issued %d, live %d: want both creates done and the second live", n, live)
	}
	f.s.FailWithMessage("/users/alice", "GET", 400, "badRequest", "a message of tapbot's choosing", 1)
	if _, body := f.call("GET", "/users/alice@contoso.com", nil); errorMessage(body) != "a message of tapbot's choosing" {
		t.Errorf("message = %q", errorMessage(body))
	}
}
