package slacktest

import (
	"fmt"
	"slices"
	"strings"
)

// User is a member of the fake workspace.
type User struct {
	ID       string // U…
	Name     string // the handle, e.g. "alice"
	RealName string
	Email    string
	TZ       string // IANA zone, e.g. "America/New_York"; empty means UTC
	// TZLabel is the zone's name as Slack shows it in tz_label, e.g.
	// "Eastern Standard Time"; empty means the zone's abbreviation at the
	// fake's now ("EST").
	TZLabel string
	Deleted bool // deactivated: listed by users.info, unreachable otherwise
	IsBot   bool
}

// channel is a conversation: a channel the test added or a bot DM opened
// through conversations.open.
type channel struct {
	id        string
	name      string
	im        bool
	imUser    string // the other party of a DM
	botMember bool
	members   map[string]bool
	created   int64
}

// directory holds the workspace's people, channels and user groups.
type directory struct {
	users    map[string]User
	channels map[string]*channel
	ims      map[string]string // user id -> DM channel id
	groups   map[string]userGroup
}

type userGroup struct {
	handle  string
	members []string
}

func newDirectory() directory {
	return directory{
		users:    map[string]User{},
		channels: map[string]*channel{},
		ims:      map[string]string{},
		groups:   map[string]userGroup{},
	}
}

// AddUser adds u to the workspace, replacing any user with the same ID.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.directory.users[u.ID] = u
}

// AddChannel adds a channel. botIsMember decides whether the bot may post
// there: chat.postMessage to a channel without the bot answers
// not_in_channel. Calling it again for the same id updates name and bot
// membership and keeps the members.
func (s *Server) AddChannel(id, name string, botIsMember bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.directory.channels[id]; ok {
		ch.name, ch.botMember = name, botIsMember
		return
	}
	s.directory.channels[id] = &channel{
		id: id, name: name, botMember: botIsMember,
		members: map[string]bool{}, created: now(),
	}
}

// AddMembers puts users into a channel added with AddChannel, so that
// chat.postEphemeral can reach them there. It returns an error when the
// channel does not exist.
func (s *Server) AddMembers(channelID string, userIDs ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.directory.channels[channelID]
	if !ok {
		return fmt.Errorf("add members to %s: no such channel", channelID)
	}
	for _, u := range userIDs {
		ch.members[u] = true
	}
	return nil
}

// AddUserGroup adds a user group (S…) with its @handle and members,
// replacing any group with the same id.
func (s *Server) AddUserGroup(id, handle string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.directory.groups[id] = userGroup{handle: handle, members: slices.Clone(members)}
}

// IMChannel returns the bot's DM channel with userID and whether the bot has
// opened one with conversations.open (or posted to the user's id).
func (s *Server) IMChannel(userID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.directory.ims[userID]
	return id, ok
}

// activeUser returns the user if they exist and are not deactivated.
func (d *directory) activeUser(id string) (User, bool) {
	u, ok := d.users[id]
	return u, ok && !u.Deleted
}

// openIM returns the DM channel between the bot and userID, creating it the
// first time; created reports whether it is new.
func (d *directory) openIM(userID, id string) (ch *channel, created bool) {
	if existing, ok := d.ims[userID]; ok {
		return d.channels[existing], false
	}
	ch = &channel{
		id: id, name: userID, im: true, imUser: userID, botMember: true,
		members: map[string]bool{userID: true}, created: now(),
	}
	d.channels[id] = ch
	d.ims[userID] = id
	return ch, true
}

// isMember reports whether an active user can see messages in ch.
func (d *directory) isMember(ch *channel, userID string) bool {
	if _, ok := d.activeUser(userID); !ok {
		return false
	}
	return ch.members[userID]
}

// channelByIDOrName finds a channel by id, or by name with or without "#",
// as chat.postMessage accepts both.
func (d *directory) channelByIDOrName(arg string) (*channel, bool) {
	if ch, ok := d.channels[arg]; ok {
		return ch, true
	}
	name := strings.TrimPrefix(arg, "#")
	for _, ch := range d.channels {
		if !ch.im && ch.name == name {
			return ch, true
		}
	}
	return nil, false
}
