package graphclient

import (
	"context"
	"errors"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/tapbot/tapbot/approvals"
)

// userFields are the user properties tapbot shows on an approval card.
// accountEnabled and userType are not in Graph's default set, so they
// must be selected.
var userFields = []string{"id", "displayName", "userPrincipalName", "accountEnabled", "userType", "jobTitle"}

// maxPages bounds how many pages of a collection tapbot follows, so a
// misbehaving server cannot keep it paging forever.
const maxPages = 100

// LookupUser finds the user whose sign-in name (UPN) or object id is
// upnOrID and reports whether they already have a Temporary Access Pass.
// The user and their passes are read at the same time (Graph takes the UPN
// for both), so the lookup costs one round trip. It returns ENOTFOUND when
// there is no such user, EINVALID for an empty name, EPERMISSION when the
// app lacks User.Read.All or UserAuthMethod-TAP.ReadWrite.All, and
// EUNAVAILABLE when Graph does not answer in time; when both reads fail,
// the user's failure is the one returned.
func (c *Client) LookupUser(ctx context.Context, upnOrID string) (approvals.Target, error) {
	upnOrID = strings.TrimSpace(upnOrID)
	if upnOrID == "" {
		return approvals.Target{}, approvals.Errorf(approvals.EINVALID, "Say whose pass it is: give the user's sign-in name (UPN), e.g. alice@contoso.com.")
	}
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	passesCtx, stopPasses := context.WithCancel(ctx)
	defer stopPasses()
	var passes []approvals.PassInfo
	var passesErr error
	listed := make(chan struct{})
	go func() {
		defer close(listed)
		passes, passesErr = c.listPasses(passesCtx, upnOrID, upnOrID)
	}()
	t, err := c.getUser(ctx, upnOrID)
	if err != nil {
		stopPasses() // its answer no longer matters
		<-listed
		return approvals.Target{}, err
	}
	<-listed
	if passesErr != nil {
		return approvals.Target{}, passesErr
	}
	t.HasTAP = len(passes) > 0
	return t, nil
}

// getUser reads the user whose UPN or object id is upnOrID.
func (c *Client) getUser(ctx context.Context, upnOrID string) (approvals.Target, error) {
	u, err := c.users.ByUserId(upnOrID).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userFields},
	})
	if err != nil {
		return approvals.Target{}, c.fail(ctx, op{action: "look up " + upnOrID, purpose: "look users up", permission: permUsers, user: upnOrID}, err)
	}
	return target(u), nil
}

// LookupUserByMail finds the one user whose mail or userPrincipalName is
// email, e.g. to match a chat account's verified address to Entra.
// Target.HasTAP is not filled in. It returns ENOTFOUND when nobody has the
// address, EINVALID when several users do or email is empty, EPERMISSION
// without User.Read.All, and EUNAVAILABLE when Graph does not answer.
func (c *Client) LookupUserByMail(ctx context.Context, email string) (approvals.Target, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return approvals.Target{}, approvals.Errorf(approvals.EINVALID, "No email address was given to look the user up by.")
	}
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	lit := "'" + strings.ReplaceAll(email, "'", "''") + "'"
	filter := "mail eq " + lit + " or userPrincipalName eq " + lit
	resp, err := c.userCollection().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Select: userFields},
	})
	if err != nil {
		return approvals.Target{}, c.fail(ctx, op{action: "find user by mail " + email, purpose: "look users up", permission: permUsers}, err)
	}
	found := resp.GetValue()
	switch {
	case len(found) == 0:
		return approvals.Target{}, approvals.Errorf(approvals.ENOTFOUND,
			"No user in the tenant has the email address %s. Check the address, or use the sign-in name (UPN).", email)
	case len(found) > 1 || resp.GetOdataNextLink() != nil:
		return approvals.Target{}, approvals.Errorf(approvals.EINVALID,
			"More than one user in the tenant has the email address %s; use the sign-in name (UPN) instead.", email)
	}
	return target(found[0]), nil
}

func target(u models.Userable) approvals.Target {
	return approvals.Target{
		ID:             deref(u.GetId()),
		UPN:            deref(u.GetUserPrincipalName()),
		DisplayName:    deref(u.GetDisplayName()),
		AccountEnabled: deref(u.GetAccountEnabled()),
		UserType:       deref(u.GetUserType()),
		JobTitle:       deref(u.GetJobTitle()),
	}
}

