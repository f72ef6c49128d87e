package approvals

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPolicyWithoutVerifyReadsNoFactsAndAddsNoSteps(t *testing.T) {
	h := newVerifyHarness(t, nil)
	r := h.raise(t, RaiseInput{})
	if h.graph.reads() != 0 || r.Facts != nil || r.Verify != nil {
		t.Fatalf("fact reads %d, facts %+v, verify %+v; want none", h.graph.reads(), r.Facts, r.Verify)
	}
	if got, err := h.svc.Approve(context.Background(), r.ID, appr1); err != nil || got.State != StateDelivered {
		t.Fatalf("approve = %v, %v", got, err)
	}
}

func TestStepsAreThePolicysAndThoseOfEveryRuleTheTargetMatches(t *testing.T) {
	h := newVerifyHarness(t, func(p *Policy) {
		p.Verify.Steps = []string{StepCallback}
		p.Protect = []ProtectRule{
			{Name: "finance", Groups: []string{"grp-finance"}, Verify: []string{StepManager}},
			{Name: "break-glass", UPNPatterns: []string{"breakglass*@contoso.com"}, Refuse: true, Verify: []string{StepVerifiedID}},
		}
	})
	tests := []struct {
		upn  string
		want []string // the required steps; nil with refused
		code string
	}{
		{"alice@contoso.com", []string{StepCallback, StepManager}, ""}, // in the finance group
		{"user1@contoso.com", []string{StepCallback}, ""},
		{"breakglass1@contoso.com", nil, EFORBIDDEN}, // a refusing rule still refuses
	}
	for _, tc := range tests {
		r, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: tc.upn})
		if tc.code != "" {
			wantCode(t, err, tc.code)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.upn, err)
		}
		if got := r.Verify.stepNames(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: steps %v, want %v", tc.upn, got, tc.want)
		}
		if r.Facts == nil {
			t.Errorf("%s: no facts on the request for the card", tc.upn)
		}
	}
	if since := h.graph.since; !since.Equal(h.clock.Now().Add(-7 * 24 * time.Hour)) {
		t.Errorf("methods read since %s, want the default 7 days back", since)
	}
}

