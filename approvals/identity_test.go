package approvals

import (
	"context"
	"strings"
	"testing"
	"time"
)

// fakeIdentities knows technicians by principal key and chat groups by key.
type fakeIdentities struct {
	people  map[string]Identity
	members map[string][]Principal
	err     map[string]error // Identify fails for these keys
}

func (f fakeIdentities) Identify(_ context.Context, p Principal) (Identity, error) {
	if err := f.err[p.Key()]; err != nil {
		return Identity{}, err
	}
	return f.people[p.Key()], nil
}

func (f fakeIdentities) Members(_ context.Context, key string) ([]Principal, error) {
	return f.members[key], nil
}

// teamsPat and slackPat are one person, Pat, on both platforms.
var (
	slackPat = Principal{Platform: "slack", ID: "UPAT1", Name: "pat"}
	teamsPat = Principal{Platform: "teams", ID: "id-pat", Name: "Pat"}
)

// withPeople gives the harness policy identities for the usual technicians
// (each known by a verified e-mail at msp.example) plus extra.
func withPeople(extra map[string]Identity) fakeIdentities {
	f := fakeIdentities{people: map[string]Identity{}, members: map[string][]Principal{}, err: map[string]error{}}
	for _, p := range []Principal{req1, req2, appr1, appr2, nobody} {
		f.people[p.Key()] = Identity{Email: strings.ToLower(p.Name) + "@msp.example"}
	}
	for k, v := range extra {
		f.people[k] = v
	}
	return f
}

func TestRequestForTechniciansOwnAccountIsRefused(t *testing.T) {
	tests := []struct {
		name   string
		policy func(p *Policy)
		want   string
	}{
		{"the requester's own account, by verified e-mail", func(p *Policy) {
			p.Identities = withPeople(map[string]Identity{req1.Key(): {Email: "Alice@Contoso.com"}})
		}, "is your own account"},
		{"the requester's own account, by Entra id", func(p *Policy) {
			p.Identities = withPeople(map[string]Identity{req1.Key(): {EntraID: "ID-ALICE", Email: "rita@msp.example"}})
		}, "is your own account"},
		{"a listed approver's account", func(p *Policy) {
			p.Identities = withPeople(map[string]Identity{appr2.Key(): {EntraID: "id-alice"}})
		}, "is the account of slack:UAPP2, who may approve passes"},
		{"a listed Teams requester's account", func(p *Policy) {
			p.Identities = withPeople(map[string]Identity{"teams:id-alice": {EntraID: "id-alice"}})
			p.Authorizer.(*StaticAuthorizer).Requesters["teams:id-alice"] = true
		}, "is the account of teams:id-alice, who may request passes"},
		{"a member of a listed Entra group", func(p *Policy) {
			p.Identities = withPeople(nil)
			p.Authorizer.(*StaticAuthorizer).Approvers["entra-group:GRP-FINANCE"] = true
		}, "is in the Entra group GRP-FINANCE, whose members may approve passes"},
		{"a member of a listed Slack user group", func(p *Policy) {
			ids := withPeople(map[string]Identity{"slack:UGRP1": {Email: "alice@contoso.com"}})
			ids.members["slack-group:S0HELP"] = []Principal{{Platform: "slack", ID: "UGRP1"}}
			p.Identities = ids
			p.Authorizer.(*StaticAuthorizer).Requesters["slack-group:S0HELP"] = true
		}, "is the account of slack:UGRP1, a member of slack-group:S0HELP"},
		{"a member of a listed Entra group, without identities", func(p *Policy) {
			p.Authorizer.(*StaticAuthorizer).Requesters["entra-group:grp-finance"] = true
		}, "is in the Entra group grp-finance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.policy)
			_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
			wantCode(t, err, EFORBIDDEN)
			if msg := ErrorMessage(err); !strings.Contains(msg, tt.want) || !strings.Contains(msg, "technicians' own accounts") {
				t.Fatalf("message %q lacks %q", msg, tt.want)
			}
			if all, _ := h.store.List(nil); len(all) != 0 {
				t.Fatal("a refused request was stored")
			}
		})
	}
}

