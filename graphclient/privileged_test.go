package graphclient_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

const exchangeAdminTemplateID = "29232cdf-9323-42fd-ade2-1d097af3e4de"

var globalAdmin = graphtest.Role{DisplayName: "Global Administrator", RoleTemplateID: graphtest.GlobalAdministratorTemplateID}

func rolesOf(t *testing.T, e *env, userID string) []approvals.DirectoryRole {
	t.Helper()
	got, err := e.c.UserDirectoryRoles(context.Background(), userID)
	if err != nil {
		t.Fatalf("UserDirectoryRoles: %v", err)
	}
	return got
}

func TestEligibleGlobalAdministratorIsReportedEligible(t *testing.T) {
	e := newEnv(t)
	u := e.s.AddUser(graphtest.User{UPN: "eve@contoso.com", AccountEnabled: true, EligibleRoles: []graphtest.Role{globalAdmin}})
	want := []approvals.DirectoryRole{{TemplateID: graphtest.GlobalAdministratorTemplateID, Name: "Global Administrator", Eligible: true}}
	if got := rolesOf(t, e, u.ID); !slices.Equal(got, want) {
		t.Errorf("roles = %+v, want %+v", got, want)
	}
}

func TestPIMForGroupsEligibilityBringsTheGroupsRolesAsEligible(t *testing.T) {
	e := newEnv(t)
	g := e.s.AddGroup(graphtest.Group{DisplayName: "Tier 0 admins",
		Roles:         []graphtest.Role{{DisplayName: "Exchange Administrator", RoleTemplateID: exchangeAdminTemplateID}},
		EligibleRoles: []graphtest.Role{globalAdmin}})
	u := e.s.AddUser(graphtest.User{UPN: "frank@contoso.com", AccountEnabled: true, EligibleGroups: []string{g.ID}})
	via := "PIM for Groups membership of Tier 0 admins"
	want := []approvals.DirectoryRole{
		{TemplateID: exchangeAdminTemplateID, Name: "Exchange Administrator", Eligible: true, Via: via},
		{TemplateID: graphtest.GlobalAdministratorTemplateID, Name: "Global Administrator", Eligible: true, Via: via},
	}
	if got := rolesOf(t, e, u.ID); !slices.Equal(got, want) {
		t.Errorf("roles = %+v, want %+v", got, want)
	}
}

func TestScopedAndCustomRoleAssignmentsAreRead(t *testing.T) {
	e := newEnv(t)
	u := e.s.AddUser(graphtest.User{UPN: "gina@contoso.com", AccountEnabled: true, Assignments: []graphtest.Role{
		{DisplayName: "User Administrator", RoleTemplateID: "fe930be7-5e62-47db-91af-98c3a49a38b1", Scope: "/administrativeUnits/au-emea"},
		{DisplayName: "Helpdesk Operator", RoleTemplateID: "c0ffee00-0000-4000-8000-000000000001", Custom: true},
	}})
	want := []approvals.DirectoryRole{
		{TemplateID: "fe930be7-5e62-47db-91af-98c3a49a38b1", Name: "User Administrator", Scope: "/administrativeUnits/au-emea"},
		{TemplateID: "c0ffee00-0000-4000-8000-000000000001", Name: "Helpdesk Operator"},
	}
	if got := rolesOf(t, e, u.ID); !slices.Equal(got, want) {
		t.Errorf("roles = %+v, want %+v", got, want)
	}
}

func TestTenantWithoutPIMLicenceStillReadsActiveRoles(t *testing.T) {
	e := newEnv(t)
	e.s.SetPremiumLicense(false)
	want := []approvals.DirectoryRole{{TemplateID: graphtest.GlobalAdministratorTemplateID, Name: "Global Administrator"}}
	if got := rolesOf(t, e, danID); !slices.Equal(got, want) {
		t.Errorf("roles = %+v, want %+v", got, want)
	}
}

func TestRoleCheckOfAnOrdinaryUserTakesFourCalls(t *testing.T) {
	e := newEnv(t)
	before := len(e.s.Requests())
	if got := rolesOf(t, e, aliceID); len(got) != 0 {
		t.Fatalf("alice holds %+v", got)
	}
	if n := len(e.s.Requests()) - before; n != 4 {
		t.Errorf("%d Graph calls for one role check, want 4", n)
	}
}

func TestRoleReadsFollowEveryPage(t *testing.T) {
	e := newEnv(t)
	e.s.SetPageSize(1)
	u := e.s.AddUser(graphtest.User{UPN: "hal@contoso.com", AccountEnabled: true, EligibleRoles: []graphtest.Role{
		globalAdmin, {DisplayName: "Exchange Administrator", RoleTemplateID: exchangeAdminTemplateID}}})
	if got := rolesOf(t, e, u.ID); len(got) != 2 {
		t.Errorf("roles = %+v, want both eligibilities", got)
	}
}

func TestAFailedRoleReadFailsTheWholeCheck(t *testing.T) {
	for _, path := range []string{"roleAssignments", "roleEligibilityScheduleInstances", "privilegedAccess/group", "transitiveMemberOf"} {
		t.Run(path, func(t *testing.T) {
			e := newEnv(t)
			e.s.Fail(path, http.MethodGet, http.StatusServiceUnavailable, "serviceNotAvailable", 100)
			roles, err := e.c.UserDirectoryRoles(context.Background(), danID)
			wantError(t, err, approvals.EUNAVAILABLE, "Microsoft Graph is not answering")
			if roles != nil {
				t.Errorf("partial answer %+v", roles)
			}
		})
	}
}
