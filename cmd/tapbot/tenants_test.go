package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/internal/tenantsfile"
)

// parseTenants parses a tenants file with the access-list check of
// TAPBOT_REQUESTERS, and fails the test on any problem.
func parseTenants(t *testing.T, data string) *tenantsfile.File {
	t.Helper()
	f, problems := tenantsfile.Parse([]byte(data), validAccessEntry)
	if len(problems) > 0 {
		t.Fatalf("tenants file: %v", problems)
	}
	return f
}

func TestExampleTenantsFileIsValid(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "tenants.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The example's secret file exists only where tapbot is deployed.
	secret := filepath.Join(t.TempDir(), "contoso")
	if err := os.WriteFile(secret, []byte("example"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := parseTenants(t, strings.ReplaceAll(string(data), "/run/secrets/contoso", secret))
	tenants, err := approvals.NewTenants(Config{}.tenantConfigs(f, nil))
	if err != nil {
		t.Fatalf("deploy/tenants.example.yaml: %v", err)
	}
	for upn, want := range map[string]string{"alice@contoso.com": "contoso", "bob@fabrikam.com": "fabrikam", "x_y.com#EXT#@contoso.onmicrosoft.com": "contoso"} {
		if got, err := tenants.Route(upn); err != nil || got.Name != want {
			t.Errorf("Route(%s) = %q, %v; want %s", upn, got.Name, err, want)
		}
	}
	if c, _ := tenants.Lookup("contoso"); c.ApprovalChannel == "" || c.TeamsApprovalConversation == "" {
		t.Errorf("contoso = %+v, want its approval channel and conversation", c)
	}
}

// yamlKeys lists the YAML keys of a struct type, nested ones as "a.b".
func yamlKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for f := range t.Fields() {
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if ft := f.Type; ft.Kind() == reflect.Struct && ft.PkgPath() == "" && ft.Name() == "" {
			keys = append(keys, yamlKeys(ft, prefix+name+".")...)
			continue
		}
		keys = append(keys, prefix+name)
	}
	slices.Sort(keys)
	return keys
}

func TestTenantEntryTakesEveryPolicyFileKey(t *testing.T) {
	want := yamlKeys(reflect.TypeFor[PolicyFile](), "")
	got := yamlKeys(reflect.TypeFor[tenantsfile.Policy](), "")
	if !slices.Equal(got, want) {
		t.Fatalf("tenant policy keys %v\nwant the policy file's %v", got, want)
	}
}

func TestTenantApproversReplaceGlobalOnes(t *testing.T) {
	f := parseTenants(t, `tenants:
  - name: contoso
    id: 11111111-1111-1111-1111-111111111111
    domains: [contoso.com]
    approvers: [U0BOB]
  - name: fabrikam
    id: 22222222-2222-2222-2222-222222222222
    domains: [fabrikam.com]
`)
	c := Config{Requesters: []string{"U0RITA"}, Approvers: []string{"U0CAROL"}}
	global := c.policy(nil)
	tenants, err := approvals.NewTenants(c.tenantConfigs(f, nil))
	if err != nil {
		t.Fatal(err)
	}
	bob, carol, rita := approvals.Principal{Platform: "slack", ID: "U0BOB"}, approvals.Principal{Platform: "slack", ID: "U0CAROL"}, approvals.Principal{Platform: "slack", ID: "U0RITA"}
	ctx := context.Background()
	for _, tc := range []struct {
		tenant       string
		who          approvals.Principal
		approve, ask bool
	}{
		{"contoso", bob, true, false},
		{"contoso", carol, false, false}, // the same channel or not: contoso's card is not carol's to approve
		{"contoso", rita, false, true},   // requesters are not replaced, so the global ones stay
		{"fabrikam", bob, false, false},
		{"fabrikam", carol, true, false},
	} {
		tn, _ := tenants.Lookup(tc.tenant)
		a := tn.PolicyFor(global).Authorizer
		approve, _ := a.CanApprove(ctx, tc.who)
		ask, _ := a.CanRequest(ctx, tc.who)
		if approve != tc.approve || ask != tc.ask {
			t.Errorf("%s, %s: approve %v, request %v; want %v, %v", tc.tenant, tc.who.ID, approve, ask, tc.approve, tc.ask)
		}
	}
}

func TestTenantPolicyOverridesFollowTheMergeRules(t *testing.T) {
	f := parseTenants(t, `tenants:
  - name: contoso
    id: 11111111-1111-1111-1111-111111111111
    domains: [contoso.com]
    approvalsRequired: 1
    allowedDomains: [contoso.com, other.com]
    allowGuests: true
    reason: {ticketPattern: 'CS-\d+'}
    limits: {window: 2h}
    protectOff: ["directory role holders"]
    protect:
      - name: contoso vip
        upnPatterns: ["ceo@contoso.com"]
        refuse: true
`)
	pf := &PolicyFile{ApprovalsRequired: 2, AllowedDomains: []string{"contoso.com", "fabrikam.com"}}
	pf.Reason.Required, pf.Reason.MinLength = true, 10
	pf.Limits.RequestsPerRequester = 5
	pf.Protect = []approvals.ProtectRule{{Name: "break-glass", UPNPatterns: []string{"bg*@contoso.com"}, ApprovalsRequired: 2}}
	c := Config{ApprovalsRequired: 1, PolicyFile: pf}
	p := c.tenantConfigs(f, nil)[0].PolicyFor(c.policy(nil))

	if p.ApprovalsRequired != 2 {
		t.Errorf("approvalsRequired = %d; a tenant may raise it, not lower it", p.ApprovalsRequired)
	}
	if !slices.Equal(p.AllowedDomains, []string{"contoso.com"}) {
		t.Errorf("allowedDomains = %v, want only those in both lists", p.AllowedDomains)
	}
	if !p.AllowGuests || p.Reason.TicketPattern.String() != `CS-\d+` || !p.Reason.Required || p.Reason.MinLength != 10 {
		t.Errorf("allowGuests %v, reason %+v: the tenant's settings replace the global ones, field by field", p.AllowGuests, p.Reason)
	}
	if p.RequesterWindow != 2*time.Hour || p.RequesterLimit != 5 {
		t.Errorf("limits = %v per %v", p.RequesterLimit, p.RequesterWindow)
	}
	var names []string
	for _, r := range p.Protect {
		names = append(names, r.Name)
	}
	if !slices.Equal(names, []string{"break-glass", "contoso vip"}) {
		t.Errorf("protect = %v; want the global rules plus the tenant's, without the built-in one it turned off", names)
	}
}

func TestTenantWithoutOverridesKeepsTheGlobalPolicy(t *testing.T) {
	f := parseTenants(t, "tenants:\n  - name: fabrikam\n    id: 22222222-2222-2222-2222-222222222222\n    domains: [fabrikam.com]\n")
	c := Config{ApprovalsRequired: 2, Requesters: []string{"U0RITA"}, AllowedDomains: []string{"fabrikam.com"}}
	global := c.policy(nil)
	p := c.tenantConfigs(f, nil)[0].PolicyFor(global)
	p.Authorizer, global.Authorizer = nil, nil
	if !reflect.DeepEqual(p, global) {
		t.Fatalf("tenant policy %+v\nwant the global %+v", p, global)
	}
}
