package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/graphclient/graphtest"
	"github.com/tapbot/tapbot/internal/tenantsfile"
)

// loadTenants reads and checks TAPBOT_TENANTS_FILE, when it is set, into
// c.TenantsFile. Every problem is reported, each with its line, and so is
// every routing problem (a domain two tenants claim).
func (c *Config) loadTenants() []string {
	if c.TenantsPath == "" {
		return nil
	}
	f, problems := tenantsfile.Load(c.TenantsPath, validAccessEntry)
	var p []string
	for _, pr := range problems {
		p = append(p, "TAPBOT_TENANTS_FILE: "+pr.String())
	}
	if len(problems) > 0 {
		return p
	}
	if _, err := approvals.NewTenants(c.tenantConfigs(f, nil)); err != nil {
		for _, e := range strings.Split(approvals.ErrorMessage(err), "\n") {
			p = append(p, "TAPBOT_TENANTS_FILE: "+e)
		}
		return p
	}
	c.TenantsFile = f
	return c.homeTenantProblems()
}

// homeTenantProblems refuses Entra groups of technicians in MSP mode
// without AZURE_TENANT_ID: technicians are the MSP's people, so their
// groups are read in the MSP's home tenant.
func (c Config) homeTenantProblems() []string {
	if c.AzureTenantID != "" || c.Graph != "live" {
		return nil
	}
	lists := [][]string{c.Requesters, c.Approvers}
	if pf := c.PolicyFile; pf != nil {
		lists = append(lists, pf.Requesters, pf.Approvers, pf.SeparateGroups)
	}
	for _, t := range c.TenantsFile.Tenants {
		lists = append(lists, t.Requesters, t.Approvers, t.SeparateGroups)
	}
	for _, l := range lists {
		for _, id := range l {
			if strings.HasPrefix(accessKey(id), "entra-group:") {
				return []string{fmt.Sprintf("AZURE_TENANT_ID: missing, and %s names technicians by an Entra group; in MSP mode tapbot reads technicians' groups in your own (home) tenant, so set AZURE_TENANT_ID to it", id)}
			}
		}
	}
	return nil
}

// customers are the tenants of the tenants file as graphclient signs in to
// them: with the MSP's app, or the tenant's own (its secret read from its
// file now).
func (c Config) customers() ([]graphclient.Customer, error) {
	out := make([]graphclient.Customer, len(c.TenantsFile.Tenants))
	for i, t := range c.TenantsFile.Tenants {
		cu, err := customer(t)
		if err != nil {
			return nil, err
		}
		out[i] = cu
	}
	return out, nil
}

// customer is one tenant of the tenants file as graphclient signs in to
// it, its secret read from its file now.
func customer(t tenantsfile.Tenant) (graphclient.Customer, error) {
	cu := graphclient.Customer{Name: t.Name, ID: t.ID, ClientID: t.ClientID, CertificatePath: t.ClientCertificatePath}
	if t.ClientSecretFile != "" {
		b, err := os.ReadFile(t.ClientSecretFile)
		if err != nil {
			return cu, fmt.Errorf("tenant %s: cannot read clientSecretFile %s: %v", t.Name, t.ClientSecretFile, err)
		}
		cu.ClientSecret = strings.TrimRight(string(b), "\r\n")
	}
	return cu, nil
}

// How a tenant's entry in TAPBOT_TENANTS_FILE changes the global policy
// (the environment and TAPBOT_POLICY_FILE, merged by Config.policy):
//   - requesters, approvers: the tenant's list replaces the global one;
//   - approvalsRequired: the larger wins; allowedDomains: only domains in
//     both (the stricter value, as between the environment and the policy
//     file);
//   - protect: the tenant's rules are added to the global ones, and its
//     protectOff turns built-in rules off for it as well;
//   - verify: the tenant's whole section replaces the global one;
//   - every other setting the tenant writes replaces the global one, a
//     reason or limits field at a time.
//
// A setting the tenant does not write stays as the global policy has it.

// tenantConfigs turns the tenants file into the tenants approvals routes
// to, each with its policy override.
func (c Config) tenantConfigs(f *tenantsfile.File, groups approvals.GroupResolver) []approvals.TenantConfig {
	out := make([]approvals.TenantConfig, len(f.Tenants))
	for i, t := range f.Tenants {
		out[i] = approvals.TenantConfig{
			Name: t.Name, ID: t.ID, Domains: t.Domains,
			ApprovalChannel: t.ApprovalChannel, TeamsApprovalConversation: t.TeamsApprovalConversation,
			Policy: c.tenantPolicy(t.Policy, groups),
		}
	}
	return out
}