// UserGroups returns the ids of every group the user is a member of,
// directly or through nested groups. It returns ENOTFOUND for an unknown
// user, EPERMISSION without GroupMember.Read.All, and EUNAVAILABLE when
// Graph does not answer.
func (c *Client) UserGroups(ctx context.Context, userID string) ([]string, error) {
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	rb := c.users.ByUserId(userID).TransitiveMemberOf().GraphGroup()
	first, err := rb.Get(ctx, &users.ItemTransitiveMemberOfGraphGroupRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemTransitiveMemberOfGraphGroupRequestBuilderGetQueryParameters{Select: []string{"id"}},
	})
	var ids []string
	err = eachItem(first, err,
		func(next string) (models.GroupCollectionResponseable, error) { return rb.WithUrl(next).Get(ctx, nil) },
		func(g models.Groupable) { ids = append(ids, deref(g.GetId())) })
	if err != nil {
		return nil, c.fail(ctx, op{action: "list groups of " + userID, purpose: "read group memberships",
			permission: permGroups, user: userID}, err)
	}
	return ids, nil
}

// UserDirectoryRoles returns every directory role the user holds or can
// activate: active ones (directly, through a group, scoped to an
// administrative unit, custom), and those Privileged Identity Management
// makes them eligible for, directly or through a group PIM for Groups lets
// them join. A pass satisfies MFA, so an eligible role is as good as held.
// Each role has its template id and display name, so a policy may name
// protected roles either way. It returns EPERMISSION naming the missing
// permission (RoleManagement.Read.Directory, or
// PrivilegedEligibilitySchedule.Read.AzureADGroup), ENOTFOUND for an
// unknown user, and EUNAVAILABLE when Graph does not answer; never a
// partial list.
func (c *Client) UserDirectoryRoles(ctx context.Context, userID string) ([]approvals.DirectoryRole, error) {
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	return c.privilegedRoles(ctx, userID)
}

// activeRoles lists the activated directory roles the user is a member
// of, directly or through a role-assignable group.
func (c *Client) activeRoles(ctx context.Context, userID string) ([]approvals.DirectoryRole, error) {
	rb := c.users.ByUserId(userID).TransitiveMemberOf().GraphDirectoryRole()
	first, err := rb.Get(ctx, &users.ItemTransitiveMemberOfGraphDirectoryRoleRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemTransitiveMemberOfGraphDirectoryRoleRequestBuilderGetQueryParameters{
			Select: []string{"id", "displayName", "roleTemplateId"}},
	})
	var out []approvals.DirectoryRole
	err = eachItem(first, err,
		func(next string) (models.DirectoryRoleCollectionResponseable, error) {
			return rb.WithUrl(next).Get(ctx, nil)
		},
		func(r models.DirectoryRoleable) {
			out = append(out, approvals.DirectoryRole{TemplateID: deref(r.GetRoleTemplateId()), Name: deref(r.GetDisplayName())})
		})
	if err != nil {
		return nil, c.fail(ctx, op{action: "list directory roles of " + userID, purpose: "read admin roles",
			permission: permRoles, user: userID}, err)
	}
	return out, nil
}

// collection is one page of a Graph collection.
type collection[T any] interface {
	GetValue() []T
	GetOdataNextLink() *string
}

// errTooManyPages stops a collection that does not end; a partial list of
// roles or groups could let a policy check pass that should not.
var errTooManyPages = errors.New("collection has more pages than tapbot follows")

// eachItem calls each for every item of a paged collection, starting with
// the page (or error) at hand and fetching @odata.nextLink pages with next.
func eachItem[T any, P collection[T]](page P, err error, next func(string) (P, error), each func(T)) error {
	for n := 1; ; n++ {
		if err != nil {
			return err
		}
		for _, v := range page.GetValue() {
			each(v)
		}
		link := deref(page.GetOdataNextLink())
		if link == "" {
			return nil
		}
		if n >= maxPages {
			return errTooManyPages
		}
		page, err = next(link)
	}
}
