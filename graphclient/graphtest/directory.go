package graphtest

import (
	"net/http"
	"strings"
)

// User is a directory user of the fake tenant.
type User struct {
	ID             string // object id; AddUser generates one when empty
	UPN            string // userPrincipalName, matched case-insensitively
	DisplayName    string
	AccountEnabled bool
	UserType       string // "Member" (default) or "Guest"
	JobTitle       string
	// Mail is the user's e-mail address. A member with one has an Exchange
	// Online mailbox, which sendMail can send from (Exchange sets mail when
	// it makes a mailbox); a guest's mail is elsewhere.
	Mail string
	// BusinessPhones and MobilePhone are the directory's numbers for the
	// user (businessPhones, mobilePhone), e.g. "+1 425 555 0100".
	BusinessPhones []string
	MobilePhone    string
	// Manager is the id or UPN of the user's manager, "" for none (GET
	// /users/{id}/manager answers 404 then). It is looked up at each read.
	Manager string
	Groups  []string // ids of the groups the user is a transitive member of
	Roles   []Role   // directory roles the user holds
	// Assignments are active role assignments that are no directoryRole
	// membership: scoped to an administrative unit (Role.Scope) or of a
	// custom role. roleAssignments lists them with Roles.
	Assignments []Role
	// EligibleRoles are the roles the user is eligible for through
	// Privileged Identity Management: not active, but theirs to activate.
	EligibleRoles []Role
	// EligibleGroups are the ids of the groups the user may become a member
	// of through PIM for Groups (see AddGroup for what those groups hold).
	EligibleGroups []string
}

// Role is a directory role: an activated one, as
// /transitiveMemberOf/microsoft.graph.directoryRole lists it, or the role
// of an assignment or an eligibility.
type Role struct {
	ID             string // the role object's id in this tenant; generated when empty
	DisplayName    string // e.g. "Global Administrator"
	RoleTemplateID string // e.g. GlobalAdministratorTemplateID; a custom role's definition id
	Scope          string // directoryScopeId: "" or "/" for the whole tenant, e.g. "/administrativeUnits/{id}"
	Custom         bool   // a custom role definition rather than a built-in one
}

// GlobalAdministratorTemplateID is the role template id of Global
// Administrator, the same in every tenant.
const GlobalAdministratorTemplateID = "62e90394-69f5-4237-9190-012177145e10"

// Permission sets, each listing the application permissions any one of
// which lets a call through, as the Graph reference pages list them. The
// TAP policy page names only the two AuthenticationMethod permissions now;
// Policy.Read.All is the one it named before they existed, which tenants
// consented to then still use.
var (
	permReadUser    = []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	permReadGroups  = []string{"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"}
	permReadRoles   = []string{"RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory", "Directory.Read.All"}
	permReadPolicy  = []string{"Policy.Read.AuthenticationMethod", "Policy.ReadWrite.AuthenticationMethod", "Policy.Read.All"}
	permReadPasses  = append([]string{"UserAuthMethod-TAP.Read.All", "UserAuthenticationMethod.Read.All"}, permWritePasses...)
	permWritePasses = []string{"UserAuthMethod-TAP.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All"}
)

// AddUser adds u to the tenant, replacing any user with the same id, and
// returns it with the defaults filled in.
func (s *Tenant) AddUser(u User) User {
	if u.ID == "" {
		u.ID = newID()
	}
	if u.UserType == "" {
		u.UserType = "Member"
	}
	u.Groups = append([]string(nil), u.Groups...)
	u.BusinessPhones = append([]string(nil), u.BusinessPhones...)
	u.EligibleGroups = append([]string(nil), u.EligibleGroups...)
	u.Roles, u.Assignments, u.EligibleRoles = withRoleIDs(u.Roles), withRoleIDs(u.Assignments), withRoleIDs(u.EligibleRoles)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, old := range s.users {
		if old.ID == u.ID {
			s.users[i] = &u
			return u
		}
	}
	s.users = append(s.users, &u)
	return u
}

// findUser returns the user whose id or UPN is key, case-insensitively.
// The caller holds s.mu.
func (s *Tenant) findUser(key string) *User {
	for _, u := range s.users {
		if strings.EqualFold(u.ID, key) || strings.EqualFold(u.UPN, key) {
			return u
		}
	}
	return nil
}

