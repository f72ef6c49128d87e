package graphtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Group is a group of the fake tenant that holds directory roles, as a
// role-assignable group does. Users belong to it through User.Groups, or
// may become members through PIM for Groups (User.EligibleGroups).
type Group struct {
	ID            string // object id; AddGroup generates one when empty
	DisplayName   string
	Roles         []Role // active role assignments of the group
	EligibleRoles []Role // roles the group's members can activate through PIM
}

// Permission sets of the role management endpoints, as their Graph
// reference pages list them.
var (
	permReadAssignments   = []string{"RoleManagement.Read.Directory", "RoleManagement.Read.All", "Directory.Read.All", "RoleManagement.ReadWrite.Directory", "Directory.ReadWrite.All"}
	permReadEligibility   = []string{"RoleEligibilitySchedule.Read.Directory", "RoleEligibilitySchedule.ReadWrite.Directory", "RoleManagement.Read.All", "RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory"}
	permReadPIMForGroups  = []string{"PrivilegedEligibilitySchedule.Read.AzureADGroup", "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup"}
	premiumLicenseMessage = "The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license."
)

// AddGroup adds g to the tenant, replacing any group with the same id, and
// returns it with the defaults filled in.
func (s *Tenant) AddGroup(g Group) Group {
	if g.ID == "" {
		g.ID = newID()
	}
	g.Roles, g.EligibleRoles = withRoleIDs(g.Roles), withRoleIDs(g.EligibleRoles)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, old := range s.groups {
		if old.ID == g.ID {
			s.groups[i] = &g
			return g
		}
	}
	s.groups = append(s.groups, &g)
	return g
}

// SetPremiumLicense says whether the tenant has Microsoft Entra ID P2 (or
// ID Governance), which Privileged Identity Management and ID Protection
// need. Without it the eligibility endpoints answer 400
// AadPremiumLicenseRequired, as Graph does, and nobody can be eligible for
// anything; riskyUsers answers 403 Forbidden, "Your tenant is not licensed
// for this feature.". A new Server has it.
func (s *Tenant) SetPremiumLicense(licensed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unlicensed = !licensed
}

func withRoleIDs(roles []Role) []Role {
	out := append([]Role(nil), roles...)
	for i := range out {
		if out[i].ID == "" {
			out[i].ID = newID()
		}
	}
	return out
}

// routeRoleManagement answers /roleManagement/directory/roleAssignments and
// /roleManagement/directory/roleEligibilityScheduleInstances.
func (s *Tenant) routeRoleManagement(w http.ResponseWriter, r *http.Request, seg []string) {
	if len(seg) != 3 || !strings.EqualFold(seg[1], "directory") || r.Method != http.MethodGet {
		writeError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+strings.Join(seg, "/")+"'.")
		return
	}
	switch {
	case strings.EqualFold(seg[2], "roleAssignments"):
		s.serveRoleAssignments(w, r)
	case strings.EqualFold(seg[2], "roleEligibilityScheduleInstances"):
		s.serveRoleEligibility(w, r)
	default:
		writeError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+seg[2]+"'.")
	}
}

// isPIMForGroupsPath recognises
// /identityGovernance/privilegedAccess/group/eligibilityScheduleInstances.
func isPIMForGroupsPath(seg []string) bool {
	return len(seg) == 4 && strings.EqualFold(seg[0], "identityGovernance") &&
		strings.EqualFold(seg[1], "privilegedAccess") && strings.EqualFold(seg[2], "group") &&
		strings.EqualFold(seg[3], "eligibilityScheduleInstances")
}

// serveRoleAssignments lists the active role assignments of one principal:
// a user's tenant-wide roles (Roles) and its scoped or custom ones
// (Assignments), or a group's Roles.
func (s *Tenant) serveRoleAssignments(w http.ResponseWriter, r *http.Request) {
	if !s.granted(permReadAssignments) {
		writeForbidden(w)
		return
	}
	s.servePrincipalRoles(w, r, "roleManagement/directory/roleAssignments", assignmentJSON,
		func(u *User) []Role { return slices.Concat(u.Roles, u.Assignments) },
		func(g *Group) []Role { return g.Roles })
}

// serveRoleEligibility lists the PIM role eligibilities of one principal.
func (s *Tenant) serveRoleEligibility(w http.ResponseWriter, r *http.Request) {
	if !s.pimAvailable(w, permReadEligibility) {
		return
	}
	s.servePrincipalRoles(w, r, "roleManagement/directory/roleEligibilityScheduleInstances", eligibilityJSON,
		func(u *User) []Role { return u.EligibleRoles },
		func(g *Group) []Role { return g.EligibleRoles })
}

// servePrincipalRoles answers a role collection filtered by principal
// (`$filter=principalId eq '…'`, as tapbot asks): the roles of the user or
// group with that object id, each rendered by render.
func (s *Tenant) servePrincipalRoles(w http.ResponseWriter, r *http.Request, context string,
	render func(principal string, ro Role, expand bool) map[string]any, ofUser func(*User) []Role, ofGroup func(*Group) []Role) {
	principal, ok := principalFilter(w, r, "principalId")
	if !ok {
		return
	}
	expand := expands(r, "roleDefinition")
	var items []map[string]any
	s.mu.Lock()
	var roles []Role
	if u := s.userByID(principal); u != nil {
		roles = slices.Clone(ofUser(u))
	}
	if g := s.groupByID(principal); g != nil {
		roles = append(roles, ofGroup(g)...)
	}
	for _, ro := range roles {
		items = append(items, render(principal, ro, expand))
	}
	s.mu.Unlock()
	s.writePage(w, r, context, items)
}

