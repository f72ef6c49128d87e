package graphtest

import (
	"net/http"
	"slices"
)

// SetPhones sets the directory's numbers for the user with that id or UPN
// (businessPhones, mobilePhone), and reports whether there is such a user.
func (s *Tenant) SetPhones(user string, business []string, mobile string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUser(user)
	if u == nil {
		return false
	}
	u.BusinessPhones, u.MobilePhone = slices.Clone(business), mobile
	return true
}

// SetManager makes manager (an id or UPN; "" for none) the manager of the
// user with that id or UPN, and reports whether there is such a user.
func (s *Tenant) SetManager(user, manager string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUser(user)
	if u == nil {
		return false
	}
	u.Manager = manager
	return true
}

// serveManager answers GET /users/{id}/manager: the manager as a
// directoryObject cast to user, with the properties $select asks for, or
// 404 Request_ResourceNotFound naming 'manager' when the directory names
// none (or a manager who is no longer in it).
func (s *Tenant) serveManager(w http.ResponseWriter, r *http.Request, key string) {
	if !s.mayGet(w, r, permReadUser) {
		return
	}
	s.mu.Lock()
	u := s.findUser(key)
	var manager *User
	if u != nil && u.Manager != "" {
		manager = s.findUser(u.Manager)
	}
	var m User
	if manager != nil {
		m = *manager
	}
	s.mu.Unlock()
	switch {
	case u == nil:
		writeUserNotFound(w, key)
	case manager == nil:
		writeUserNotFound(w, "manager")
	default:
		body := m.json(r.URL.Query().Get("$select"))
		body["@odata.context"] = s.GraphURL() + "/$metadata#directoryObjects/$entity"
		body["@odata.type"] = "#microsoft.graph.user"
		writeJSON(w, http.StatusOK, body)
	}
}
