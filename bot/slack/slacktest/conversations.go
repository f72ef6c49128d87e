package slacktest

import "strings"

// openConversation serves conversations.open for one user: it returns the
// bot's DM with them, the same id every time (user_not_found for an unknown
// user, user_disabled for a deactivated one). More than one user, or a
// channel argument, answers not_supported: tapbot only opens DMs.
func (s *Server) openConversation(r apiRequest) (map[string]any, *apiError) {
	if r.form.Get("channel") != "" {
		return nil, errCode("not_supported")
	}
	users := strings.Split(r.form.Get("users"), ",")
	if users[0] == "" {
		return nil, errCode("users_list_not_supplied")
	}
	if len(users) > 1 {
		return nil, errCode("not_supported")
	}
	u, ok := s.directory.users[users[0]]
	if !ok {
		return nil, errCode("user_not_found")
	}
	if u.Deleted {
		return nil, errCode("user_disabled")
	}
	ch, created := s.directory.openIM(u.ID, s.newID("D"))
	body := map[string]any{"channel": map[string]any{"id": ch.id}}
	if !created {
		body["no_op"], body["already_open"] = true, true
	}
	if r.form.Get("return_im") == "true" {
		body["channel"] = channelObject(ch, false)
	}
	return body, nil
}

// conversationInfo serves conversations.info (channel_not_found for an
// unknown id). DMs need im:read, other channels channels:read.
func (s *Server) conversationInfo(r apiRequest) (map[string]any, *apiError) {
	ch, ok := s.directory.channels[r.form.Get("channel")]
	if !ok {
		return nil, errCode("channel_not_found")
	}
	scope := "channels:read"
	if ch.im {
		scope = "im:read"
	}
	if !s.hasScope(scope) {
		return nil, &apiError{code: "missing_scope", needed: scope}
	}
	imUser := s.directory.users[ch.imUser]
	return map[string]any{"channel": channelObject(ch, imUser.Deleted)}, nil
}

// channelObject is a conversation object as conversations.info returns it;
// userDeleted tells whether the other party of a DM is deactivated.
func channelObject(ch *channel, userDeleted bool) map[string]any {
	if ch.im {
		return map[string]any{
			"id": ch.id, "created": ch.created, "is_im": true, "is_org_shared": false,
			"user": ch.imUser, "is_user_deleted": userDeleted, "priority": 0,
			"context_team_id": TeamID,
		}
	}
	return map[string]any{
		"id": ch.id, "name": ch.name, "name_normalized": ch.name, "created": ch.created,
		"is_channel": true, "is_group": false, "is_im": false, "is_mpim": false,
		"is_private": false, "is_archived": false, "is_general": false,
		"is_shared": false, "is_org_shared": false, "is_member": ch.botMember,
		"context_team_id": TeamID,
		"topic":           map[string]any{"value": "", "creator": "", "last_set": 0},
		"purpose":         map[string]any{"value": "", "creator": "", "last_set": 0},
	}
}
