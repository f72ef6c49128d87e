package slacktest

import (
	"slices"
	"testing"
	"time"
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

func TestLookupByEmailFindsActiveUsersOnly(t *testing.T) {
	srv, api := newWorkspace(t)
	srv.AddUser(User{ID: "U8", Name: "left", RealName: "Left Company", Email: "left@contoso.com", Deleted: true})
	ctx := testContext(t)
	tests := []struct {
		email, wantID, wantErr string
	}{
		{"alice@contoso.com", "U1", ""},
		{"Bob@Contoso.COM", "U2", ""}, // addresses compare without regard to case
		{"left@contoso.com", "", "users_not_found"},
		{"nobody@contoso.com", "", "users_not_found"},
		{"", "", "invalid_arguments"},
	}
	for _, tt := range tests {
		u, err := api.GetUserByEmailContext(ctx, tt.email)
		if got := slackError(err); got != tt.wantErr {
			t.Errorf("%q: error %v, want %q", tt.email, err, tt.wantErr)
			continue
		}
		if tt.wantErr == "" && (u.ID != tt.wantID || u.Profile.Email == "") {
			t.Errorf("%q: user %+v, want %s with its e-mail address", tt.email, u, tt.wantID)
		}
	}
}

func TestLookupByEmailNeedsUsersReadEmailScope(t *testing.T) {
	srv, api := newWorkspace(t)
	srv.SetScopes("users:read", "chat:write")
	if _, err := api.GetUserByEmailContext(testContext(t), "alice@contoso.com"); slackError(err) != "missing_scope" {
		t.Fatalf("lookup without users:read.email: %v, want missing_scope", err)
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

func TestUserInfoReportsTheTimeZoneAtTheFakesNow(t *testing.T) {
	tests := []struct {
		name       string
		user       User
		now        time.Time
		wantLabel  string
		wantOffset int
	}{
		{"winter", User{ID: "U5", Name: "nina", TZ: "America/New_York"}, time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC), "EST", -5 * 3600},
		{"summer", User{ID: "U5", Name: "nina", TZ: "America/New_York"}, time.Date(2025, 7, 15, 12, 0, 0, 0, time.UTC), "EDT", -4 * 3600},
		{"label as Slack writes it", User{ID: "U5", Name: "nina", TZ: "America/New_York", TZLabel: "Eastern Standard Time"},
			time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC), "Eastern Standard Time", -5 * 3600},
		{"no zone set", User{ID: "U5", Name: "nina"}, time.Date(2025, 7, 15, 12, 0, 0, 0, time.UTC), "Coordinated Universal Time", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustLoad(t, "America/New_York")
			srv, api := newWorkspace(t)
			srv.AddUser(tt.user)
			srv.SetNow(func() time.Time { return tt.now })

			u, err := api.GetUserInfoContext(testContext(t), tt.user.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantTZ := tt.user.TZ
			if wantTZ == "" {
				wantTZ = "UTC"
			}
			if u.TZ != wantTZ || u.TZLabel != tt.wantLabel || u.TZOffset != tt.wantOffset {
				t.Fatalf("tz %q, tz_label %q, tz_offset %d; want %q, %q, %d", u.TZ, u.TZLabel, u.TZOffset, wantTZ, tt.wantLabel, tt.wantOffset)
			}
		})
	}
}
