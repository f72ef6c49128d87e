package slacktest

import (
	"slices"
	"testing"
)

func TestUserInfoReturnsProfile(t *testing.T) {
	_, api := newWorkspace(t)
	ctx := testContext(t)

	u, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "alice" || u.RealName != "Alice Admin" || u.Profile.Email != "alice@contoso.com" ||
		u.TZ != "Europe/Berlin" || u.Deleted || u.TeamID != TeamID {
		t.Fatalf("U1 = %+v", u)
	}
	gone, err := api.GetUserInfoContext(ctx, "U9")
	if err != nil || !gone.Deleted {
		t.Fatalf("deactivated user = %+v, %v; want deleted=true", gone, err)
	}
	if _, err := api.GetUserInfoContext(ctx, "U404"); slackError(err) != "user_not_found" {
		t.Fatalf("unknown user: %v, want user_not_found", err)
	}
}

func TestUserInfoLeavesOutEmailWithoutUsersReadEmailScope(t *testing.T) {
	srv, api := newWorkspace(t)
	srv.SetScopes("users:read")

	u, err := api.GetUserInfoContext(testContext(t), "U1")
	if err != nil {
		t.Fatal(err)
	}
	if u.Profile.Email != "" {
		t.Fatalf("email %q returned without users:read.email", u.Profile.Email)
	}
}

func TestUserGroupMembers(t *testing.T) {
	srv, api := newWorkspace(t)
	srv.AddUserGroup("S1", "helpdesk-approvers", "U1", "U2")
	srv.AddUserGroup("S2", "empty")
	ctx := testContext(t)

	tests := []struct {
		group   string
		want    []string
		wantErr string
	}{
		{"S1", []string{"U1", "U2"}, ""},
		{"S2", []string{}, ""},
		{"S404", []string{}, "no_such_subteam"},
	}
	for _, tt := range tests {
		t.Run(tt.group, func(t *testing.T) {
			got, err := api.GetUserGroupMembersContext(ctx, tt.group)
			if slackError(err) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Fatalf("members = %v, %v; want %v, %q", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