func TestRequestForOrdinaryUserPassesTechnicianCheck(t *testing.T) {
	h := newHarness(t, func(p *Policy) {
		p.Identities = withPeople(map[string]Identity{appr2.Key(): {EntraID: "id-user0"}})
		p.Authorizer.(*StaticAuthorizer).Approvers["entra-group:grp-other"] = true
	})
	r := h.raise(t, RaiseInput{})
	if r.Exception != "" || r.Requester.EntraID != "" {
		t.Fatalf("request %+v", r)
	}
}

func TestBreakGlassProcessAllowsTechnicianTargetVisibly(t *testing.T) {
	h := newHarness(t, func(p *Policy) {
		p.Identities = withPeople(map[string]Identity{appr2.Key(): {EntraID: "id-alice"}})
		p.AllowTechnicianTargets = "BG-7 emergency access"
	})
	r := h.raise(t, RaiseInput{Reason: "INC-1"})
	if !strings.Contains(r.Exception, `break-glass process "BG-7 emergency access"`) || !strings.Contains(r.Exception, "slack:UAPP2") {
		t.Fatalf("exception %q", r.Exception)
	}
	events, _ := h.store.Audit(time.Time{})
	if events[0].Type != EventRaised || !strings.Contains(events[0].Detail, "INC-1; exception: ") || !strings.Contains(events[0].Detail, "BG-7") {
		t.Fatalf("raised event %+v", events[0])
	}
}

func TestRequesterTapbotCannotIdentifyIsRefused(t *testing.T) {
	h := newHarness(t, func(p *Policy) { p.Identities = fakeIdentities{} })
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	wantCode(t, err, EFORBIDDEN)
	if !strings.Contains(ErrorMessage(err), "cannot tell who you are in Entra") {
		t.Fatalf("message %q", ErrorMessage(err))
	}
}

func TestTechnicianLookupFailureRefusesTheRequest(t *testing.T) {
	h := newHarness(t, func(p *Policy) {
		ids := withPeople(nil)
		ids.err[appr2.Key()] = Errorf(EUNAVAILABLE, "Slack did not answer.")
		p.Identities = ids
	})
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	wantCode(t, err, EUNAVAILABLE)
	if all, _ := h.store.List(nil); len(all) != 0 {
		t.Fatal("a request was stored although tapbot could not check the technicians")
	}
}

// twoPlatforms lets Pat request on Slack and approve on Teams.
func twoPlatforms(p *Policy) {
	p.Identities = withPeople(map[string]Identity{
		slackPat.Key(): {EntraID: "id-pat", Email: "pat@contoso.com"},
		teamsPat.Key(): {EntraID: "id-pat"},
	})
	a := p.Authorizer.(*StaticAuthorizer)
	a.Requesters[slackPat.Key()], a.Approvers[slackPat.Key()], a.Approvers[teamsPat.Key()] = true, true, true
}

func TestSamePersonOnAnotherPlatformCannotApproveOwnRequest(t *testing.T) {
	h := newHarness(t, twoPlatforms)
	r := h.raise(t, RaiseInput{Requester: slackPat})
	if r.Requester.EntraID != "id-pat" {
		t.Fatalf("requester recorded as %+v", r.Requester)
	}
	_, err := h.svc.Approve(context.Background(), r.ID, teamsPat)
	wantCode(t, err, EFORBIDDEN)
	if !strings.Contains(ErrorMessage(err), "your own request") {
		t.Fatalf("message %q", ErrorMessage(err))
	}
	if h.tenant.createdCount() != 0 {
		t.Fatal("a pass was created")
	}
}