func TestRiskRulesRefuseOrNeedMoreApprovals(t *testing.T) {
	rule := RiskRule{Refuse: []string{"high", "confirmedCompromised"}, Approvals: map[string]int{"medium": 2, "atRisk": 3}}
	tests := []struct {
		name      string
		risk      Risk
		unchecked string
		code      string
		want      string // in the refusal
		approvals int
	}{
		{"high risk is refused", Risk{Checked: Checked{OK: true}, Level: "high", State: "atRisk"}, "", EFORBIDDEN,
			"alice@contoso.com is at high risk in Entra ID Protection (riskState atRisk): tapbot does not issue passes for risky users; investigate", 0},
		{"a compromised account is refused", Risk{Checked: Checked{OK: true}, Level: "none", State: "confirmedCompromised"}, "", EFORBIDDEN,
			"is marked confirmedCompromised in Entra ID Protection (riskLevel none)", 0},
		{"medium risk needs 2 approvals", Risk{Checked: Checked{OK: true}, Level: "medium", State: "remediated"}, "", "", "", 2},
		{"the larger count wins", Risk{Checked: Checked{OK: true}, Level: "medium", State: "atRisk"}, "", "", "", 3},
		{"no risk, as usual", Risk{Checked: Checked{OK: true}, Level: "none", State: "none"}, "", "", "", 1},
		{"unchecked is allowed by default", Risk{Checked: Checked{Why: "needs IdentityRiskyUser.Read.All"}}, "", "", "", 1},
		{"unchecked refuses when told to", Risk{Checked: Checked{Why: "needs IdentityRiskyUser.Read.All"}}, RiskUncheckedRefuse, EFORBIDDEN,
			"could not check the risk of alice@contoso.com in Entra ID Protection (needs IdentityRiskyUser.Read.All)", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newVerifyHarness(t, func(p *Policy) { p.Verify.Risk = rule; p.Verify.Risk.Unchecked = tc.unchecked })
			h.graph.setFacts("id-alice", func(f *TargetFacts) { f.Risk = tc.risk })
			r, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
			if tc.code != "" {
				wantCode(t, err, tc.code)
				if !strings.Contains(ErrorMessage(err), tc.want) {
					t.Fatalf("refusal %q, want it to say %q", ErrorMessage(err), tc.want)
				}
				if all, _ := h.store.List(nil); len(all) != 0 {
					t.Fatalf("a refused request was stored: %+v", all)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.ApprovalsRequired != tc.approvals {
				t.Fatalf("approvals required = %d, want %d", r.ApprovalsRequired, tc.approvals)
			}
			if tc.approvals > 1 && (r.Verify == nil || !strings.Contains(r.Verify.Risk, "at least")) {
				t.Fatalf("verify = %+v, want the card told why", r.Verify)
			}
			if !tc.risk.OK && r.Facts.riskLine().Text != "not checked: needs IdentityRiskyUser.Read.All" {
				t.Fatalf("risk line = %+v, want it shown as not checked", r.Facts.riskLine())
			}
		})
	}
}

func TestCallbackTickIsRequiredAndRecordedWithTheApproval(t *testing.T) {
	h := newVerifyHarness(t, func(p *Policy) { p.Verify.Steps = []string{StepCallback} })
	ctx := context.Background()
	r := h.raise(t, RaiseInput{})
	if got, err := h.svc.MayApprove(ctx, r.ID, appr1); err != nil || !h.svc.NeedsCallback(got) {
		t.Fatalf("MayApprove = %v (needs callback %v), want the form", err, h.svc.NeedsCallback(got))
	}
	_, err := h.svc.Approve(ctx, r.ID, appr1)
	wantCode(t, err, EINVALID)
	if !strings.Contains(ErrorMessage(err), "Tick “I called the user back on a directory number”") {
		t.Fatalf("refusal = %q", ErrorMessage(err))
	}
	if h.tenant.createdCount() != 0 || len(h.get(t, r.ID).Approvals) != 0 {
		t.Fatal("an approval without the tick was recorded")
	}
	got, err := h.svc.ApproveVerified(ctx, r.ID, appr1, Callback{Called: true, Note: "  +1 555 0101,\n she asked for it "})
	if err != nil || got.State != StateDelivered {
		t.Fatalf("approve with tick = %v, %v", got, err)
	}
	c := got.Verify.Callback
	if c.By == nil || !c.By.Same(appr1) || c.Note != "+1 555 0101, she asked for it" {
		t.Fatalf("callback = %+v", c)
	}
	ev := h.auditEvent(t, EventVerifyCallback)
	if ev.Actor != appr1.Key() || ev.Detail != "called back on a directory number: +1 555 0101, she asked for it" {
		t.Fatalf("callback event = %+v", ev)
	}
	types := h.auditTypes(t)
	if i := slices.Index(types, EventVerifyCallback); i < 0 || types[i+1] != EventApproved {
		t.Fatalf("audit = %v, want the tick right before its approval", types)
	}
	h.verifyAudit(t)
}

func TestCallbackTickedByTheFirstApproverCountsForTheRequest(t *testing.T) {
	h := newVerifyHarness(t, func(p *Policy) { p.Verify.Steps = []string{StepCallback}; p.ApprovalsRequired = 2 })
	ctx := context.Background()
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.ApproveVerified(ctx, r.ID, appr1, Callback{Called: true}); err != nil {
		t.Fatal(err)
	}
	got, err := h.svc.Approve(ctx, r.ID, appr2)
	if err != nil || got.State != StateDelivered {
		t.Fatalf("second approval = %v, %v", got, err)
	}
}

func TestRequesterCannotTickTheirOwnCallback(t *testing.T) {
	h := newVerifyHarness(t, func(p *Policy) { p.Verify.Steps = []string{StepCallback} })
	r := h.raise(t, RaiseInput{Requester: req2}) // req2 may approve too
	_, err := h.svc.ApproveVerified(context.Background(), r.ID, req2, Callback{Called: true})
	wantCode(t, err, EFORBIDDEN)
	if h.get(t, r.ID).Verify.Callback.Done() {
		t.Fatal("the requester's tick was recorded")
	}
}

// raiseWithManager raises a request for alice, whose manager is Bob Boss.
func raiseWithManager(t *testing.T, h *verifyHarness) *Request {
	t.Helper()
	r := h.raise(t, RaiseInput{})
	if m := r.Verify.Manager; m == nil || m.State != ManagerAsked || m.Asked == nil || !m.Asked.Same(bossSlack) {
		t.Fatalf("manager step = %+v, want Bob Boss asked in Slack", r.Verify.Manager)
	}
	return r
}

func TestManagerConfirmsBeforeAnyoneCanApprove(t *testing.T) {
	h := newVerifyHarness(t, func(p *Policy) { p.Verify.Steps = []string{StepManager} })
	ctx := context.Background()
	r := raiseWithManager(t, h)
	_, err := h.svc.Approve(ctx, r.ID, appr1)
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), "waits for Bob Boss, the manager of alice@contoso.com, to confirm in Slack") {
		t.Fatalf("refusal = %q", ErrorMessage(err))
	}
	if _, err := h.svc.MayApprove(ctx, r.ID, appr1); ErrorCode(err) != ECONFLICT {
		t.Fatalf("MayApprove = %v, want the same refusal", err)
	}
	got, err := h.svc.ManagerDecide(ctx, r.ID, bossSlack, true)
	if err != nil || got.Verify.Manager.State != ManagerConfirmed || got.State != StatePending {
		t.Fatalf("confirm = %+v, %v", got, err)
	}
	if n := h.chat.noticesOf(EventManagerConfirmed); len(n) != 1 || !strings.Contains(n[0].Text, "Approvers can approve it now") {
		t.Fatalf("requester told %+v", n)
	}
	if got, err = h.svc.Approve(ctx, r.ID, appr1); err != nil || got.State != StateDelivered {
		t.Fatalf("approve after confirmation = %v, %v", got, err)
	}
	types := h.auditTypes(t)
	want := []string{EventRaised, EventManagerAsked, EventManagerConfirmed, EventApproved, EventIssuing, EventIssued, EventDelivered}
	if !slices.Equal(types, want) {
		t.Fatalf("audit = %v, want %v", types, want)
	}
	h.verifyAudit(t)
}

