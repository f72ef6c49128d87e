package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
)

// Tenant is a customer tenant of MSP mode, as doctor checks it.
type Tenant struct {
	// Customer is its name, its id and, when it has one, its own app, the
	// secret read from its file.
	Customer graphclient.Customer
	// Domains are the UPN domains that route to it; each must be a
	// verified domain of the tenant.
	Domains []string
	// Problem is why its settings cannot be used (e.g. its
	// clientSecretFile cannot be read); "" when they can.
	Problem string
	// Verify is what the tenant's policy asks of end-user verification.
	Verify Verification
}

// maxParallelTenants bounds how many tenants are checked at once: enough
// that a tenant whose sign-in hangs does not hold up the next ones long,
// few enough not to flood Entra with token requests.
const maxParallelTenants = 8

// checkTenants checks every customer tenant in a block of its own: the
// token from that tenant's authority, the permissions in it, the TAP
// policy and the listed domains. Tenants are checked side by side, and one
// that fails or hangs does not stop the others; the blocks are printed in
// the order of the tenants file, each as soon as it and those before it
// are done.
func (d *run) checkTenants() {
	if len(d.s.Tenants) == 0 {
		d.skip("tenants", "TAPBOT_TENANTS_FILE is not usable (see configuration)")
		return
	}
	blocks := make([]*run, len(d.s.Tenants))
	done := make([]chan struct{}, len(d.s.Tenants))
	slots := make(chan struct{}, maxParallelTenants)
	for i, t := range d.s.Tenants {
		blocks[i], done[i] = &run{s: d.s, client: d.client}, make(chan struct{})
		go func() {
			defer close(done[i])
			slots <- struct{}{}
			defer func() { <-slots }()
			blocks[i].checkTenant(t)
		}()
	}
	for i, t := range d.s.Tenants {
		<-done[i]
		d.addBlock(t.Customer, blocks[i].results)
	}
}

// addBlock keeps a tenant's checks and prints them under a header that
// names the tenant.
func (d *run) addBlock(cu graphclient.Customer, checks []Check) {
	r := TenantReport{Name: cu.Name, ID: cu.ID, Status: worst(checks), Checks: checks}
	d.tenants = append(d.tenants, r)
	if d.out == nil {
		return
	}
	text := "tenant " + scrub(cu.Name, d.s.Secrets) + " (" + cu.ID + "):\n"
	for _, c := range checks {
		text += c.lines("  ")
	}
	_, _ = fmt.Fprint(d.out, text)
}

// worst is the status of a block: fail, else warn, else skip, else pass.
func worst(checks []Check) Status {
	for _, st := range []Status{Fail, Warn, Skip} {
		if countStatus(checks, st) > 0 {
			return st
		}
	}
	return Pass
}

// checkTenant fills the block d with the checks of one tenant.
func (d *run) checkTenant(t Tenant) {
	cu := t.Customer
	app, clientID := "the MSP's app", d.s.Graph.ClientID
	if cu.ClientID != "" {
		app, clientID = "its own app", cu.ClientID
	}
	switch {
	case t.Problem != "":
		d.fail("graph sign-in", t.Problem, "correct the tenant's entry in TAPBOT_TENANTS_FILE")
		d.skipTenant()
		return
	case clientID == "":
		d.skip("graph sign-in", "needs AZURE_CLIENT_ID, the application (client) id of the MSP's multi-tenant app")
		d.skipTenant()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*timeout)
	defer cancel()
	build := func(cfg graphclient.Config) (*graphclient.Client, error) { return graphclient.NewForTenant(cfg, cu) }
	g := tenantGrants(cu, clientID)
	gc, roles, ok := d.signIn(ctx, build, "correct the tenant's entry in TAPBOT_TENANTS_FILE")
	if !ok {
		d.skipTenant()
		d.checkVerifiedID(ctx, nil, t.Verify.VerifiedID, g)
		return
	}
	d.pass("graph sign-in", fmt.Sprintf("token obtained for %s %s from %s%s/oauth2/v2.0/token", app, clientID, gc.Endpoints().AuthorityHost, cu.ID))
	d.reportRoles(roles, g)
	d.checkTAPPolicy(ctx, gc)
	d.checkDomains(ctx, gc, roles, t, g)
	d.checkVerifyRoles(roles, t.Verify, g)
	d.checkVerifiedID(ctx, gc, t.Verify.VerifiedID, g)
}

