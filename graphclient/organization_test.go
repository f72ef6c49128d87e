package graphclient_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

func TestVerifiedDomainsAreEachTenantsOwn(t *testing.T) {
	m := newMSP(t)
	contoso, fabrikam := m.consented(t)
	m.contoso.SetRoles(append(graphtest.DefaultRoles(), "Organization.Read.All")...)
	m.fabrikam.SetRoles(append(graphtest.DefaultRoles(), "Directory.Read.All")...)
	m.contoso.SetVerifiedDomains(graphtest.Domain{Name: "contoso.com", IsDefault: true}, graphtest.Domain{Name: "contoso.onmicrosoft.com", IsInitial: true})
	m.fabrikam.SetVerifiedDomains(graphtest.Domain{Name: "fabrikam.com", IsDefault: true})
	ctx := context.Background()
	if got, err := contoso.VerifiedDomains(ctx); err != nil || !slices.Equal(got, []string{"contoso.com", "contoso.onmicrosoft.com"}) {
		t.Errorf("contoso: %v, %v", got, err)
	}
	if got, err := fabrikam.VerifiedDomains(ctx); err != nil || !slices.Equal(got, []string{"fabrikam.com"}) {
		t.Errorf("fabrikam: %v, %v", got, err)
	}
}

func TestVerifiedDomainsWithoutPermissionNamesOrganizationReadAll(t *testing.T) {
	m := newMSP(t)
	contoso, _ := m.consented(t)
	_, err := contoso.VerifiedDomains(context.Background())
	if approvals.ErrorCode(err) != approvals.EPERMISSION || !strings.Contains(approvals.ErrorMessage(err), "Organization.Read.All") {
		t.Fatalf("VerifiedDomains with the default roles = %v; want EPERMISSION naming Organization.Read.All", err)
	}
	if r := graphclient.VerifiedDomainsRoles(); r[0] != "Organization.Read.All" || slices.Contains(r, "User.Read.All") {
		t.Errorf("VerifiedDomainsRoles = %v", r)
	}
}
