package approvals

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// msp is a service for two customer tenants: contoso (the fake tenant's
// users, approved by appr1) and fabrikam (its own fake, approved by appr2).
type msp struct {
	svc               *Service
	store             *BoltStore
	contoso, fabrikam *fakeTenant
	chat              *fakeNotifier
	logs              *bytes.Buffer
}

func newMSP(t *testing.T) *msp {
	t.Helper()
	store, err := Open(filepath.Join(t.TempDir(), "tapbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	m := &msp{store: store, contoso: newFakeTenant(), fabrikam: newFakeTenant(), chat: newFakeNotifier(), logs: &bytes.Buffer{}}
	m.fabrikam.users = map[string]Target{
		"frank@fabrikam.com": {ID: "id-frank", UPN: "frank@fabrikam.com", DisplayName: "Frank", AccountEnabled: true, UserType: "Member"},
		// the technician appr1's own account, in the other tenant
		"anna@fabrikam.com": {ID: "id-anna", UPN: "anna@fabrikam.com", DisplayName: "Anna", AccountEnabled: true, UserType: "Member"},
	}
	onlyApprover := func(keys ...string) func(Policy) Policy {
		return func(p Policy) Policy {
			p.Authorizer = NewStaticAuthorizer([]string{req1.Key()}, keys)
			return p
		}
	}
	tenants, err := NewTenants([]TenantConfig{
		{Name: "contoso", ID: "11111111-1111-1111-1111-111111111111", Domains: []string{"contoso.com"}, Graph: m.contoso, Policy: onlyApprover(appr1.Key())},
		{Name: "fabrikam", ID: "22222222-2222-2222-2222-222222222222", Domains: []string{"Fabrikam.com"}, Graph: m.fabrikam, Policy: onlyApprover(appr2.Key())},
	})
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	m.svc = NewService(Config{
		Store: store, Tenants: tenants, Policy: Policy{Authorizer: NewStaticAuthorizer(nil, nil), Identities: emailIdentities{appr1.Key(): "anna@fabrikam.com", appr2.Key(): "arno@msp.example", req1.Key(): "rita@msp.example"}},
		Notifiers: map[string]Notifier{"slack": m.chat}, Now: clk.Now,
		Logger: slog.New(slog.NewTextHandler(m.logs, nil)),
	})
	return m
}

// emailIdentities knows technicians by the e-mail address their chat
// platform verified.
type emailIdentities map[string]string

func (e emailIdentities) Identify(_ context.Context, p Principal) (Identity, error) {
	return Identity{Email: e[p.Key()]}, nil
}
func (e emailIdentities) Members(context.Context, string) ([]Principal, error) { return nil, nil }

func TestRequestsGoToTheTenantOfTheTargetsDomain(t *testing.T) {
	m := newMSP(t)
	ctx := context.Background()
	r, err := m.svc.Raise(ctx, RaiseInput{Requester: req1, UPN: "frank@fabrikam.com"})
	if err != nil {
		t.Fatal(err)
	}
	if r.TenantName != "fabrikam" || r.Tenant != "22222222-2222-2222-2222-222222222222" {
		t.Fatalf("request tenant = %q / %q, want fabrikam and its id", r.TenantName, r.Tenant)
	}
	if _, err := m.svc.Approve(ctx, r.ID, appr1); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("contoso's approver approved fabrikam's request: %v", err)
	}
	if _, err := m.svc.Deny(ctx, r.ID, appr1, "no"); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("contoso's approver denied fabrikam's request: %v", err)
	}
	done, err := m.svc.Approve(ctx, r.ID, appr2)
	if err != nil || done.State != StateDelivered {
		t.Fatalf("approve by fabrikam's approver: %v, %+v", err, done)
	}
	if m.fabrikam.createdCount() != 1 || m.contoso.createdCount() != 0 {
		t.Fatalf("passes created: fabrikam %d, contoso %d; want 1 and 0", m.fabrikam.createdCount(), m.contoso.createdCount())
	}
	events, err := m.store.AuditAfter(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if ev.RequestID == r.ID && (ev.TenantName != "fabrikam" || ev.Tenant != r.Tenant) {
			t.Errorf("event %s names tenant %q / %q", ev.Type, ev.TenantName, ev.Tenant)
		}
	}
	if !strings.Contains(m.logs.String(), "tenant=fabrikam") {
		t.Errorf("log lines do not name the tenant:\n%s", m.logs)
	}
}

func TestUnknownDomainIsRefusedNamingIt(t *testing.T) {
	m := newMSP(t)
	_, err := m.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "eve@northwind.com"})
	if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), "northwind.com") || !strings.Contains(ErrorMessage(err), "TAPBOT_TENANTS_FILE") {
		t.Fatalf("unknown domain: %v", err)
	}
	_, err = m.svc.Raise(context.Background(), RaiseInput{Requester: nobody, UPN: "eve@northwind.com"})
	wantCode(t, err, EFORBIDDEN) // a stranger learns nothing about the tenants
	if n, _ := m.store.AuditAfter(0, 10); len(n) != 0 {
		t.Fatalf("refusals wrote %d audit events", len(n))
	}
}

func TestTechnicianOfAnyTenantIsNoTargetInAnother(t *testing.T) {
	m := newMSP(t)
	// appr1 approves only for contoso; their own account lives in fabrikam.
	_, err := m.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "anna@fabrikam.com"})
	if ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), "approve") {
		t.Fatalf("pass for contoso's approver's account in fabrikam: %v", err)
	}
}

