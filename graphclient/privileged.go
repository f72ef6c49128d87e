package graphclient

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/microsoftgraph/msgraph-sdk-go/identitygovernance"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"

	"github.com/tapbot/tapbot/approvals"
)

// permPIMGroups is the application permission that reads PIM for Groups
// eligibilities. Directory role eligibilities and role assignments need
// only permRoles (RoleManagement.Read.Directory covers both).
const permPIMGroups = "PrivilegedEligibilitySchedule.Read.AzureADGroup"

// codeNoPIMLicence is Graph's answer to a PIM read in a tenant without
// Entra ID P2 or ID Governance. Without the licence there is no PIM, so
// nobody is eligible for anything: the answer means "none", not "unknown".
const codeNoPIMLicence = "AadPremiumLicenseRequired"

// maxParallelReads bounds the Graph calls one role check has in flight.
const maxParallelReads = 4

// privilegedRoles reads every way userID holds or can activate a directory
// role: active memberships, role assignments (scoped and custom roles
// included), PIM eligibilities, and the roles of the groups PIM for Groups
// lets them join. The first four reads run in parallel; the groups' roles,
// two reads per eligible group, follow. Any failed read fails the answer.
func (c *Client) privilegedRoles(ctx context.Context, userID string) ([]approvals.DirectoryRole, error) {
	var active, assigned, eligible []approvals.DirectoryRole
	var groups []pimGroup
	err := parallel(
		func() (err error) { active, err = c.activeRoles(ctx, userID); return err },
		func() (err error) { assigned, err = c.roleAssignments(ctx, userID, ""); return err },
		func() (err error) { eligible, err = c.roleEligibilities(ctx, userID, ""); return err },
		func() (err error) { groups, err = c.eligibleGroups(ctx, userID); return err },
	)
	if err != nil {
		return nil, err
	}
	viaGroups, err := c.rolesOfGroups(ctx, groups)
	if err != nil {
		return nil, err
	}
	return mergeRoles(active, assigned, eligible, viaGroups), nil
}

// pimGroup is a group a user may join through PIM for Groups.
type pimGroup struct{ id, name string }

// via says how a user comes by a role of the group.
func (g pimGroup) via() string {
	name := g.name
	if name == "" {
		name = "group " + g.id
	}
	return "PIM for Groups membership of " + name
}

// rolesOfGroups reads the active and eligible roles of each group. A user
// who may join a group can activate what the group holds, so every role
// found is eligible.
func (c *Client) rolesOfGroups(ctx context.Context, groups []pimGroup) ([]approvals.DirectoryRole, error) {
	found := make([][]approvals.DirectoryRole, 2*len(groups))
	var reads []func() error
	for i, g := range groups {
		reads = append(reads,
			func() (err error) { found[2*i], err = c.roleAssignments(ctx, g.id, g.via()); return err },
			func() (err error) { found[2*i+1], err = c.roleEligibilities(ctx, g.id, g.via()); return err })
	}
	if err := parallel(reads...); err != nil {
		return nil, err
	}
	return slices.Concat(found...), nil
}

// roleAssignments lists the active role assignments of a principal, whatever
// their scope, custom roles included. via is "" for the user's own; for a
// group's it says how the user comes by them, and makes them eligible.
func (c *Client) roleAssignments(ctx context.Context, principal, via string) ([]approvals.DirectoryRole, error) {
	rb := rolemanagement.NewRoleManagementRequestBuilderInternal(map[string]string{"baseurl": c.ep.GraphURL}, c.adapter).
		Directory().RoleAssignments()
	filter := "principalId eq " + odataString(principal)
	first, err := rb.Get(ctx, &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{
			Filter: &filter, Expand: []string{"roleDefinition"}},
	})
	var out []approvals.DirectoryRole
	err = eachItem(first, err,
		func(next string) (models.UnifiedRoleAssignmentCollectionResponseable, error) {
			return rb.WithUrl(next).Get(ctx, nil)
		},
		func(a models.UnifiedRoleAssignmentable) {
			out = append(out, unifiedRole(a.GetRoleDefinitionId(), a.GetRoleDefinition(), a.GetDirectoryScopeId(), via != "", via))
		})
	if err != nil {
		return nil, c.fail(ctx, op{action: "list role assignments of " + principal, purpose: "read admin roles",
			permission: permRoles}, err)
	}
	return out, nil
}

