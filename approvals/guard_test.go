package approvals

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// groupsOf is a GroupResolver from a fixed table.
type groupsOf map[string][]string

func (g groupsOf) GroupsOf(_ context.Context, p Principal) ([]string, error) { return g[p.Key()], nil }

func TestDirectoryRoleHolderIsRefusedByDefault(t *testing.T) {
	h := newHarness(t, nil)
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "dan@contoso.com"})
	wantCode(t, err, EFORBIDDEN)
	if !strings.Contains(ErrorMessage(err), "Global Administrator") {
		t.Fatalf("message %q does not name the role", ErrorMessage(err))
	}
}

func TestEmptyProtectListGuardsNobody(t *testing.T) {
	h := newHarness(t, func(p *Policy) { p.Protect = []ProtectRule{} })
	r := h.raise(t, RaiseInput{UPN: "dan@contoso.com"})
	if r.State != StatePending {
		t.Fatalf("state %s", r.State)
	}
}

func TestBreakGlassPatternNeedsTwoApprovals(t *testing.T) {
	h := newHarness(t, func(p *Policy) {
		p.Protect = append(DefaultProtect, ProtectRule{Name: "break-glass", UPNPatterns: []string{"BreakGlass*@contoso.com"}, ApprovalsRequired: 2})
	})
	ctx := context.Background()
	r := h.raise(t, RaiseInput{UPN: "breakglass1@contoso.com"})
	if r.ApprovalsRequired != 2 {
		t.Fatalf("approvals required = %d, want 2", r.ApprovalsRequired)
	}
	if got, _ := h.svc.Approve(ctx, r.ID, appr1); got.State != StatePending {
		t.Fatalf("one approval issued a break-glass pass: %s", got.State)
	}
	if got, err := h.svc.Approve(ctx, r.ID, appr2); err != nil || got.State != StateDelivered {
		t.Fatalf("second approval: %v %v", err, got.State)
	}
	// Ordinary accounts still need one.
	if r := h.raise(t, RaiseInput{}); r.ApprovalsRequired != 1 {
		t.Fatalf("ordinary request needs %d", r.ApprovalsRequired)
	}
}

func TestProtectedGroupIsRefused(t *testing.T) {
	h := newHarness(t, func(p *Policy) {
		p.Protect = []ProtectRule{{Name: "finance", Groups: []string{"grp-finance"}, Refuse: true}}
	})
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	wantCode(t, err, EFORBIDDEN)
	if !strings.Contains(ErrorMessage(err), `"finance"`) {
		t.Fatalf("message %q", ErrorMessage(err))
	}
}

func TestReasonRules(t *testing.T) {
	rule := ReasonRule{Required: true, MinLength: 10, TicketPattern: regexp.MustCompile(`INC-\d+`)}
	tests := []struct {
		reason, code, msg string
	}{
		{"", EINVALID, "reason is required"},
		{"phone", EINVALID, "at least 10 characters"},
		{"lost my phone yesterday", EINVALID, `INC-\d+`},
		{"lost phone INC-4711", "", ""},
	}
	for _, tt := range tests {
		h := newHarness(t, func(p *Policy) { p.Reason = rule })
		_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com", Reason: tt.reason})
		wantCode(t, err, tt.code)
		if tt.msg != "" && !strings.Contains(ErrorMessage(err), tt.msg) {
			t.Errorf("reason %q: message %q lacks %q", tt.reason, ErrorMessage(err), tt.msg)
		}
	}
}

func TestRequesterRateLimit(t *testing.T) {
	h := newHarness(t, func(p *Policy) { p.RequesterLimit = 2 })
	h.raise(t, RaiseInput{UPN: "user0@contoso.com"})
	h.raise(t, RaiseInput{UPN: "user1@contoso.com"})
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "user2@contoso.com"})
	wantCode(t, err, EFORBIDDEN)
	if !strings.Contains(ErrorMessage(err), "2 requests in the last 1h") {
		t.Fatalf("message %q", ErrorMessage(err))
	}
	h.raise(t, RaiseInput{Requester: req2, UPN: "user2@contoso.com"}) // others are not limited
	h.clock.Advance(61 * time.Minute)
	h.raise(t, RaiseInput{UPN: "user3@contoso.com"}) // the window moved on
}

func TestTargetCooldownAfterIssue(t *testing.T) {
	h := newHarness(t, func(p *Policy) { p.TargetCooldown = time.Hour })
	ctx := context.Background()
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Approve(ctx, r.ID, appr1); err != nil {
		t.Fatal(err)
	}
	_, err := h.svc.Raise(ctx, RaiseInput{Requester: req2, UPN: "alice@contoso.com"})
	wantCode(t, err, EFORBIDDEN)
	if !strings.Contains(ErrorMessage(err), "waits 1h between passes") {
		t.Fatalf("message %q", ErrorMessage(err))
	}
	h.clock.Advance(61 * time.Minute)
	h.raise(t, RaiseInput{Requester: req2})
}

