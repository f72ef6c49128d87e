package slacktest

import (
	"strings"
	"time"
)

// userInfo serves users.info (user_not_found for an unknown id). A
// deactivated user is returned with deleted=true. The profile carries the
// e-mail address only when the token has users:read.email, as in Slack.
// The user carries tz (the IANA zone), tz_label and tz_offset (seconds
// east of UTC at the fake's now, so it follows daylight saving time).
func (s *Server) userInfo(r apiRequest) (map[string]any, *apiError) {
	u, ok := s.directory.users[r.form.Get("user")]
	if !ok {
		return nil, errCode("user_not_found")
	}
	return map[string]any{"user": s.userObject(u)}, nil
}

// lookupByEmail serves users.lookupByEmail, which needs users:read.email:
// the active user whose e-mail address is the email argument, compared
// without regard to case; users_not_found when nobody has it, and for a
// deactivated user, as Slack's documentation says; invalid_arguments
// without the argument.
func (s *Server) lookupByEmail(r apiRequest) (map[string]any, *apiError) {
	email := strings.TrimSpace(r.form.Get("email"))
	if email == "" {
		return nil, invalidArguments("[ERROR] missing required field: email")
	}
	for _, u := range s.directory.users {
		if u.Email != "" && !u.Deleted && strings.EqualFold(u.Email, email) {
			return map[string]any{"user": s.userObject(u)}, nil
		}
	}
	return nil, errCode("users_not_found")
}

// userGroupUsers serves usergroups.users.list (no_such_subteam for an
// unknown group).
func (s *Server) userGroupUsers(r apiRequest) (map[string]any, *apiError) {
	g, ok := s.directory.groups[r.form.Get("usergroup")]
	if !ok {
		return nil, errCode("no_such_subteam")
	}
	users := g.members
	if users == nil {
		users = []string{}
	}
	return map[string]any{"users": users}, nil
}

// userObject is a user as users.info returns it; s.mu held.
func (s *Server) userObject(u User) map[string]any {
	tz, label, offset := zone(u.TZ, s.now())
	if u.TZLabel != "" {
		label = u.TZLabel
	}
	profile := map[string]any{
		"real_name": u.RealName, "real_name_normalized": u.RealName,
		"display_name": u.Name, "display_name_normalized": u.Name,
		"team": TeamID, "avatar_hash": "", "status_text": "", "status_emoji": "",
	}
	if u.Email != "" && s.hasScope("users:read.email") {
		profile["email"] = u.Email
	}
	return map[string]any{
		"id": u.ID, "team_id": TeamID, "name": u.Name, "real_name": u.RealName,
		"deleted": u.Deleted, "color": "9f69e7",
		"tz": tz, "tz_label": label, "tz_offset": offset,
		"profile": profile, "is_bot": u.IsBot, "is_app_user": false,
		"is_admin": false, "is_owner": false, "is_primary_owner": false,
		"is_restricted": false, "is_ultra_restricted": false,
		"is_email_confirmed": u.Email != "", "updated": now(),
	}
}

// zone returns the time zone name, label and UTC offset in seconds at now
// Slack reports for tz. An empty zone is UTC; a zone this machine has no
// data for keeps its name with a zero offset.
func zone(tz string, now time.Time) (name, label string, offset int) {
	if tz == "" {
		return "UTC", "Coordinated Universal Time", 0
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return tz, tz, 0
	}
	label, offset = now.In(loc).Zone()
	return tz, label, offset
}