// tenantPolicy is the override of one tenant (see the rules above).
func (c Config) tenantPolicy(tp tenantsfile.Policy, groups approvals.GroupResolver) func(approvals.Policy) approvals.Policy {
	requesters, approvers := c.Requesters, c.Approvers
	if pf := c.PolicyFile; pf != nil {
		requesters, approvers = append(slices.Clone(requesters), pf.Requesters...), append(slices.Clone(approvers), pf.Approvers...)
	}
	if tp.Requesters != nil {
		requesters = tp.Requesters
	}
	if tp.Approvers != nil {
		approvers = tp.Approvers
	}
	return func(p approvals.Policy) approvals.Policy {
		a := approvals.NewStaticAuthorizer(accessKeys(requesters), accessKeys(approvers))
		a.Groups = groups
		p.Authorizer = a
		if tp.ApprovalsRequired != nil {
			p.ApprovalsRequired = max(p.ApprovalsRequired, *tp.ApprovalsRequired)
		}
		if tp.AllowedDomains != nil {
			p.AllowedDomains = stricterDomains(p.AllowedDomains, tp.AllowedDomains)
		}
		if tp.SeparateGroups != nil {
			p.SeparateGroups = accessKeys(tp.SeparateGroups)
		}
		p.Protect = tenantProtect(p.Protect, tp)
		override(&p.AllowDisabled, tp.AllowDisabledAccounts)
		override(&p.AllowGuests, tp.AllowGuests)
		override(&p.AllowTechnicianTargets, tp.AllowTechnicianTargets)
		if tp.ReminderMentions != nil {
			p.ReminderMentions = accessKeys(tp.ReminderMentions)
		}
		override(&p.Reason.Required, tp.Reason.Required)
		override(&p.Reason.MinLength, tp.Reason.MinLength)
		if tp.DenyReason != nil {
			p.DenyReasonRequired = *tp.DenyReason == "required"
		}
		if tp.Reason.TicketPattern != nil {
			p.Reason.TicketPattern = regexp.MustCompile(*tp.Reason.TicketPattern) // checked when loaded
		}
		override(&p.RequesterLimit, tp.Limits.RequestsPerRequester)
		override(&p.RequesterWindow, tp.Limits.Window)
		override(&p.TargetCooldown, tp.Limits.TargetCooldown)
		override(&p.Verify, tp.Verify)
		return p
	}
}

// tenantProtect adds a tenant's protect rules to the global ones, without
// the built-in rules the tenant turns off. nil global rules are the
// built-in ones (approvals.Policy.Protect).
func tenantProtect(global []approvals.ProtectRule, tp tenantsfile.Policy) []approvals.ProtectRule {
	if tp.Protect == nil && tp.ProtectOff == nil {
		return global
	}
	if global == nil {
		global = approvals.DefaultProtect
	}
	return approvals.MergeProtect(global, tp.ProtectOff, tp.Protect)
}

// override sets *dst to *v when the tenant wrote v.
func override[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// customerTenants builds MSP mode's router: every tenant of the tenants
// file with its Graph client (one per tenant, from base: its own authority,
// its own token cache, the MSP's app or its own) and its policy.
func (a *App) customerTenants(base graphclient.Config, groups approvals.GroupResolver) (*approvals.Tenants, error) {
	customers, err := a.cfg.customers()
	if err != nil {
		return nil, err
	}
	pool, err := graphclient.NewPool(base, customers)
	if err != nil {
		return nil, fmt.Errorf("customer tenants: %w", err)
	}
	cfgs := a.cfg.tenantConfigs(a.cfg.TenantsFile, groups)
	for i, t := range a.cfg.TenantsFile.Tenants {
		c, _ := pool.Client(cfgs[i].ID)
		cfgs[i].Graph = c
		v, err := a.newVerifier(c, t.VerifiedIDAuthority, base.HTTPClient)
		if err != nil {
			return nil, fmt.Errorf("tenant %s: %w", t.Name, err)
		}
		cfgs[i].Verifier = v
	}
	t, err := approvals.NewTenants(cfgs)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(cfgs))
	for i, c := range cfgs {
		names[i] = c.Name
	}
	a.log.Info("MSP mode: serving customer tenants", "tenants", strings.Join(names, ","))
	return t, nil
}

// tenantChannels maps each tenant with a Slack approval channel of its own
// to it.
func (c Config) tenantChannels() map[string]string {
	return c.perTenant(func(t tenantsfile.Tenant) string { return t.ApprovalChannel })
}

// tenantConversations maps each tenant with a Teams approval conversation
// of its own to it.
func (c Config) tenantConversations() map[string]string {
	return c.perTenant(func(t tenantsfile.Tenant) string { return t.TeamsApprovalConversation })
}

// perTenant maps the name of each tenant whose entry sets field to its
// value; nil in the single-tenant configuration.
func (c Config) perTenant(field func(tenantsfile.Tenant) string) map[string]string {
	if c.TenantsFile == nil {
		return nil
	}
	m := map[string]string{}
	for _, t := range c.TenantsFile.Tenants {
		if v := field(t); v != "" {
			m[t.Name] = v
		}
	}
	return m
}

// sandboxCustomers gives every tenant of the tenants file a fake directory
// in the sandbox, consented for the sandbox app, with the people of
// graphtest.DemoCustomer in its first domain (a member, a disabled account,
// one who has a pass, a Global Administrator); its other domains stay
// empty, as a tenant's extra domains often are.
func (a *App) sandboxCustomers() {
	if a.cfg.TenantsFile == nil {
		return
	}
	for _, t := range a.cfg.TenantsFile.Tenants {
		ft := a.sandbox.AddTenant(t.ID, t.Name)
		a.sandbox.Consent(t.ID, "tapbot-sandbox")
		graphtest.DemoCustomer(ft, t.Domains[0], strings.ToUpper(t.Name[:1])+t.Name[1:])
	}
}

// tenantNames are the configured names of the customer tenants, none in
// the single-tenant configuration.
func (c Config) tenantNames() []string {
	if c.TenantsFile == nil {
		return nil
	}
	names := make([]string, len(c.TenantsFile.Tenants))
	for i, t := range c.TenantsFile.Tenants {
		names[i] = t.Name
	}
	return names
}
