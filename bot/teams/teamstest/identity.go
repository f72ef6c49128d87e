package teamstest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Conversation types, as Teams names them in conversation.conversationType.
const (
	TypePersonal  = "personal"
	TypeChannel   = "channel"
	TypeGroupChat = "groupChat"
)

// User is a Teams user of the fake tenant.
type User struct {
	AADObjectID string // Entra object id; AddUser makes one up when empty
	Name        string
	TeamsID     string // "29:…", derived from AADObjectID when empty
	// Personal says the user has the bot installed in their personal scope,
	// so the bot may open (or already has) a 1:1 chat with them.
	Personal bool
	// TimeZone is the IANA zone the user's Teams client reports with what
	// they send, as Teams does: the timezone of a clientInfo entity and the
	// activity's localTimezone. Empty: their client reports none.
	TimeZone string
}

// conversation is a chat the bot is part of.
type conversation struct {
	id     string
	kind   string // TypePersonal, TypeChannel or TypeGroupChat
	name   string
	teamID string // channels only
	user   string // personal only: the Entra object id of the human
}

// AddUser adds u to the tenant and returns it with its ids filled in. A
// user with Personal set gets their 1:1 conversation with the bot at once,
// as installing the app creates it.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.AADObjectID == "" {
		s.seq++
		u.AADObjectID = fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq)
	}
	u.AADObjectID = strings.ToLower(u.AADObjectID)
	if u.TeamsID == "" {
		u.TeamsID = "29:1" + shortID(u.AADObjectID)
	}
	stored := u
	s.users[u.AADObjectID] = &stored
	if u.Personal {
		s.openPersonal(u.AADObjectID)
	}
	return u
}

// openPersonal creates the 1:1 conversation of user with the bot if it does
// not exist and returns its id. s.mu must be held.
func (s *Server) openPersonal(aad string) string {
	id := "a:1" + shortID("personal/"+aad)
	if _, ok := s.convs[id]; !ok {
		s.convs[id] = &conversation{id: id, kind: TypePersonal, user: aad}
	}
	return id
}

// PersonalConversation is the id of user's 1:1 chat with the bot, or ""
// while there is none.
func (s *Server) PersonalConversation(u User) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := "a:1" + shortID("personal/"+u.AADObjectID)
	if _, ok := s.convs[id]; !ok {
		return ""
	}
	return id
}

// AddChannel adds a team channel the bot is installed in. id has the form
// "19:…@thread.tacv2".
func (s *Server) AddChannel(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.convs[id] = &conversation{id: id, kind: TypeChannel, name: name, teamID: "19:team-" + shortID(id) + "@thread.tacv2"}
}

// AddGroupChat adds a group chat the bot is a member of. id has the form
// "19:…@thread.v2".
func (s *Server) AddGroupChat(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.convs[id] = &conversation{id: id, kind: TypeGroupChat, name: name}
}

// userByTeamsID finds a user by their "29:" id. s.mu must be held.
func (s *Server) userByTeamsID(id string) (*User, bool) {
	for _, u := range s.users {
		if u.TeamsID == id {
			return u, true
		}
	}
	return nil, false
}

// baseConversation strips the ";messageid=…" Teams appends to a channel
// conversation id to address a thread, and returns the thread id too.
func baseConversation(id string) (base, thread string) {
	base, rest, ok := strings.Cut(id, ";messageid=")
	if !ok {
		return id, ""
	}
	return base, rest
}

// shortID derives a stable, opaque id fragment from s.
func shortID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}