func TestManagerRejectionDeniesTheRequest(t *testing.T) {
	h := newVerifyHarness(t, func(p *Policy) { p.Verify.Steps = []string{StepManager} })
	ctx := context.Background()
	r := raiseWithManager(t, h)
	got, err := h.svc.ManagerDecide(ctx, r.ID, bossSlack, false)
	if err != nil || got.State != StateDenied || got.DecidedBy == nil || !got.DecidedBy.Same(bossSlack) {
		t.Fatalf("reject = %+v, %v", got, err)
	}
	if !strings.HasPrefix(got.DecisionReason, "manager rejected: ") {
		t.Fatalf("reason = %q", got.DecisionReason)
	}
	if n := h.chat.noticesOf(EventManagerRejected); len(n) != 1 || !strings.Contains(n[0].Text, "rejected request "+r.ID) {
		t.Fatalf("requester told %+v", n)
	}
	if _, err := h.svc.Approve(ctx, r.ID, appr1); ErrorCode(err) != ECONFLICT {
		t.Fatalf("approve after rejection = %v, want ECONFLICT", err)
	}
	if _, err := h.svc.ManagerDecide(ctx, r.ID, bossSlack, true); ErrorCode(err) != ECONFLICT {
		t.Fatalf("confirm after rejection = %v, want ECONFLICT", err)
	}
	if h.tenant.createdCount() != 0 || h.auditEvent(t, EventManagerRejected).State != StateDenied {
		t.Fatal("a rejected request issued a pass or its event lacks the denied state")
	}
	h.verifyAudit(t)
}

func TestOnlyTheManagerCanAnswer(t *testing.T) {
	h := newVerifyHarness(t, func(p *Policy) { p.Verify.Steps = []string{StepManager} })
	ctx := context.Background()
	r := raiseWithManager(t, h)
	for _, tc := range []struct {
		name string
		by   Principal
		want string
	}{
		{"an impostor approver", appr1, "Only Bob Boss, the manager of alice@contoso.com in Entra ID, can confirm"},
		{"the requester", req1, "You asked for " + r.ID + " yourself"},
		{"someone on Teams", Principal{Platform: "teams", ID: "id-someone"}, "Only Bob Boss"},
	} {
		_, err := h.svc.ManagerDecide(ctx, r.ID, tc.by, true)
		wantCode(t, err, EFORBIDDEN)
		if !strings.Contains(ErrorMessage(err), tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, ErrorMessage(err), tc.want)
		}
	}
	if st := h.get(t, r.ID).Verify.Manager.State; st != ManagerAsked {
		t.Fatalf("manager step = %s after refused answers, want asked", st)
	}
	// The manager's own Entra account on Teams is the manager too.
	if got, err := h.svc.ManagerDecide(ctx, r.ID, bossTeams, true); err != nil || got.Verify.Manager.State != ManagerConfirmed {
		t.Fatalf("the manager on Teams = %v, %v", got, err)
	}
}

func TestManagerWhoIsTheRequesterIsUnreachable(t *testing.T) {
	tests := []struct {
		name  string
		setup func(h *verifyHarness)
	}{
		{"known at raise by Entra id", func(h *verifyHarness) {}},
		{"found in chat as the requester", func(h *verifyHarness) { h.slack.reach[boss.ID] = req1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newVerifyHarness(t, func(p *Policy) {
				p.Verify.Steps, p.Verify.ManagerUnreachable = []string{StepManager}, ManagerUnreachableCallback
				if tc.name == "known at raise by Entra id" {
					p.Identities = withPeople(map[string]Identity{req1.Key(): {EntraID: boss.ID, Email: "boss@contoso.com"}})
				}
			})
			tc.setup(h)
			r := h.raise(t, RaiseInput{})
			m := r.Verify.Manager
			if m.State != ManagerUnreachable || !strings.Contains(m.Why, "Bob Boss, the manager of alice@contoso.com, is the requester") || !r.Verify.NeedsCallback() {
				t.Fatalf("manager step = %+v, callback %+v", m, r.Verify.Callback)
			}
			if _, err := h.svc.ManagerDecide(context.Background(), r.ID, req1, true); ErrorCode(err) != EFORBIDDEN {
				t.Fatalf("the requester confirming = %v, want EFORBIDDEN", err)
			}
		})
	}
}

