package approvals

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// failingTenant is fakeTenant with reads that fail on demand; it counts
// the reads it is asked for.
type failingTenant struct {
	*fakeTenant
	policyErr, userErr, rolesErr, groupsErr error

	mu    sync.Mutex
	reads map[string]int
}

func (f *failingTenant) count(read string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads[read]++
}

func (f *failingTenant) readsOf(read string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads[read]
}

func (f *failingTenant) TAPPolicy(ctx context.Context) (TAPPolicy, error) {
	f.count("policy")
	if f.policyErr != nil {
		return TAPPolicy{}, f.policyErr
	}
	return f.fakeTenant.TAPPolicy(ctx)
}

func (f *failingTenant) LookupUser(ctx context.Context, upn string) (Target, error) {
	f.count("user")
	if f.userErr != nil {
		return Target{}, f.userErr
	}
	return f.fakeTenant.LookupUser(ctx, upn)
}

func (f *failingTenant) UserDirectoryRoles(ctx context.Context, id string) ([]DirectoryRole, error) {
	f.count("roles")
	if f.rolesErr != nil {
		return nil, f.rolesErr
	}
	return f.fakeTenant.UserDirectoryRoles(ctx, id)
}

func (f *failingTenant) UserGroups(ctx context.Context, id string) ([]string, error) {
	f.count("groups")
	if f.groupsErr != nil {
		return nil, f.groupsErr
	}
	return f.fakeTenant.UserGroups(ctx, id)
}

// raiseAgainst raises ask as req1 against tenant, under the harness policy
// changed by mutate.
func raiseAgainst(t *testing.T, tenant *failingTenant, mutate func(*Policy), ask RaiseInput) (*Request, error) {
	t.Helper()
	h := newHarness(t, mutate)
	tenant.fakeTenant, tenant.reads = h.tenant, map[string]int{}
	svc := NewService(Config{
		Store: h.store, Tenant: tenant, TenantID: "contoso", Policy: h.svc.Policy(),
		Notifiers: map[string]Notifier{"slack": h.chat}, Now: h.clock.Now, Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)),
	})
	ask.Requester = req1
	return svc.Raise(context.Background(), ask)
}

var (
	errPolicyDown = Errorf(EUNAVAILABLE, "The policy read failed.")
	errUserDown   = Errorf(EUNAVAILABLE, "The user lookup failed.")
	errRolesDown  = Errorf(EUNAVAILABLE, "The role read failed.")
	errGroupsDown = Errorf(EUNAVAILABLE, "The group read failed.")
	errWhoDown    = Errorf(EUNAVAILABLE, "Slack did not say who the requester is.")
)

// unidentifiable makes req1 impossible to identify.
func unidentifiable(p *Policy) {
	ids := withPeople(nil)
	ids.err[req1.Key()] = errWhoDown
	p.Identities = ids
}

