package approvals

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// TenantConfig is one Entra tenant tapbot issues passes in, as configured.
type TenantConfig struct {
	// Name is the short name cards, lists, audit events, metrics and logs
	// show (a bounded label: never a UPN or a GUID alone).
	Name string
	// ID is the tenant's Entra id (a GUID).
	ID string
	// Domains are the UPN domains whose users live in this tenant, lower
	// case. Empty only for the single tenant, which takes every domain.
	Domains []string
	// ApprovalChannel and TeamsApprovalConversation receive this tenant's
	// cards; empty: the global ones.
	ApprovalChannel           string
	TeamsApprovalConversation string
	// Policy turns the global policy into this tenant's (its own
	// requesters, approvers and rules); nil: the global policy applies.
	Policy func(global Policy) Policy
	// Graph is how tapbot reaches this tenant (graphclient's client for
	// it); nil: the Service's Config.Tenant.
	Graph Tenant
	// Verifier starts this tenant's Verified ID presentations: each
	// tenant has a verifier DID of its own, and the Request Service takes
	// only the tenant's own token. nil: the Service's Config.Verifier.
	Verifier IdentityVerifier
}

// PolicyFor is the policy this tenant's requests follow.
func (c TenantConfig) PolicyFor(global Policy) Policy {
	if c.Policy == nil {
		return global
	}
	return c.Policy(global)
}

// Tenants routes a target UPN to the tenant it lives in, by its domain.
// It is read-only after it is built, so it is safe for concurrent use.
type Tenants struct {
	list     []TenantConfig
	byDomain map[string]int // lower-case domain → index in list
	single   bool
}

