package approvals

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// scope is what one operation works with: the tenant it is about, that
// tenant's Graph, and the policy in force when the operation started as
// the tenant has it (the global policy, changed by the tenant's entry). An
// operation builds its scope once and passes it down, so a reload never
// mixes two policies in one decision, and a request is never decided by
// another tenant's rules or touched with another tenant's token.
type scope struct {
	*Policy
	tenant   TenantConfig
	graph    Tenant
	verifier IdentityVerifier // the tenant's Verified ID; nil: none configured
	global   *Policy          // the global policy the tenant's was derived from
}

// derivedPolicy caches a tenant's policy for one global policy.
type derivedPolicy struct {
	from *Policy
	p    *Policy
}

// scopeFor is the scope of an operation on tenant tc, starting now.
func (s *Service) scopeFor(tc TenantConfig) *scope {
	global := s.pol()
	return &scope{Policy: s.tenantPolicy(global, tc), tenant: tc, graph: s.graphOf(tc), verifier: s.verifierOf(tc), global: global}
}

// tenantPolicy is tc's policy under global, built once per global policy.
func (s *Service) tenantPolicy(global *Policy, tc TenantConfig) *Policy {
	if tc.Policy == nil {
		return global
	}
	if d, ok := s.derived.Load(tc.Name); ok && d.(*derivedPolicy).from == global {
		return d.(*derivedPolicy).p
	}
	p := tc.PolicyFor(*global).withDefaults()
	s.derived.Store(tc.Name, &derivedPolicy{from: global, p: &p})
	return &p
}

// graphOf is the Graph client of tenant tc.
func (s *Service) graphOf(tc TenantConfig) Tenant {
	if tc.Graph != nil {
		return tc.Graph
	}
	return s.tenant
}

// verifierOf is the Verified ID verifier of tenant tc.
func (s *Service) verifierOf(tc TenantConfig) IdentityVerifier {
	if tc.Verifier != nil {
		return tc.Verifier
	}
	return s.verifier
}

// route is the scope of the tenant the user upn lives in (Tenants.Route).
func (s *Service) route(upn string) (*scope, error) {
	tc, err := s.tenants.Route(upn)
	if err != nil {
		return nil, err
	}
	return s.scopeFor(tc), nil
}

// scopeOf is the scope of stored request r: the tenant it names. A request
// whose tenant is no longer configured gets a scope whose Graph refuses
// every call with EUNAVAILABLE saying so, so that it is reported, not
// issued or revoked in some other tenant.
func (s *Service) scopeOf(r *Request) *scope {
	name := r.tenantKey()
	if tc, ok := s.tenants.Lookup(name); ok {
		return s.scopeFor(tc)
	}
	global := s.pol()
	return &scope{Policy: global, tenant: TenantConfig{Name: name}, graph: goneTenant{request: r.ID, tenant: name}, global: global}
}

// tenantKey is what names r's tenant for Tenants.Lookup: its name, or, for
// a request stored before tenants had names, its tenant id.
func (r *Request) tenantKey() string {
	if r.TenantName != "" {
		return r.TenantName
	}
	return r.Tenant
}

// goneTenant stands in for the Graph of a tenant that is no longer
// configured.
type goneTenant struct{ request, tenant string }

func (g goneTenant) err() error {
	return Errorf(EUNAVAILABLE, "Request %s belongs to tenant %s, which is no longer in TAPBOT_TENANTS_FILE; add the tenant back so tapbot can finish or end it.", g.request, g.tenant)
}

func (g goneTenant) LookupUser(context.Context, string) (Target, error) { return Target{}, g.err() }
func (g goneTenant) TAPPolicy(context.Context) (TAPPolicy, error)       { return TAPPolicy{}, g.err() }
func (g goneTenant) ListPasses(context.Context, string) ([]PassInfo, error) {
	return nil, g.err()
}
func (g goneTenant) UserGroups(context.Context, string) ([]string, error) { return nil, g.err() }
func (g goneTenant) UserDirectoryRoles(context.Context, string) ([]DirectoryRole, error) {
	return nil, g.err()
}
func (g goneTenant) CreatePass(context.Context, string, PassParams) (Pass, error) {
	return Pass{}, g.err()
}
func (g goneTenant) DeletePass(context.Context, string, string) error { return g.err() }

// viewScopes are the scopes of every tenant by may see: those whose
// requesters or approvers include them. In the single-tenant configuration
// that is the one tenant, or none.
func (s *Service) viewScopes(ctx context.Context, by Principal) ([]*scope, error) {
	var out []*scope
	for _, tc := range s.tenants.All() {
		sc := s.scopeFor(tc)
		if err := s.mayView(ctx, sc, by); err == nil {
			out = append(out, sc)
		} else if ErrorCode(err) != EFORBIDDEN {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EFORBIDDEN, "You are neither a requester nor an approver in tapbot. Ask the tapbot operator to add you (%s).", by.ID)
	}
	return out, nil
}

// roster lists every technician tapbot knows, across tenants: a pass for
// any of their accounts is refused in every tenant, since its holder could
// approve as them. It is built once per global policy.
func (s *Service) roster(sc *scope) Roster {
	if !s.tenants.Multi() {
		r, _ := sc.Authorizer.(Roster)
		return r
	}
	if u := s.union.Load(); u != nil && u.from == sc.global {
		return u
	}
	u := &unionRoster{from: sc.global}
	seen := map[string]bool{}
	add := func(a Authorizer) {
		r, ok := a.(Roster)
		if !ok {
			return
		}
		req, appr := r.Technicians()
		for _, k := range req {
			if !seen["r"+k] {
				seen["r"+k] = true
				u.requesters = append(u.requesters, k)
			}
		}
		for _, k := range appr {
			if !seen["a"+k] {
				seen["a"+k] = true
				u.approvers = append(u.approvers, k)
			}
		}
	}
	add(sc.global.Authorizer)
	for _, tc := range s.tenants.All() {
		add(s.tenantPolicy(sc.global, tc).Authorizer)
	}
	s.union.Store(u)
	return u
}

// unionRoster is every tenant's technicians together.
type unionRoster struct {
	from                  *Policy
	requesters, approvers []string
}

func (u *unionRoster) Technicians() (requesters, approvers []string) {
	return slices.Clone(u.requesters), slices.Clone(u.approvers)
}

// tenantState is the part of Service that knows the tenants.
type tenantState struct {
	tenants *Tenants
	derived sync.Map // tenant name → *derivedPolicy
	union   atomic.Pointer[unionRoster]
}

// logTenant is the tenant attribute of r's log lines: its name in MSP
// mode, nothing in the single-tenant configuration.
func (s *Service) logTenant(r *Request) []any {
	if !s.tenants.Multi() {
		return nil
	}
	return []any{"tenant", r.TenantName}
}
