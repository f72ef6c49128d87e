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
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	o := op{action: "get token to read its roles", purpose: "sign in"}
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.ep.Scope}, EnableCAE: true})
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
// and PIM for Groups) for the approval policy.
func RequiredRoles() []string {
	return []string{permPasses, permUsers, permPolicy, permGroups, permRoles, permPIMGroups}
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