var (
	entraGUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// A tenant's name is a metric label and appears in every log line and
	// card: short, and the same however it is typed.
	tenantName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	// A domain as Entra accepts it: labels of letters, digits and hyphens.
	tenantDomain = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// ValidTenantName reports whether name can name a tenant: 1 to 32 lower-case
// letters, digits and hyphens, starting with a letter or digit.
func ValidTenantName(name string) bool { return tenantName.MatchString(name) }

// ValidTenantID reports whether id is an Entra tenant id (a GUID).
func ValidTenantID(id string) bool { return ValidEntraID(id) }

// ValidEntraID reports whether id has the form of an Entra id: a tenant,
// object or application (client) id, each a GUID.
func ValidEntraID(id string) bool { return entraGUID.MatchString(id) }

// ValidTenantDomain reports whether d is a DNS domain name (any letter case).
func ValidTenantDomain(d string) bool { return tenantDomain.MatchString(strings.ToLower(d)) }

// NewTenants builds the router for several tenants. Each domain may belong
// to one tenant only. It returns every problem at once, joined (EINVALID
// errors, one per problem): a name or id that is missing, malformed or used
// twice, a tenant without domains, a malformed domain, and a domain two
// tenants claim (naming both).
func NewTenants(cfgs []TenantConfig) (*Tenants, error) {
	t := &Tenants{byDomain: map[string]int{}}
	var problems []error
	names := map[string]string{} // name → "" / id → name
	for i, c := range cfgs {
		c.Domains = lowerAll(c.Domains)
		problems = append(problems, checkTenant(i, c, names)...)
		for _, d := range c.Domains {
			if j, ok := t.byDomain[d]; ok && j != i {
				problems = append(problems, Errorf(EINVALID, "domain %s is claimed by tenants %s and %s; a domain belongs to one tenant", d, tenantLabel(j, t.list[j]), tenantLabel(i, c)))
				continue
			}
			t.byDomain[d] = i
		}
		t.list = append(t.list, c)
	}
	if len(cfgs) == 0 {
		problems = append(problems, Errorf(EINVALID, "no tenants are configured"))
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return t, nil
}

// checkTenant reports what is wrong with tenant number i on its own, and a
// name or id an earlier tenant already has (seen holds those).
func checkTenant(i int, c TenantConfig, seen map[string]string) []error {
	var p []error
	label := tenantLabel(i, c)
	switch {
	case c.Name == "":
		p = append(p, Errorf(EINVALID, "tenant %s has no name", label))
	case !ValidTenantName(c.Name):
		p = append(p, Errorf(EINVALID, "tenant name %q must be 1 to 32 lower-case letters, digits and hyphens", c.Name))
	case seen["name:"+c.Name] != "":
		p = append(p, Errorf(EINVALID, "tenant name %s is used twice", c.Name))
	}
	seen["name:"+c.Name] = label
	if !ValidTenantID(c.ID) {
		p = append(p, Errorf(EINVALID, "tenant %s: id %q is not an Entra tenant id (a GUID: Entra admin center → Overview → Tenant ID)", label, c.ID))
	} else if other := seen["id:"+strings.ToLower(c.ID)]; other != "" {
		p = append(p, Errorf(EINVALID, "tenants %s and %s have the same id %s", other, label, c.ID))
	}
	seen["id:"+strings.ToLower(c.ID)] = label
	if len(c.Domains) == 0 {
		p = append(p, Errorf(EINVALID, "tenant %s has no domains; list the UPN domains of its users", label))
	}
	for _, d := range c.Domains {
		if !ValidTenantDomain(d) {
			p = append(p, Errorf(EINVALID, "tenant %s: %q is not a domain name", label, d))
		}
	}
	return p
}

// Single is the router of the single-tenant configuration: every UPN goes to
// the one tenant, whatever its domain (Policy.AllowedDomains still limits
// them), and every stored request belongs to it.
func Single(name, id string) *Tenants {
	return &Tenants{list: []TenantConfig{{Name: name, ID: id}}, single: true}
}

// Route returns the tenant the user upn lives in, picked by the UPN's domain
// (case-insensitive, exact). A guest's UPN
// (bob_fabrikam.com#EXT#@contoso.onmicrosoft.com) routes by the domain after
// its last "@", the tenant that holds the guest account. Returns EINVALID,
// naming the domain and how to add it, when no tenant has the domain.
func (t *Tenants) Route(upn string) (TenantConfig, error) {
	if t.single {
		return t.list[0], nil
	}
	at := strings.LastIndexByte(upn, '@')
	if at <= 0 || at == len(upn)-1 {
		return TenantConfig{}, Errorf(EINVALID, "%s is not a user principal name; write it as name@domain, e.g. alice@contoso.com.", upn)
	}
	domain := strings.ToLower(upn[at+1:])
	i, ok := t.byDomain[domain]
	if !ok {
		return TenantConfig{}, Errorf(EINVALID, "No tenant has the domain %s, so tapbot does not know where %s lives. If it is a customer's, add it to the tenant's domains in TAPBOT_TENANTS_FILE and restart tapbot.", domain, upn)
	}
	return t.list[i], nil
}

// Lookup returns the tenant a stored request names (Request.Tenant). In the
// single-tenant configuration every request belongs to the one tenant,
// including those stored before tenants had names (which hold its id, or
// nothing); with several tenants the name must match, or the id.
func (t *Tenants) Lookup(name string) (TenantConfig, bool) {
	if t.single {
		return t.list[0], true
	}
	i := slices.IndexFunc(t.list, func(c TenantConfig) bool { return c.Name == name || strings.EqualFold(c.ID, name) })
	if i < 0 {
		return TenantConfig{}, false
	}
	return t.list[i], true
}

// All returns the tenants in the order they were configured.
func (t *Tenants) All() []TenantConfig { return slices.Clone(t.list) }

// Multi reports whether tenants are routed by domain (several tenants), as
// opposed to the single-tenant configuration.
func (t *Tenants) Multi() bool { return !t.single }

// tenantLabel names a tenant in a problem: by its name, or by its place.
func tenantLabel(i int, c TenantConfig) string {
	if c.Name == "" {
		return fmt.Sprintf("#%d", i+1)
	}
	return c.Name
}

func lowerAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(strings.TrimSpace(v))
	}
	return out
}
