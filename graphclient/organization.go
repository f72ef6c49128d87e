package graphclient

import (
	"context"

	"github.com/microsoftgraph/msgraph-sdk-go/organization"
)

// permOrganization is the least privileged application permission that
// reads a tenant's organization object, and with it its verified domains.
const permOrganization = "Organization.Read.All"

// VerifiedDomainsRoles lists the application permissions any one of which
// lets VerifiedDomains read the tenant's organization object, the least
// privileged first, as the Graph reference (List organizations) lists them
// for app-only access. User.Read.All is not one of them. tapbot serve needs
// none of them, so RequiredRoles leaves them out: only `tapbot doctor`
// reads verified domains, and says so when it cannot.
func VerifiedDomainsRoles() []string {
	return []string{permOrganization, "Directory.Read.All", "Organization.ReadWrite.All", "Directory.ReadWrite.All"}
}

// VerifiedDomains returns the names of the tenant's verified domains (GET
// /organization, its verifiedDomains), e.g. contoso.com and
// contoso.onmicrosoft.com. It returns EPERMISSION when the app has none
// of VerifiedDomainsRoles, or when no token can be had, and EUNAVAILABLE
// when Graph does not answer in time.
func (c *Client) VerifiedDomains(ctx context.Context) ([]string, error) {
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	// A builder of its own: kiota writes into a builder's path parameters
	// when it sends (see userCollection).
	b := organization.NewOrganizationRequestBuilderInternal(map[string]string{"baseurl": c.ep.GraphURL}, c.adapter)
	resp, err := b.Get(ctx, &organization.OrganizationRequestBuilderGetRequestConfiguration{
		QueryParameters: &organization.OrganizationRequestBuilderGetQueryParameters{Select: []string{"id", "verifiedDomains"}},
	})
	if err != nil {
		return nil, c.fail(ctx, op{action: "read the organization's verified domains", purpose: "read the tenant's verified domains", permission: permOrganization}, err)
	}
	var names []string
	for _, org := range resp.GetValue() { // one organization per tenant
		for _, d := range org.GetVerifiedDomains() {
			if n := deref(d.GetName()); n != "" {
				names = append(names, n)
			}
		}
	}
	return names, nil
}