func TestRaiseReportsTheFirstFailureInTheOrderOfItsChecks(t *testing.T) {
	alice := RaiseInput{UPN: "alice@contoso.com", Reason: "new phone"}
	for _, tc := range []struct {
		name   string
		tenant *failingTenant
		policy func(*Policy)
		ask    RaiseInput
		want   string // the message of the error expected
	}{
		{"policy read and user lookup fail", &failingTenant{policyErr: errPolicyDown, userErr: errUserDown}, nil, alice,
			"The policy read failed."},
		{"lifetime outside the policy, user lookup fails", &failingTenant{userErr: errUserDown}, nil,
			RaiseInput{UPN: "alice@contoso.com", Lifetime: 9 * time.Hour}, "outside this tenant's Temporary Access Pass policy"},
		{"reason missing, user lookup fails", &failingTenant{userErr: errUserDown}, func(p *Policy) { p.Reason.Required = true },
			RaiseInput{UPN: "alice@contoso.com"}, "A reason is required"},
		{"unknown user, requester not identified", &failingTenant{}, unidentifiable,
			RaiseInput{UPN: "nobody@contoso.com"}, "No user nobody@contoso.com"},
		{"disabled target, role read fails", &failingTenant{rolesErr: errRolesDown}, nil,
			RaiseInput{UPN: "bob@contoso.com"}, "bob@contoso.com is disabled"},
		{"refusing pattern before a failing role read", &failingTenant{rolesErr: errRolesDown}, func(p *Policy) {
			p.Protect = []ProtectRule{{Name: "vip", UPNPatterns: []string{"alice@*"}, Refuse: true}, DefaultProtect[0]}
		}, alice, "tapbot's rule \"vip\" protects"},
		{"role read before group read", &failingTenant{rolesErr: errRolesDown, groupsErr: errGroupsDown}, func(p *Policy) {
			p.Protect = []ProtectRule{DefaultProtect[0], {Name: "finance", Groups: []string{"grp-finance"}, Refuse: true}}
		}, alice, "The role read failed."},
		{"group read before identifying the requester", &failingTenant{groupsErr: errGroupsDown}, func(p *Policy) {
			p.Protect = []ProtectRule{{Name: "finance", Groups: []string{"grp-finance"}, ApprovalsRequired: 2}}
			unidentifiable(p)
		}, alice, "The group read failed."},
		{"requester not identified before a failing technician-group read", &failingTenant{groupsErr: errGroupsDown}, func(p *Policy) {
			p.Authorizer = NewStaticAuthorizer([]string{req1.Key()}, []string{appr1.Key(), "entra-group:grp-helpdesk"})
			unidentifiable(p)
		}, alice, "Slack did not say who the requester is."},
		{"technician-group read fails closed", &failingTenant{groupsErr: errGroupsDown}, func(p *Policy) {
			p.Authorizer = NewStaticAuthorizer([]string{req1.Key()}, []string{appr1.Key(), "entra-group:grp-helpdesk"})
		}, alice, "The group read failed."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := raiseAgainst(t, tc.tenant, tc.policy, tc.ask)
			if err == nil || !strings.Contains(ErrorMessage(err), tc.want) {
				t.Fatalf("raise: %v, want the error saying %q", err, tc.want)
			}
		})
	}
}

func TestRaiseReadsTheTargetsGroupsOnceForRulesAndTechnicians(t *testing.T) {
	tenant := &failingTenant{}
	r, err := raiseAgainst(t, tenant, func(p *Policy) {
		p.Authorizer = NewStaticAuthorizer([]string{req1.Key()}, []string{appr1.Key(), "entra-group:grp-helpdesk"})
		p.Protect = append([]ProtectRule{{Name: "finance", Groups: []string{"grp-finance"}, ApprovalsRequired: 2}}, DefaultProtect...)
	}, RaiseInput{UPN: "alice@contoso.com", Reason: "new phone"})
	if err != nil {
		t.Fatal(err)
	}
	if r.ApprovalsRequired != 2 {
		t.Errorf("approvals required %d, want the finance rule's 2", r.ApprovalsRequired)
	}
	for read, want := range map[string]int{"policy": 1, "user": 1, "roles": 1, "groups": 1} {
		if n := tenant.readsOf(read); n != want {
			t.Errorf("%d %s reads, want %d", n, read, want)
		}
	}
}

func TestRaiseReadsNoRolesOrGroupsNoRuleNeeds(t *testing.T) {
	tenant := &failingTenant{}
	if _, err := raiseAgainst(t, tenant, func(p *Policy) { p.Protect = []ProtectRule{} }, RaiseInput{UPN: "alice@contoso.com"}); err != nil {
		t.Fatal(err)
	}
	if r, g := tenant.readsOf("roles"), tenant.readsOf("groups"); r != 0 || g != 0 {
		t.Errorf("%d role and %d group reads with no rule needing them, want none", r, g)
	}
}