func TestListAndStatusShowOnlyTenantsTheViewerServes(t *testing.T) {
	m := newMSP(t)
	ctx := context.Background()
	c, err := m.svc.Raise(ctx, RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := m.svc.Raise(ctx, RaiseInput{Requester: req1, UPN: "frank@fabrikam.com"})
	if err != nil {
		t.Fatal(err)
	}
	open, err := m.svc.Open(ctx, appr2)
	if err != nil || len(open) != 1 || open[0].ID != f.ID {
		t.Fatalf("fabrikam's approver lists %v (%v), want only %s", ids(open), err, f.ID)
	}
	open, err = m.svc.Open(ctx, req1)
	if err != nil || len(open) != 2 {
		t.Fatalf("requester of both lists %v (%v), want %s and %s", ids(open), err, c.ID, f.ID)
	}
	if _, err := m.svc.Status(ctx, appr2, "alice@contoso.com"); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("fabrikam's approver looked at a contoso user: %v", err)
	}
	st, err := m.svc.Status(ctx, appr1, "alice@contoso.com")
	if err != nil || st.Tenant != "contoso" {
		t.Fatalf("status = %+v, %v; want contoso's user", st, err)
	}
	if _, err := m.svc.Revoke(ctx, appr1, "frank@fabrikam.com"); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("contoso's approver revoked in fabrikam: %v", err)
	}
}

func TestRequestOfAnUnconfiguredTenantIsNotIssuedElsewhere(t *testing.T) {
	m := newMSP(t)
	ctx := context.Background()
	r, err := m.svc.Raise(ctx, RaiseInput{Requester: req1, UPN: "frank@fabrikam.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.store.Update(r.ID, func(r *Request) (Change, error) {
		r.TenantName = "northwind" // as if the tenant was removed from the file
		return Change{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	_, err = m.svc.Approve(ctx, r.ID, appr2)
	if ErrorCode(err) != EFORBIDDEN && ErrorCode(err) != EUNAVAILABLE {
		t.Fatalf("approve of a request of an unconfigured tenant: %v", err)
	}
	if m.fabrikam.createdCount()+m.contoso.createdCount() != 0 {
		t.Fatal("a pass was created for a request whose tenant is not configured")
	}
}

func TestSingleTenantRequestsKeepTheirShape(t *testing.T) {
	h := newHarness(t, nil)
	r := h.raise(t, RaiseInput{})
	if r.Tenant != "contoso" || r.TenantName != "" {
		t.Fatalf("single-tenant request tenant = %q / %q, want the tenant id and no name", r.Tenant, r.TenantName)
	}
	if strings.Contains(h.logs.String(), "tenant=") {
		t.Errorf("single-tenant log lines gained a tenant:\n%s", h.logs)
	}
}

func ids(rs []*Request) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestRequestFromTheSingleTenantDaysBelongsToItsTenantInMSPMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tapbot.db")
	store, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	old, chat := newFakeTenant(), newFakeNotifier()
	pol := Policy{Authorizer: NewStaticAuthorizer([]string{req1.Key()}, []string{appr1.Key()})}
	single := NewService(Config{Store: store, Tenant: old, TenantID: "11111111-1111-1111-1111-111111111111", Policy: pol,
		Notifiers: map[string]Notifier{"slack": chat}, Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
	r, err := single.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	if err != nil {
		t.Fatal(err)
	}
	store.Close()

	// The same database, now in MSP mode with that tenant among others.
	if store, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	other := newFakeTenant()
	tenants, err := NewTenants([]TenantConfig{
		{Name: "fabrikam", ID: "22222222-2222-2222-2222-222222222222", Domains: []string{"fabrikam.com"}, Graph: other},
		{Name: "contoso", ID: "11111111-1111-1111-1111-111111111111", Domains: []string{"contoso.com"}, Graph: old},
	})
	if err != nil {
		t.Fatal(err)
	}
	msp := NewService(Config{Store: store, Tenants: tenants, Policy: pol,
		Notifiers: map[string]Notifier{"slack": chat}, Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
	done, err := msp.Approve(context.Background(), r.ID, appr1)
	if err != nil || done.State != StateDelivered {
		t.Fatalf("approve an old request in MSP mode: %v, %+v", err, done)
	}
	if old.createdCount() != 1 || other.createdCount() != 0 {
		t.Fatalf("passes: its tenant %d, the other %d; want 1 and 0", old.createdCount(), other.createdCount())
	}
}

func TestApproverOfAnotherTenantIsToldWhoseCardItIs(t *testing.T) {
	m := newMSP(t)
	ctx := context.Background()
	r, err := m.svc.Raise(ctx, RaiseInput{Requester: req1, UPN: "frank@fabrikam.com"})
	if err != nil {
		t.Fatal(err)
	}
	// contoso's approver learns the card is fabrikam's, not that they
	// approve nowhere (the card names its tenant anyway).
	_, err = m.svc.Approve(ctx, r.ID, appr1)
	if ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), "not an approver for tenant fabrikam") {
		t.Errorf("contoso's approver on fabrikam's card: %v", err)
	}
	// Who approves nowhere and names no card hears of no tenant.
	for _, id := range []string{"TAP-NOSUCH", ""} {
		_, err = m.svc.Approve(ctx, id, nobody)
		if msg := ErrorMessage(err); ErrorCode(err) != EFORBIDDEN || strings.Contains(msg, "tenant") || !strings.Contains(msg, "not an approver") {
			t.Errorf("a stranger approving %q: %v", id, err)
		}
	}
	if _, err = m.svc.Raise(ctx, RaiseInput{Requester: nobody, UPN: "eve@northwind.com"}); strings.Contains(ErrorMessage(err), "tenant") {
		t.Errorf("a stranger's request: %v", err)
	}
}