func TestSamePersonOnTwoPlatformsCountsAsOneApprover(t *testing.T) {
	h := newHarness(t, func(p *Policy) {
		twoPlatforms(p)
		p.ApprovalsRequired = 2
		p.Identities.(fakeIdentities).people[req1.Key()] = Identity{EntraID: "id-rita", Email: "rita@contoso.com"}
	})
	ctx := context.Background()
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Approve(ctx, r.ID, slackPat); err != nil {
		t.Fatal(err)
	}
	_, err := h.svc.Approve(ctx, r.ID, teamsPat)
	wantCode(t, err, ECONFLICT)
	if got, _ := h.store.Get(r.ID); len(got.Approvals) != 1 || got.Approvals[0].By.EntraID != "id-pat" {
		t.Fatalf("approvals %+v", got.Approvals)
	}
	if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
		t.Fatalf("a second person's approval: %v", err)
	}
	if h.tenant.createdCount() != 1 {
		t.Fatal("no pass after two distinct approvals")
	}
}

func TestApprovalAcrossPlatformsWithoutEntraMatchIsRefused(t *testing.T) {
	h := newHarness(t, twoPlatforms)
	// rita's Slack e-mail matches no Entra user: tapbot cannot tell whether
	// Pat on Teams is her.
	r := h.raise(t, RaiseInput{})
	_, err := h.svc.Approve(context.Background(), r.ID, teamsPat)
	wantCode(t, err, EFORBIDDEN)
	if !strings.Contains(ErrorMessage(err), "cannot tell whether you are the requester") {
		t.Fatalf("message %q", ErrorMessage(err))
	}
	if _, err := h.svc.Approve(context.Background(), r.ID, appr1); err != nil {
		t.Fatalf("an approver on the requester's platform: %v", err)
	}
}

func TestRequestStoredWithoutEntraIDIsComparedByEntraAtApproval(t *testing.T) {
	h := newHarness(t, twoPlatforms)
	old := NewService(Config{ // an earlier tapbot, which recorded no Entra ids
		Store: h.store, Tenant: h.tenant, TenantID: "contoso", Notifiers: map[string]Notifier{"slack": h.chat}, Now: h.clock.Now,
		Policy: Policy{Authorizer: h.svc.pol().Authorizer},
	})
	r, err := old.Raise(context.Background(), RaiseInput{Requester: slackPat, UPN: "alice@contoso.com"})
	if err != nil || r.Requester.EntraID != "" {
		t.Fatalf("raise: %v %+v", err, r)
	}
	_, err = h.svc.Approve(context.Background(), r.ID, teamsPat)
	wantCode(t, err, EFORBIDDEN)
	if !strings.Contains(ErrorMessage(err), "your own request") {
		t.Fatalf("message %q", ErrorMessage(err))
	}
}

func TestPrincipalsAreComparedByEntraUser(t *testing.T) {
	known := func(p Principal, entra string) Principal { p.EntraID = entra; return p }
	tests := []struct {
		name           string
		a, b           Principal
		same, distinct bool
	}{
		{"one account", req1, req1, true, false},
		{"one account, Entra user changed", known(req1, "x"), known(req1, "y"), true, false},
		{"two accounts on one platform", req1, appr1, false, true},
		{"two Slack accounts of one Entra user", known(req1, "x"), known(appr1, "X"), true, false},
		{"Slack and Teams, one Entra user", known(slackPat, "id-pat"), known(teamsPat, "id-pat"), true, false},
		{"Slack and Teams, two Entra users", known(req1, "x"), known(teamsPat, "id-pat"), false, true},
		{"Slack and Teams, one side unknown", req1, known(teamsPat, "id-pat"), false, false},
	}
	for _, tt := range tests {
		if got := tt.a.Same(tt.b); got != tt.same {
			t.Errorf("%s: Same = %v", tt.name, got)
		}
		if got := tt.a.Distinct(tt.b); got != tt.distinct {
			t.Errorf("%s: Distinct = %v", tt.name, got)
		}
	}
}