func TestUnreachableManagerRefusesOrFallsBackToACallback(t *testing.T) {
	tests := []struct {
		name     string
		policy   string
		setup    func(h *verifyHarness)
		stored   bool   // the request was stored (reached in chat) or refused at raise
		want     string // in the refusal or the step's why
		fallback bool
	}{
		{"nobody in chat, refuse", ManagerUnreachableRefuse, func(h *verifyHarness) { delete(h.slack.reach, boss.ID) }, true,
			"tapbot could not reach Bob Boss, the manager of alice@contoso.com, in Slack or Teams", false},
		{"nobody in chat, callback", ManagerUnreachableCallback, func(h *verifyHarness) { delete(h.slack.reach, boss.ID) }, true,
			"tapbot could not reach Bob Boss, the manager of alice@contoso.com, in Slack or Teams", true},
		{"no manager in the directory, refuse", ManagerUnreachableRefuse, func(h *verifyHarness) {
			h.graph.setFacts("id-alice", func(f *TargetFacts) { f.Manager = nil })
		}, false, "Entra ID names no manager for alice@contoso.com", false},
		{"manager unreadable, callback", ManagerUnreachableCallback, func(h *verifyHarness) {
			h.graph.setFacts("id-alice", func(f *TargetFacts) { f.Manager, f.ManagerRead = nil, Checked{Why: "needs User.Read.All"} })
		}, false, "tapbot could not read who the manager of alice@contoso.com is (needs User.Read.All)", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newVerifyHarness(t, func(p *Policy) { p.Verify.Steps, p.Verify.ManagerUnreachable = []string{StepManager}, tc.policy })
			tc.setup(h)
			r, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
			if !tc.fallback {
				wantCode(t, err, EFORBIDDEN)
				if !strings.Contains(ErrorMessage(err), tc.want) {
					t.Fatalf("refusal %q, want %q", ErrorMessage(err), tc.want)
				}
				all, _ := h.store.List(nil)
				if !tc.stored {
					if len(all) != 0 {
						t.Fatalf("refused at raise, yet stored: %+v", all)
					}
					return
				}
				if r == nil || r.State != StateFailed || !strings.Contains(r.FailureReason, tc.want) {
					t.Fatalf("request = %+v, want failed saying why", r)
				}
				if ev := h.auditEvent(t, EventManagerUnreachable); ev.State != StateFailed {
					t.Fatalf("unreachable event = %+v", ev)
				}
				h.verifyAudit(t)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := r.Verify.Manager
			if m.State != ManagerUnreachable || !m.Fallback || !strings.Contains(m.Why, tc.want) || !r.Verify.NeedsCallback() || !r.Verify.Callback.Fallback {
				t.Fatalf("verify = %+v / %+v", m, r.Verify.Callback)
			}
			if _, err := h.svc.Approve(context.Background(), r.ID, appr1); ErrorCode(err) != EINVALID {
				t.Fatalf("approve without tick = %v, want EINVALID", err)
			}
			if got, err := h.svc.ApproveVerified(context.Background(), r.ID, appr1, Callback{Called: true}); err != nil || got.State != StateDelivered {
				t.Fatalf("approve with tick = %v, %v", got, err)
			}
			h.verifyAudit(t)
		})
	}
}

func TestManagerStepWithoutAFactFinderIsRefusedAtRaise(t *testing.T) {
	h := newHarness(t, func(p *Policy) { p.Verify.Steps = []string{StepManager} })
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	wantCode(t, err, EUNAVAILABLE)
	if !strings.Contains(ErrorMessage(err), "cannot read managers") {
		t.Fatalf("refusal = %q", ErrorMessage(err))
	}
}

func TestUnaskedManagerIsAskedOnResume(t *testing.T) {
	h := newVerifyHarness(t, func(p *Policy) { p.Verify.Steps = []string{StepManager} })
	h.svc.crashAt = func(point string) {
		if point == CrashRaised {
			panic(point)
		}
	}
	func() {
		defer func() { _ = recover() }()
		_, _ = h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	}()
	h.svc.crashAt = nil
	if err := h.svc.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	all, _ := h.store.List(nil)
	if len(all) != 1 || all[0].Verify.Manager.State != ManagerAsked || h.slack.askedCount() != 1 {
		t.Fatalf("after resume: %+v, asked %d", all, h.slack.askedCount())
	}
}
