package approvals

import (
	"context"
	"strings"
	"testing"
)

const (
	contosoID  = "11111111-1111-1111-1111-111111111111"
	fabrikamID = "22222222-2222-2222-2222-222222222222"
)

func twoTenants(t *testing.T) *Tenants {
	t.Helper()
	ts, err := NewTenants([]TenantConfig{
		{Name: "contoso", ID: contosoID, Domains: []string{"contoso.com", "Contoso.onmicrosoft.com"}, ApprovalChannel: "C0CONTOSO"},
		{Name: "fabrikam", ID: fabrikamID, Domains: []string{"fabrikam.com"}},
	})
	if err != nil {
		t.Fatalf("NewTenants: %v", err)
	}
	return ts
}

func TestRouteByUPNDomain(t *testing.T) {
	ts := twoTenants(t)
	for _, tc := range []struct{ name, upn, tenant string }{
		{"exact domain", "alice@contoso.com", "contoso"},
		{"second domain of a tenant", "alice@contoso.onmicrosoft.com", "contoso"},
		{"other tenant", "bob@fabrikam.com", "fabrikam"},
		{"domain in any letter case", "Bob@FABRIKAM.Com", "fabrikam"},
		{"configured in upper case", "carol@CONTOSO.ONMICROSOFT.COM", "contoso"},
		{"guest routes by its onmicrosoft domain", "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com", "contoso"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ts.Route(tc.upn)
			if err != nil {
				t.Fatalf("Route(%s): %v", tc.upn, err)
			}
			if got.Name != tc.tenant {
				t.Fatalf("Route(%s) = %s, want %s", tc.upn, got.Name, tc.tenant)
			}
		})
	}
}

func TestRouteRefusesWhatNoTenantHas(t *testing.T) {
	ts := twoTenants(t)
	for _, tc := range []struct{ name, upn, want string }{
		{"unknown domain names it and the fix", "eve@northwind.com", "northwind.com"},
		{"subdomain is not the domain", "eve@eu.contoso.com", "eu.contoso.com"},
		{"parent domain is not the domain", "eve@onmicrosoft.com", "onmicrosoft.com"},
		{"guest of an unknown tenant", "bob_contoso.com#EXT#@northwind.onmicrosoft.com", "northwind.onmicrosoft.com"},
		{"no domain", "eve", "name@domain"},
		{"empty domain", "eve@", "name@domain"},
		{"empty name", "@contoso.com", "name@domain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.Route(tc.upn)
			if ErrorCode(err) != EINVALID {
				t.Fatalf("Route(%s) = %v, want %s", tc.upn, err, EINVALID)
			}
			if msg := ErrorMessage(err); !strings.Contains(msg, tc.want) {
				t.Fatalf("Route(%s) message %q does not name %q", tc.upn, msg, tc.want)
			}
		})
	}
	_, err := ts.Route("eve@northwind.com")
	if msg := ErrorMessage(err); !strings.Contains(msg, "add it to the tenant's domains in TAPBOT_TENANTS_FILE") {
		t.Fatalf("message %q does not say how to add the domain", msg)
	}
}

func TestNewTenantsReportsEveryProblemAtOnce(t *testing.T) {
	_, err := NewTenants([]TenantConfig{
		{Name: "contoso", ID: contosoID, Domains: []string{"contoso.com", "shared.com"}},
		{Name: "fabrikam", ID: "not-a-guid", Domains: []string{"Shared.com"}},
		{Name: "contoso", ID: fabrikamID, Domains: []string{"contoso2.com"}},
		{Name: "Bad Name", ID: contosoID},
		{ID: "33333333-3333-3333-3333-333333333333", Domains: []string{"not a domain"}},
	})
	if err == nil {
		t.Fatal("NewTenants accepted broken tenants")
	}
	for _, want := range []string{
		"domain shared.com is claimed by tenants contoso and fabrikam",
		`tenant fabrikam: id "not-a-guid" is not an Entra tenant id`,
		"tenant name contoso is used twice",
		`tenant name "Bad Name" must be`,
		"tenants contoso and Bad Name have the same id",
		"tenant Bad Name has no domains",
		"tenant #5 has no name",
		`tenant #5: "not a domain" is not a domain name`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems do not say %q:\n%v", want, err)
		}
	}
	if ErrorCode(err) != EINVALID {
		t.Errorf("code = %s, want %s", ErrorCode(err), EINVALID)
	}
}

func TestNewTenantsRefusesNoTenants(t *testing.T) {
	if _, err := NewTenants(nil); err == nil {
		t.Fatal("NewTenants(nil) built a router that routes nothing")
	}
}

func TestSingleTenantRoutesEveryDomain(t *testing.T) {
	ts := Single("default", contosoID)
	for _, upn := range []string{"alice@contoso.com", "bob@anything.example", "bob_x.com#EXT#@contoso.onmicrosoft.com"} {
		got, err := ts.Route(upn)
		if err != nil || got.ID != contosoID {
			t.Fatalf("Route(%s) = %+v, %v; want the single tenant", upn, got, err)
		}
	}
	if ts.Multi() {
		t.Fatal("Single reports several tenants")
	}
}

func TestStoredRequestsFindTheirTenant(t *testing.T) {
	single := Single("default", contosoID)
	for _, stored := range []string{"", contosoID, "default", "anything-older"} {
		if got, ok := single.Lookup(stored); !ok || got.ID != contosoID {
			t.Errorf("single Lookup(%q) = %+v, %v; want the single tenant", stored, got, ok)
		}
	}
	multi := twoTenants(t)
	for _, tc := range []struct {
		stored, want string
		ok           bool
	}{{"fabrikam", "fabrikam", true}, {strings.ToUpper(contosoID), "contoso", true}, {"", "", false}, {"northwind", "", false}} {
		got, ok := multi.Lookup(tc.stored)
		if ok != tc.ok || got.Name != tc.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tc.stored, got.Name, ok, tc.want, tc.ok)
		}
	}
}

func TestTenantPolicyReplacesGlobalApprovers(t *testing.T) {
	bob := Principal{Platform: "slack", ID: "U0BOB"}
	carol := Principal{Platform: "slack", ID: "U0CAROL"}
	global := Policy{Authorizer: NewStaticAuthorizer(nil, []string{carol.Key()}), ApprovalsRequired: 1}
	contoso := TenantConfig{Name: "contoso", Policy: func(p Policy) Policy {
		p.Authorizer = NewStaticAuthorizer(nil, []string{bob.Key()})
		return p
	}}
	fabrikam := TenantConfig{Name: "fabrikam"}
	ctx := context.Background()
	for _, tc := range []struct {
		tenant TenantConfig
		who    Principal
		want   bool
	}{{contoso, bob, true}, {contoso, carol, false}, {fabrikam, bob, false}, {fabrikam, carol, true}} {
		ok, err := tc.tenant.PolicyFor(global).Authorizer.CanApprove(ctx, tc.who)
		if err != nil || ok != tc.want {
			t.Errorf("%s approver %s: %v, %v; want %v", tc.tenant.Name, tc.who.ID, ok, err, tc.want)
		}
	}
}
