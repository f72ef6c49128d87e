package graphclient_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

func TestLookupUserDescribesTheTarget(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, key string
		want      approvals.Target
	}{
		{"enabled member by UPN", "alice@contoso.com", approvals.Target{ID: aliceID, UPN: "alice@contoso.com",
			DisplayName: "Alice Andersen", AccountEnabled: true, UserType: "Member", JobTitle: "Accountant"}},
		{"UPN in another case", "ALICE@contoso.COM", approvals.Target{ID: aliceID, UPN: "alice@contoso.com",
			DisplayName: "Alice Andersen", AccountEnabled: true, UserType: "Member", JobTitle: "Accountant"}},
		{"by object id", aliceID, approvals.Target{ID: aliceID, UPN: "alice@contoso.com",
			DisplayName: "Alice Andersen", AccountEnabled: true, UserType: "Member", JobTitle: "Accountant"}},
		{"disabled account", "bob@contoso.com", approvals.Target{ID: "0b3a5f2e-1c4d-4e6f-8a9b-000000000b22", UPN: "bob@contoso.com",
			DisplayName: "Bob Berg", AccountEnabled: false, UserType: "Member", JobTitle: "Sales Representative"}},
		{"user who already has a pass", "carol@contoso.com", approvals.Target{ID: carolID, UPN: "carol@contoso.com",
			DisplayName: "Carol Chen", AccountEnabled: true, UserType: "Member", JobTitle: "Controller", HasTAP: true}},
		{"guest with #EXT# in the UPN", "erin_fabrikam.com#EXT#@contoso.onmicrosoft.com", approvals.Target{ID: "0b3a5f2e-1c4d-4e6f-8a9b-000000000e55",
			UPN: "erin_fabrikam.com#EXT#@contoso.onmicrosoft.com", DisplayName: "Erin Evans (Fabrikam)", AccountEnabled: true, UserType: "Guest"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.c.LookupUser(context.Background(), tc.key)
			if err != nil {
				t.Fatalf("LookupUser: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestLookupOfUnknownUserIsNotFoundWithAdvice(t *testing.T) {
	e := newEnv(t)
	_, err := e.c.LookupUser(context.Background(), "alcie@contoso.com")
	wantError(t, err, approvals.ENOTFOUND, "No user alcie@contoso.com in the tenant. Check the spelling of the sign-in name (UPN).")
}

func TestLookupOfEmptyNameIsInvalidWithoutACall(t *testing.T) {
	e := newEnv(t)
	_, err := e.c.LookupUser(context.Background(), "  ")
	wantError(t, err, approvals.EINVALID, "sign-in name")
	if n := len(e.s.Requests()); n != 0 {
		t.Errorf("%d Graph calls for an empty name", n)
	}
}

func TestLookupUserByMailMatchesMailOrUPN(t *testing.T) {
	e := newEnv(t)
	e.s.AddUser(graphtest.User{UPN: "o'brien@contoso.com", DisplayName: "Pat O'Brien", AccountEnabled: true, Mail: "pat@contoso.com"})
	e.s.AddUser(graphtest.User{UPN: "shared1@contoso.com", Mail: "team@contoso.com"})
	e.s.AddUser(graphtest.User{UPN: "shared2@contoso.com", Mail: "team@contoso.com"})
	for _, tc := range []struct {
		email, wantUPN, wantCode string
	}{
		{"erin@fabrikam.com", "erin_fabrikam.com#EXT#@contoso.onmicrosoft.com", ""},
		{"Alice@Contoso.com", "alice@contoso.com", ""},
		{"o'brien@contoso.com", "o'brien@contoso.com", ""},
		{"nobody@contoso.com", "", approvals.ENOTFOUND},
		{"team@contoso.com", "", approvals.EINVALID},
	} {
		t.Run(tc.email, func(t *testing.T) {
			got, err := e.c.LookupUserByMail(context.Background(), tc.email)
			if tc.wantCode != "" {
				wantError(t, err, tc.wantCode, tc.email)
				return
			}
			if err != nil || got.UPN != tc.wantUPN {
				t.Errorf("got %+v, %v; want UPN %s", got, err, tc.wantUPN)
			}
		})
	}
}

func TestUserGroupsFollowsEveryPage(t *testing.T) {
	e := newEnv(t)
	e.s.SetPageSize(1)
	got, err := e.c.UserGroups(context.Background(), danID)
	if err != nil {
		t.Fatalf("UserGroups: %v", err)
	}
	want := []string{graphtest.DemoGroupHelpdesk, graphtest.DemoGroupITAdmins}
	if !slices.Equal(got, want) {
		t.Errorf("groups = %v, want %v", got, want)
	}
}

func TestUserDirectoryRolesNamesTemplateAndDisplayName(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		user string
		want []approvals.DirectoryRole
	}{
		{danID, []approvals.DirectoryRole{{TemplateID: graphtest.GlobalAdministratorTemplateID, Name: "Global Administrator"}}},
		{aliceID, nil},
	} {
		got, err := e.c.UserDirectoryRoles(context.Background(), tc.user)
		if err != nil {
			t.Fatalf("UserDirectoryRoles(%s): %v", tc.user, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("roles of %s = %v, want %v", tc.user, got, tc.want)
		}
	}
	_, err := e.c.UserDirectoryRoles(context.Background(), "nobody@contoso.com")
	wantError(t, err, approvals.ENOTFOUND, "nobody@contoso.com")
}

func TestMissingPermissionNamesItAndHowToGrantIt(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		permission string
		call       func(e *env) error
	}{
		{"lookup", "User.Read.All", func(e *env) error { _, err := e.c.LookupUser(ctx, "alice@contoso.com"); return err }},
		{"lookup by mail", "User.Read.All", func(e *env) error { _, err := e.c.LookupUserByMail(ctx, "alice@contoso.com"); return err }},
		{"policy", "Policy.Read.AuthenticationMethod", func(e *env) error { _, err := e.c.TAPPolicy(ctx); return err }},
		{"list", "UserAuthMethod-TAP.ReadWrite.All", func(e *env) error { _, err := e.c.ListPasses(ctx, aliceID); return err }},
		{"create", "UserAuthMethod-TAP.ReadWrite.All", func(e *env) error {
			_, err := e.c.CreatePass(ctx, aliceID, approvals.PassParams{LifetimeMinutes: 60})
			return err
		}},
		{"delete", "UserAuthMethod-TAP.ReadWrite.All", func(e *env) error { return e.c.DeletePass(ctx, carolID, "any-method-id") }},
		{"groups", "GroupMember.Read.All", func(e *env) error { _, err := e.c.UserGroups(ctx, danID); return err }},
		{"roles", "RoleManagement.Read.Directory", func(e *env) error { _, err := e.c.UserDirectoryRoles(ctx, danID); return err }},
		{"PIM for Groups", "PrivilegedEligibilitySchedule.Read.AzureADGroup", func(e *env) error { _, err := e.c.UserDirectoryRoles(ctx, danID); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			var rest []string
			for _, r := range graphtest.DefaultRoles() {
				if r != tc.permission {
					rest = append(rest, r)
				}
			}
			e.s.SetRoles(rest...)
			wantError(t, tc.call(e), approvals.EPERMISSION, tc.permission,
				"App registrations → tapbot → API permissions", "Application permissions", "Grant admin consent")
		})
	}
}

func TestConcurrentLookupsDoNotRace(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := e.c.LookupUserByMail(context.Background(), "alice@contoso.com"); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := e.c.LookupUser(context.Background(), "alice@contoso.com"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}
