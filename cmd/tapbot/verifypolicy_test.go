package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

const verifyPolicyFile = `
approvers: [U0ANNA]
protect:
  - name: finance
    groups: [5f1c2a9e-8d4b-4c1e-9a57-0d3e6b7f8a11]
    verify: [manager]
verify:
  steps: [callback]
  managerUnreachable: callback
  faceCheckThreshold: 80
  recentMethods: 72h
  risk:
    refuse: [high, confirmedCompromised]
    approvals: {medium: 2}
    unchecked: refuse
  notifyTarget:
    mailFrom: it-security@contoso.com
    teams: true
    contact: the service desk on +1 555 0100
`

func TestPolicyFileVerifySectionReachesThePolicy(t *testing.T) {
	pf, problems := parsePolicyFile("policy.yaml", []byte(verifyPolicyFile))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	p := Config{PolicyFile: pf}.policy(nil)
	v := p.Verify
	if !slices.Equal(v.Steps, []string{approvals.StepCallback}) || v.ManagerUnreachable != approvals.ManagerUnreachableCallback ||
		v.FaceCheckThreshold != 80 || v.RecentMethods != 72*time.Hour {
		t.Errorf("verify = %+v", v)
	}
	if !slices.Equal(v.Risk.Refuse, []string{"high", "confirmedCompromised"}) || v.Risk.Approvals["medium"] != 2 || v.Risk.Unchecked != approvals.RiskUncheckedRefuse {
		t.Errorf("risk = %+v", v.Risk)
	}
	if v.NotifyTarget != (approvals.TargetNotice{MailFrom: "it-security@contoso.com", Teams: true, Contact: "the service desk on +1 555 0100"}) {
		t.Errorf("notifyTarget = %+v", v.NotifyTarget)
	}
	i := slices.IndexFunc(p.Protect, func(r approvals.ProtectRule) bool { return r.Name == "finance" })
	if i < 0 || !slices.Equal(p.Protect[i].Verify, []string{approvals.StepManager}) {
		t.Errorf("protect = %+v; want the finance rule with its manager step (a rule that only verifies is valid)", p.Protect)
	}
}

func TestPolicyFileVerifyProblemsAreReported(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"a misspelt step", "verify: {steps: [calback]}", `TAPBOT_POLICY_FILE: verify.steps: "calback" is not a verification step (callback, manager, verifiedId); did you mean "callback"?`},
		{"a threshold out of bounds", "verify: {faceCheckThreshold: 120}", "TAPBOT_POLICY_FILE: verify.faceCheckThreshold is 120; Entra Verified ID takes 50 to 100"},
		{"an unknown risk value", "verify: {risk: {approvals: {meduim: 2}}}", `TAPBOT_POLICY_FILE: verify.risk.approvals: "meduim" is no riskLevel`},
		{"a mailbox that is no address", "verify: {notifyTarget: {mailFrom: it-security, contact: x}}", `TAPBOT_POLICY_FILE: verify.notifyTarget.mailFrom: "it-security" is not an e-mail address`},
		{"a notice without a contact", "verify: {notifyTarget: {teams: true}}", "TAPBOT_POLICY_FILE: verify.notifyTarget.contact"},
		{"a duration that is none", "verify: {recentMethods: 7d}", "TAPBOT_POLICY_FILE policy.yaml"},
		{"an unknown key", "verify: {step: [callback]}", "field step not found"},
		{"a protect rule's step", "protect:\n  - name: vip\n    upnPatterns: [ceo@contoso.com]\n    verify: [verifiedID]\n", `TAPBOT_POLICY_FILE: protect "vip": verify: "verifiedID" is not a verification step (callback, manager, verifiedId); did you mean "verifiedId"?`},
		{"a protect rule that does nothing", "protect:\n  - name: vip\n    upnPatterns: [ceo@contoso.com]\n", `protect "vip" must refuse, need at least 2 approvals, or name verification steps`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := parsePolicyFile("policy.yaml", []byte(tc.yaml))
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Fatalf("problems %q, want one saying %q", problems, tc.want)
			}
		})
	}
}

func TestTenantVerifySectionReplacesTheGlobalOneWhole(t *testing.T) {
	pf, problems := parsePolicyFile("policy.yaml", []byte(verifyPolicyFile))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	f := parseTenants(t, `tenants:
  - name: contoso
    id: 11111111-1111-1111-1111-111111111111
    domains: [contoso.com]
    verify:
      steps: [verifiedId]
  - name: fabrikam
    id: 22222222-2222-2222-2222-222222222222
    domains: [fabrikam.com]
`)
	c := Config{PolicyFile: pf}
	global := c.policy(nil)
	cfgs := c.tenantConfigs(f, nil)
	contoso, fabrikam := cfgs[0].PolicyFor(global).Verify, cfgs[1].PolicyFor(global).Verify
	if !slices.Equal(contoso.Steps, []string{approvals.StepVerifiedID}) || contoso.Risk.Refuse != nil || contoso.NotifyTarget.Teams {
		t.Errorf("contoso verify = %+v; want the tenant's section alone", contoso)
	}
	if !slices.Equal(fabrikam.Steps, []string{approvals.StepCallback}) || fabrikam.Risk.Approvals["medium"] != 2 {
		t.Errorf("fabrikam verify = %+v; want the global section", fabrikam)
	}
}