func (d *run) skipTenant() {
	d.skip("graph permissions", "needs a Graph sign-in")
	d.skip("tap policy", "needs a Graph sign-in")
	d.skip("domains", "needs a Graph sign-in")
}

// tenantGrants is where a customer tenant's permissions are changed: on
// the MSP's app registration, in the MSP's own tenant, and then consented
// again by the customer's administrator; or on the customer's own app, in
// its tenant.
func tenantGrants(cu graphclient.Customer, clientID string) grants {
	if cu.ClientID != "" {
		own := ownApp(clientID)
		return grants{
			add:     func(missing string) string { return "in tenant " + cu.Name + ": " + own.add(missing) },
			replace: func(b graphclient.BroaderRole) string { return "in tenant " + cu.Name + ": " + own.replace(b) },
		}
	}
	consent := "an administrator of " + cu.Name + " consents again (tapbot tenants consent-url " + cu.Name + " prints the link)"
	return grants{
		add: func(missing string) string {
			return "in the MSP's tenant: Entra admin center → Entra ID → App registrations → " + clientID +
				" → API permissions → Add a permission → Microsoft Graph → Application permissions: add " + missing + "; then " + consent
		},
		replace: func(b graphclient.BroaderRole) string {
			return "add " + b.Instead + " to the MSP's app registration " + clientID + " (API permissions), then " + consent +
				"; then revoke " + b.Name + " in " + cu.Name + "'s Entra admin center → Enterprise applications → " + clientID + " → Permissions unless something else uses it"
		},
	}
}

// checkDomains compares the domains the tenants file routes to the tenant
// with the verified domains of its organization. Reading them needs a
// permission tapbot serve does not (graphclient.VerifiedDomainsRoles);
// without it the check is a warning, never a pass.
func (d *run) checkDomains(ctx context.Context, gc *graphclient.Client, roles []string, t Tenant, g grants) {
	listed := strings.Join(t.Domains, ", ")
	needed := graphclient.VerifiedDomainsRoles()
	notChecked := func(why string) {
		d.warn("domains", "not checked: needs "+needed[0]+" to read the tenant's verified domains"+why+"; listed: "+listed,
			"optional, tapbot serve does not need it: "+g.add(needed[0]))
	}
	if !slices.ContainsFunc(needed, func(r string) bool { return slices.Contains(roles, r) }) {
		notChecked("")
		return
	}
	verified, err := gc.VerifiedDomains(ctx)
	switch {
	case d.failNetwork("domains", hostOf(d.s.Graph.GraphURL, "graph.microsoft.com"), err):
		return
	case approvals.ErrorCode(err) == approvals.EPERMISSION:
		notChecked(" (Graph refused to read them)")
		return
	case err != nil:
		d.fail("domains", approvals.ErrorMessage(err), "")
		return
	}
	var missing []string
	for _, dom := range t.Domains {
		if !slices.ContainsFunc(verified, func(v string) bool { return strings.EqualFold(v, dom) }) {
			missing = append(missing, dom)
		}
	}
	if len(missing) > 0 {
		has := "it has none"
		if len(verified) > 0 {
			has = "its verified domains are " + strings.Join(verified, ", ")
		}
		d.fail("domains", fmt.Sprintf("%s listed but not verified in this tenant, so no user of it signs in with it; %s", strings.Join(missing, ", "), has),
			"correct the tenant's domains in TAPBOT_TENANTS_FILE, or add and verify the domain in the tenant: Entra admin center → Entra ID → Domain names")
		return
	}
	d.pass("domains", listed+" verified in this tenant")
}