// servePIMForGroups lists PIM for Groups eligibilities, which Graph insists
// be filtered by principalId or groupId.
func (s *Tenant) servePIMForGroups(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "BadRequest", "The HTTP method '"+r.Method+"' is not allowed here.")
		return
	}
	if !s.pimAvailable(w, permReadPIMForGroups) {
		return
	}
	prop, value, err := parsePropertyEq(r.URL.Query().Get("$filter"), "principalId", "groupId")
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "The filter must scope the request to a principalId or a groupId: "+err.Error())
		return
	}
	expand := expands(r, "group")
	var items []map[string]any
	s.mu.Lock()
	for _, u := range s.users {
		for _, gid := range u.EligibleGroups {
			if (prop == "principalid" && strings.EqualFold(u.ID, value)) || (prop == "groupid" && strings.EqualFold(gid, value)) {
				items = append(items, s.groupEligibilityJSON(u.ID, gid, expand))
			}
		}
	}
	s.mu.Unlock()
	s.writePage(w, r, "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances", items)
}

// pimAvailable checks the permission, then the licence, as Graph does, and
// answers the call when either is missing.
func (s *Tenant) pimAvailable(w http.ResponseWriter, perms []string) bool {
	if !s.granted(perms) {
		writePIMForbidden(w, perms[0])
		return false
	}
	s.mu.Lock()
	unlicensed := s.unlicensed
	s.mu.Unlock()
	if unlicensed {
		writeError(w, http.StatusBadRequest, "AadPremiumLicenseRequired", premiumLicenseMessage)
		return false
	}
	return true
}

// writePIMForbidden answers as the PIM endpoints do when a permission is
// missing: 403 with the PIM service's own error, JSON inside the message.
func writePIMForbidden(w http.ResponseWriter, permission string) {
	writeError(w, http.StatusForbidden, "UnknownError", fmt.Sprintf(
		`{"errorCode":"PermissionScopeNotGranted","message":"Authorization failed due to missing permission scope %s.","instanceAnnotations":[]}`, permission))
}

// principalFilter reads `prop eq '…'` from $filter, answering 400 when the
// filter is anything else.
func principalFilter(w http.ResponseWriter, r *http.Request, prop string) (string, bool) {
	_, value, err := parsePropertyEq(r.URL.Query().Get("$filter"), prop)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "Invalid filter clause: "+err.Error())
		return "", false
	}
	return value, true
}

// expands reports whether $expand names the navigation property.
func expands(r *http.Request, property string) bool {
	for _, part := range strings.Split(r.URL.Query().Get("$expand"), ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(part), "(")
		if strings.EqualFold(name, property) {
			return true
		}
	}
	return false
}

// userByID and groupByID find a principal by object id, as Graph's
// principalId filters do (a UPN is not a principal id). The caller holds s.mu.
func (s *Tenant) userByID(id string) *User {
	for _, u := range s.users {
		if strings.EqualFold(u.ID, id) {
			return u
		}
	}
	return nil
}

func (s *Tenant) groupByID(id string) *Group {
	for _, g := range s.groups {
		if strings.EqualFold(g.ID, id) {
			return g
		}
	}
	return nil
}

// scope is a role's directoryScopeId: "/" for the whole tenant.
func (ro Role) scope() string {
	if ro.Scope == "" {
		return "/"
	}
	return ro.Scope
}

// definitionJSON renders the unifiedRoleDefinition of a role. A built-in
// role's definition id is its template id.
func (ro Role) definitionJSON() map[string]any {
	return map[string]any{
		"id": ro.RoleTemplateID, "displayName": ro.DisplayName, "templateId": ro.RoleTemplateID,
		"isBuiltIn": !ro.Custom, "isEnabled": true, "description": nil,
	}
}

func assignmentJSON(principal string, ro Role, expand bool) map[string]any {
	out := map[string]any{
		"id": ro.ID + "-" + principal, "principalId": principal, "roleDefinitionId": ro.RoleTemplateID,
		"directoryScopeId": ro.scope(), "resourceScope": ro.scope(),
	}
	if expand {
		out["roleDefinition"] = ro.definitionJSON()
	}
	return out
}

func eligibilityJSON(principal string, ro Role, expand bool) map[string]any {
	out := map[string]any{
		"id": ro.ID + "-" + principal + "-e", "principalId": principal, "roleDefinitionId": ro.RoleTemplateID,
		"directoryScopeId": ro.scope(), "appScopeId": nil, "startDateTime": "2025-01-06T09:00:00Z", "endDateTime": nil,
		"memberType": "Direct", "roleEligibilityScheduleId": ro.ID,
	}
	if expand {
		out["roleDefinition"] = ro.definitionJSON()
	}
	return out
}

// groupEligibilityJSON renders a privilegedAccessGroupEligibilityScheduleInstance
// of a member eligibility. The caller holds s.mu.
func (s *Tenant) groupEligibilityJSON(userID, groupID string, expand bool) map[string]any {
	out := map[string]any{
		"id": groupID + "_member_" + userID, "startDateTime": "2025-01-06T09:00:00Z", "endDateTime": nil,
		"accessId": "member", "principalId": userID, "groupId": groupID, "memberType": "Direct",
		"eligibilityScheduleId": groupID + "_member_" + userID,
	}
	if !expand {
		return out
	}
	group := map[string]any{"@odata.type": "#microsoft.graph.group", "id": groupID, "displayName": nil}
	if g := s.groupByID(groupID); g != nil {
		group["displayName"] = nullable(g.DisplayName)
	}
	out["group"] = group
	return out
}