// userCopy returns a copy of the user with that id or UPN, or false.
func (s *Tenant) userCopy(key string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUser(key)
	if u == nil {
		return User{}, false
	}
	return *u, true
}

// userDefaultFields are the properties Graph returns without $select (of
// those the fake knows); accountEnabled and userType are not among them.
var userDefaultFields = []string{"id", "displayName", "userPrincipalName", "jobTitle", "mail", "businessPhones", "mobilePhone"}

// json renders the user with the properties $select asks for, or with
// Graph's default set (which, as in Graph, lacks accountEnabled and userType).
// businessPhones is an array, empty when the user has none, as in Graph.
func (u User) json(selectParam string) map[string]any {
	phones := u.BusinessPhones
	if phones == nil {
		phones = []string{}
	}
	all := map[string]any{
		"id":                u.ID,
		"displayName":       u.DisplayName,
		"userPrincipalName": u.UPN,
		"accountEnabled":    u.AccountEnabled,
		"userType":          u.UserType,
		"jobTitle":          nullable(u.JobTitle),
		"mail":              nullable(u.Mail),
		"businessPhones":    phones,
		"mobilePhone":       nullable(u.MobilePhone),
	}
	fields := userDefaultFields
	if selectParam != "" {
		fields = strings.Split(selectParam, ",")
	}
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		for name, v := range all {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				out[name] = v
			}
		}
	}
	return out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Tenant) serveUser(w http.ResponseWriter, r *http.Request, key string) {
	if !s.mayGet(w, r, permReadUser) {
		return
	}
	u, ok := s.userCopy(key)
	if !ok {
		writeUserNotFound(w, key)
		return
	}
	body := u.json(r.URL.Query().Get("$select"))
	body["@odata.context"] = s.GraphURL() + "/$metadata#users/$entity"
	writeJSON(w, http.StatusOK, body)
}

// serveUserList answers GET /users, honouring the `eq` / `or` forms of
// $filter on mail and userPrincipalName.
func (s *Tenant) serveUserList(w http.ResponseWriter, r *http.Request) {
	if !s.mayGet(w, r, permReadUser) {
		return
	}
	match, err := parseFilter(r.URL.Query().Get("$filter"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "Invalid filter clause: "+err.Error())
		return
	}
	sel := r.URL.Query().Get("$select")
	var items []map[string]any
	s.mu.Lock()
	for _, u := range s.users {
		if match(*u) {
			items = append(items, u.json(sel))
		}
	}
	s.mu.Unlock()
	s.writePage(w, r, "users", items)
}

// serveMemberOf answers /users/{id}/transitiveMemberOf and its casts to
// microsoft.graph.group and microsoft.graph.directoryRole (the SDK sends the
// short form graph.group, which Graph also accepts).
func (s *Tenant) serveMemberOf(w http.ResponseWriter, r *http.Request, key string, seg []string) {
	cast := ""
	if len(seg) > 0 {
		cast = strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(seg[0]), "microsoft."), "graph.")
	}
	wantGroups, wantRoles := cast == "" || cast == "group", cast == "" || cast == "directoryrole"
	if len(seg) > 1 || (!wantGroups && !wantRoles) || r.Method != http.MethodGet {
		writeError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+strings.Join(seg, "/")+"'.")
		return
	}
	if (wantGroups && !s.granted(permReadGroups)) || (wantRoles && !s.granted(permReadRoles)) {
		writeForbidden(w)
		return
	}
	u, ok := s.userCopy(key)
	if !ok {
		writeUserNotFound(w, key)
		return
	}
	s.writePage(w, r, "directoryObjects", memberships(u, wantGroups, wantRoles))
}

func memberships(u User, groups, roles bool) []map[string]any {
	var items []map[string]any
	if groups {
		for _, g := range u.Groups {
			items = append(items, map[string]any{"@odata.type": "#microsoft.graph.group", "id": g})
		}
	}
	if roles {
		for _, ro := range u.Roles {
			items = append(items, map[string]any{
				"@odata.type":    "#microsoft.graph.directoryRole",
				"id":             ro.ID,
				"displayName":    ro.DisplayName,
				"roleTemplateId": ro.RoleTemplateID,
			})
		}
	}
	return items
}