func TestOneOpenRequestPerUser(t *testing.T) {
	h := newHarness(t, nil)
	first := h.raise(t, RaiseInput{})
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req2, UPN: "alice@contoso.com"})
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), first.ID) {
		t.Fatalf("message %q does not name %s", ErrorMessage(err), first.ID)
	}
}

func TestGroupMembershipAuthorizes(t *testing.T) {
	inGroup := Principal{Platform: "slack", ID: "UGROUPIE"}
	groups := groupsOf{inGroup.Key(): {"entra-group:helpdesk"}, nobody.Key(): {"entra-group:sales"}}
	h := newHarness(t, func(p *Policy) {
		a := NewStaticAuthorizer([]string{"entra-group:helpdesk"}, []string{appr1.Key()})
		a.Groups = groups
		p.Authorizer = a
	})
	h.raise(t, RaiseInput{Requester: inGroup})
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: nobody, UPN: "user0@contoso.com"})
	wantCode(t, err, EFORBIDDEN)
}

func TestApproverFromRequestersTeamIsRefused(t *testing.T) {
	groups := groupsOf{req1.Key(): {"slack-group:SNIGHT"}, appr1.Key(): {"slack-group:SNIGHT"}, appr2.Key(): {"slack-group:SDAY"}}
	h := newHarness(t, func(p *Policy) {
		p.SeparateGroups = []string{"slack-group:SNIGHT", "slack-group:SDAY"}
		p.Groups = groups
	})
	r := h.raise(t, RaiseInput{})
	_, err := h.svc.Approve(context.Background(), r.ID, appr1)
	wantCode(t, err, EFORBIDDEN)
	if got, err := h.svc.Approve(context.Background(), r.ID, appr2); err != nil || got.State != StateDelivered {
		t.Fatalf("approver from the other team: %v %v", err, got)
	}
}

const globalAdmin = "62e90394-69f5-4237-9190-012177145e10"

func TestEligibleDirectoryRoleIsRefusedNamingRoleAndEligible(t *testing.T) {
	for _, tc := range []struct {
		name string
		role DirectoryRole
		want []string
	}{
		{"eligible through PIM", DirectoryRole{TemplateID: globalAdmin, Name: "Global Administrator", Eligible: true},
			[]string{"is eligible", "Privileged Identity Management", "Global Administrator"}},
		{"eligible through PIM for Groups", DirectoryRole{TemplateID: globalAdmin, Name: "Global Administrator", Eligible: true, Via: "PIM for Groups membership of Tier 0"},
			[]string{"is eligible", "PIM for Groups membership of Tier 0", "Global Administrator"}},
		{"scoped custom role", DirectoryRole{TemplateID: "custom-1", Name: "Helpdesk Operator", Scope: "/administrativeUnits/au-1"},
			[]string{"holds the directory role Helpdesk Operator (scoped to /administrativeUnits/au-1)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.tenant.roles["id-alice"] = []DirectoryRole{tc.role}
			_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
			wantCode(t, err, EFORBIDDEN)
			for _, w := range tc.want {
				if !strings.Contains(ErrorMessage(err), w) {
					t.Errorf("message %q lacks %q", ErrorMessage(err), w)
				}
			}
		})
	}
}

func TestNamedRoleRuleMatchesAnEligibleRoleByTemplateID(t *testing.T) {
	h := newHarness(t, func(p *Policy) {
		p.Protect = []ProtectRule{{Name: "admins", DirectoryRoles: []string{globalAdmin}, ApprovalsRequired: 2}}
	})
	h.tenant.roles["id-alice"] = []DirectoryRole{
		{TemplateID: "other", Name: "Reports Reader"},
		{TemplateID: globalAdmin, Name: "Global Administrator", Eligible: true},
	}
	if r := h.raise(t, RaiseInput{}); r.ApprovalsRequired != 2 {
		t.Fatalf("approvals required = %d, want 2 for an eligible Global Administrator", r.ApprovalsRequired)
	}
}

func TestActiveRoleIsNamedBeforeAnEligibleOne(t *testing.T) {
	h := newHarness(t, nil)
	h.tenant.roles["id-alice"] = []DirectoryRole{
		{TemplateID: globalAdmin, Name: "Global Administrator", Eligible: true},
		{TemplateID: "x", Name: "User Administrator"},
	}
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	if !strings.Contains(ErrorMessage(err), "holds the directory role User Administrator") {
		t.Fatalf("message %q", ErrorMessage(err))
	}
}

func TestUnreadableRolesRefuseTheRequestAndStoreNothing(t *testing.T) {
	h := newHarness(t, nil)
	h.tenant.rolesErr = Errorf(EPERMISSION, "tapbot may not read PIM for Groups eligibilities: its app registration lacks PrivilegedEligibilitySchedule.Read.AzureADGroup.")
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	wantCode(t, err, EPERMISSION)
	if !strings.Contains(ErrorMessage(err), "PrivilegedEligibilitySchedule.Read.AzureADGroup") {
		t.Fatalf("message %q", ErrorMessage(err))
	}
	if all, _ := h.store.List(nil); len(all) != 0 {
		t.Fatalf("%d requests stored", len(all))
	}
}