// roleEligibilities lists the directory roles a principal may activate
// through PIM.
func (c *Client) roleEligibilities(ctx context.Context, principal, via string) ([]approvals.DirectoryRole, error) {
	rb := rolemanagement.NewRoleManagementRequestBuilderInternal(map[string]string{"baseurl": c.ep.GraphURL}, c.adapter).
		Directory().RoleEligibilityScheduleInstances()
	filter := "principalId eq " + odataString(principal)
	first, err := rb.Get(ctx, &rolemanagement.DirectoryRoleEligibilityScheduleInstancesRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleEligibilityScheduleInstancesRequestBuilderGetQueryParameters{
			Filter: &filter, Expand: []string{"roleDefinition"}},
	})
	var out []approvals.DirectoryRole
	err = eachItem(first, err,
		func(next string) (models.UnifiedRoleEligibilityScheduleInstanceCollectionResponseable, error) {
			return rb.WithUrl(next).Get(ctx, nil)
		},
		func(e models.UnifiedRoleEligibilityScheduleInstanceable) {
			out = append(out, unifiedRole(e.GetRoleDefinitionId(), e.GetRoleDefinition(), e.GetDirectoryScopeId(), true, via))
		})
	if noPIM(err) {
		return nil, nil
	}
	if err != nil {
		return nil, c.fail(ctx, op{action: "list role eligibilities of " + principal, purpose: "read PIM role eligibilities",
			permission: permRoles}, err)
	}
	return out, nil
}

// eligibleGroups lists the groups userID may join (as member or owner, who
// can add themselves) through PIM for Groups.
func (c *Client) eligibleGroups(ctx context.Context, userID string) ([]pimGroup, error) {
	rb := identitygovernance.NewIdentityGovernanceRequestBuilderInternal(map[string]string{"baseurl": c.ep.GraphURL}, c.adapter).
		PrivilegedAccess().Group().EligibilityScheduleInstances()
	filter := "principalId eq " + odataString(userID)
	first, err := rb.Get(ctx, &identitygovernance.PrivilegedAccessGroupEligibilityScheduleInstancesRequestBuilderGetRequestConfiguration{
		QueryParameters: &identitygovernance.PrivilegedAccessGroupEligibilityScheduleInstancesRequestBuilderGetQueryParameters{
			Filter: &filter, Expand: []string{"group"}},
	})
	var out []pimGroup
	err = eachItem(first, err,
		func(next string) (models.PrivilegedAccessGroupEligibilityScheduleInstanceCollectionResponseable, error) {
			return rb.WithUrl(next).Get(ctx, nil)
		},
		func(e models.PrivilegedAccessGroupEligibilityScheduleInstanceable) {
			g := pimGroup{id: deref(e.GetGroupId())}
			if grp := e.GetGroup(); grp != nil {
				g.name = deref(grp.GetDisplayName())
			}
			if g.id != "" && !slices.ContainsFunc(out, func(o pimGroup) bool { return o.id == g.id }) {
				out = append(out, g)
			}
		})
	if noPIM(err) {
		return nil, nil
	}
	if err != nil {
		return nil, c.fail(ctx, op{action: "list PIM for Groups eligibilities of " + userID, purpose: "read PIM for Groups eligibilities",
			permission: permPIMGroups, user: userID}, err)
	}
	return out, nil
}

// noPIM recognises the answer of a tenant that has no PIM licence.
func noPIM(err error) bool {
	f, ok := asGraphFailure(err)
	return ok && f.status == 400 && f.code == codeNoPIMLicence
}

// unifiedRole describes the role of an assignment or eligibility. A
// built-in role's definition id is its template id; the expanded
// definition adds the display name.
func unifiedRole(defID *string, def models.UnifiedRoleDefinitionable, scope *string, eligible bool, via string) approvals.DirectoryRole {
	r := approvals.DirectoryRole{TemplateID: deref(defID), Eligible: eligible, Via: via, Scope: deref(scope)}
	if def != nil {
		r.Name = deref(def.GetDisplayName())
		if tid := deref(def.GetTemplateId()); tid != "" {
			r.TemplateID = tid
		}
	}
	if r.Scope == "/" {
		r.Scope = ""
	}
	return r
}

// mergeRoles joins the lists in order, keeping the first of equal roles:
// a tenant-wide role assigned to the user directly is both an active
// membership and an assignment.
func mergeRoles(lists ...[]approvals.DirectoryRole) []approvals.DirectoryRole {
	var out []approvals.DirectoryRole
	for _, r := range slices.Concat(lists...) {
		dup := slices.ContainsFunc(out, func(o approvals.DirectoryRole) bool {
			return strings.EqualFold(o.TemplateID, r.TemplateID) && o.Scope == r.Scope && o.Eligible == r.Eligible && o.Via == r.Via
		})
		if !dup {
			out = append(out, r)
		}
	}
	return out
}

// parallel runs the reads at most maxParallelReads at a time and returns
// the error of the first read, in the order given, that failed: the same
// failure gives the same message however the calls interleave.
func parallel(reads ...func() error) error {
	for _, err := range readAll(reads...) {
		if err != nil {
			return err
		}
	}
	return nil
}

// readAll runs the reads at most maxParallelReads at a time and returns
// each one's error, in the order given.
func readAll(reads ...func() error) []error {
	errs := make([]error, len(reads))
	slots := make(chan struct{}, maxParallelReads)
	var wg sync.WaitGroup
	for i, read := range reads {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			errs[i] = read()
		})
	}
	wg.Wait()
	return errs
}

// odataString quotes s as an OData string literal.
func odataString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
