package graphclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Roles returns the application permissions consented to tapbot in this
// tenant, as the `roles` claim of its Graph access token lists them (read,
// not verified: the token comes straight from Entra ID). `tapbot doctor`
// compares them with what tapbot needs. It returns EPERMISSION or
// EUNAVAILABLE, as the other methods do, when no token can be had.
func (c *Client) Roles(ctx context.Context) ([]string, error) {
	return c.RolesFor(ctx, c.ep.Scope)
}

// RolesFor is Roles for another API of the tenant that tapbot's app
// signs in to with the same credential, named by its scope (e.g. Entra
// Verified ID's Request Service): the roles claim of a token for scope.
func (c *Client) RolesFor(ctx context.Context, scope string) ([]string, error) {
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	o := op{action: "get token to read its roles", purpose: "sign in"}
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}, EnableCAE: true})
	if err != nil {
		return nil, c.fail(ctx, o, err)
	}
	roles, err := rolesClaim(tok.Token)
	if err != nil {
		return nil, c.fail(ctx, o, err)
	}
	return roles, nil
}

// RequiredRoles lists the Microsoft Graph application permissions tapbot
// uses, for `tapbot doctor` to compare with Roles: creating, listing and
// deleting passes, looking users up, reading the TAP policy, and reading
// group memberships, admin roles and PIM eligibilities (directory roles
// and PIM for Groups) for the approval policy. For passes and the policy
// they are the least privileged ones Graph offers; BroaderRoles lists what
// Graph also accepts in their stead.
func RequiredRoles() []string {
	return []string{permPasses, permUsers, permPolicy, permGroups, permRoles, permPIMGroups}
}

// OptionalRole is an application permission only an optional feature
// uses: without it, the feature is left out and says so.
type OptionalRole struct {
	Name string // as the Entra admin center names it
	For  string // what needs it, to follow "needed only" in a sentence
}

// OptionalRoles lists the permissions only end-user verification uses:
// ID Protection's risk and the methods registered lately, which approvers
// otherwise see as "not checked", and mail to the person whose account a
// pass is for. deploy/entra/create-app.sh requests them with --risk-checks
// and --target-mail.
func OptionalRoles() []OptionalRole {
	return []OptionalRole{
		{Name: permRisk, For: "when the policy uses ID Protection's user risk (risk checks; Entra ID P2)"},
		{Name: permMethods, For: "to show approvers the authentication methods registered lately (risk checks)"},
		{Name: permMail, For: "when the policy tells the user by e-mail that a pass was made; restrict it to the sending mailbox with an application access policy (New-ApplicationAccessPolicy)"},
	}
}

// BroaderRole is an application permission Graph accepts in place of one
// of RequiredRoles, which allows far more than tapbot does with it.
type BroaderRole struct {
	Name    string // as the Entra admin center names it
	Instead string // the required permission it stands in for
	Reach   string // what else it allows, to follow the name in a sentence
}

// BroaderRoles lists the broader permissions tapbot works with too: the
// ones it asked for before Graph had permissions limited to Temporary
// Access Passes and to the authentication methods policy, which tenants
// that consented then still hold. `tapbot doctor` accepts them and says
// which narrow one to grant instead.
func BroaderRoles() []BroaderRole {
	return []BroaderRole{
		{Name: "UserAuthenticationMethod.ReadWrite.All", Instead: permPasses, Reach: "can change every authentication method of every user"},
		{Name: "Policy.Read.All", Instead: permPolicy, Reach: "can read every policy of the tenant, Conditional Access included"},
		{Name: "Policy.ReadWrite.AuthenticationMethod", Instead: permPolicy, Reach: "can change the tenant's authentication methods policy"},
	}
}

// rolesClaim decodes the payload of a JWT and returns its roles claim.
func rolesClaim(jwt string) ([]string, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("access token is not a JWT (%d parts)", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("decode token payload: %w", err)
	}
	var claims struct {
		Roles []string `json:"roles"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("parse token payload: %w", err)
	}
	return claims.Roles, nil
}
