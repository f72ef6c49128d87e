package approvals

import (
	"strings"
	"testing"
	"time"
)

func TestVerifyPolicyProblemsNameTheKeyAndTheFix(t *testing.T) {
	notify := TargetNotice{MailFrom: "it-security@contoso.com", Contact: "the service desk on +1 555 0100"}
	tests := []struct {
		name string
		v    VerifyPolicy
		want string // "" : no problem
	}{
		{"a valid policy", VerifyPolicy{Steps: []string{StepCallback, StepManager, StepVerifiedID}, ManagerUnreachable: "callback", FaceCheckThreshold: 80,
			RecentMethods: 72 * time.Hour, Risk: RiskRule{Refuse: []string{"high", "ConfirmedCompromised"}, Approvals: map[string]int{"medium": 2}, Unchecked: "refuse"}, NotifyTarget: notify}, ""},
		{"a misspelt step", VerifyPolicy{Steps: []string{"calback"}}, `verify.steps: "calback" is not a verification step (callback, manager, verifiedId); did you mean "callback"?`},
		{"a step in the wrong case", VerifyPolicy{Steps: []string{"verifiedid"}}, `did you mean "verifiedId"?`},
		{"a step far from any", VerifyPolicy{Steps: []string{"fingerprint"}}, `"fingerprint" is not a verification step (callback, manager, verifiedId)`},
		{"an unknown fallback", VerifyPolicy{ManagerUnreachable: "allow"}, `verify.managerUnreachable is "allow"; write refuse`},
		{"a threshold below Entra's", VerifyPolicy{FaceCheckThreshold: 40}, "verify.faceCheckThreshold is 40; Entra Verified ID takes 50 to 100"},
		{"a threshold above 100", VerifyPolicy{FaceCheckThreshold: 101}, "verify.faceCheckThreshold is 101"},
		{"a negative lookback", VerifyPolicy{RecentMethods: -time.Hour}, "verify.recentMethods is -1h0m0s"},
		{"an unknown risk value", VerifyPolicy{Risk: RiskRule{Refuse: []string{"hihg"}}}, `verify.risk.refuse: "hihg" is no riskLevel`},
		{"a risk value suggested", VerifyPolicy{Risk: RiskRule{Refuse: []string{"atrisk!"}}}, `did you mean "atRisk"?`},
		{"none refuses everyone", VerifyPolicy{Risk: RiskRule{Refuse: []string{"none"}}}, "verify.risk.refuse: none is every user Entra ID Protection never flagged"},
		{"one approval is no rule", VerifyPolicy{Risk: RiskRule{Approvals: map[string]int{"medium": 1}}}, "verify.risk.approvals: medium needs 1 approval(s); write at least 2"},
		{"refused and counted", VerifyPolicy{Risk: RiskRule{Refuse: []string{"high"}, Approvals: map[string]int{"High": 3}}}, "High is under refuse and under approvals"},
		{"an unknown unchecked", VerifyPolicy{Risk: RiskRule{Unchecked: "ignore"}}, `verify.risk.unchecked is "ignore"`},
		{"mailFrom not an address", VerifyPolicy{NotifyTarget: TargetNotice{MailFrom: "security desk", Contact: "x"}}, `verify.notifyTarget.mailFrom: "security desk" is not an e-mail address`},
		{"mailFrom with a display name", VerifyPolicy{NotifyTarget: TargetNotice{MailFrom: "IT <it@contoso.com>", Contact: "x"}}, "is not an e-mail address"},
		{"a notice without a contact", VerifyPolicy{NotifyTarget: TargetNotice{Teams: true}}, "verify.notifyTarget.contact: say whom the user should call"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.v.Problems()
			if tc.want == "" {
				if len(p) > 0 {
					t.Fatalf("problems %v, want none", p)
				}
				return
			}
			if len(p) != 1 || !strings.Contains(p[0], tc.want) {
				t.Fatalf("problems %q, want one saying %q", p, tc.want)
			}
		})
	}
}

func TestProtectRuleStepsAreCheckedUnderTheirKey(t *testing.T) {
	p := StepProblems(`protect "finance": verify`, []string{"manager", "manger"})
	if len(p) != 1 || !strings.HasPrefix(p[0], `protect "finance": verify: "manger" is not a verification step`) || !strings.Contains(p[0], `did you mean "manager"?`) {
		t.Fatalf("problems = %q", p)
	}
}

func TestVerifyPolicyIsEnabledOnlyWhenItAsksForSomething(t *testing.T) {
	tests := []struct {
		name string
		v    VerifyPolicy
		want bool
	}{
		{"nothing", VerifyPolicy{}, false},
		{"only defaults", VerifyPolicy{}.withDefaults(), false},
		{"only a threshold", VerifyPolicy{FaceCheckThreshold: 90, ManagerUnreachable: "callback"}, false},
		{"a step", VerifyPolicy{Steps: []string{StepCallback}}, true},
		{"a refused risk", VerifyPolicy{Risk: RiskRule{Refuse: []string{"high"}}}, true},
		{"more approvals for a risk", VerifyPolicy{Risk: RiskRule{Approvals: map[string]int{"medium": 2}}}, true},
		{"no pass unchecked", VerifyPolicy{Risk: RiskRule{Unchecked: RiskUncheckedRefuse}}, true},
		{"a mail notice", VerifyPolicy{NotifyTarget: TargetNotice{MailFrom: "a@b.c"}}, true},
		{"a Teams notice", VerifyPolicy{NotifyTarget: TargetNotice{Teams: true}}, true},
	}
	for _, tc := range tests {
		if got := tc.v.Enabled(); got != tc.want {
			t.Errorf("%s: Enabled() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestVerifyPolicyDefaults(t *testing.T) {
	v := Policy{}.withDefaults().Verify
	if v.ManagerUnreachable != ManagerUnreachableRefuse || v.FaceCheckThreshold != 70 || v.RecentMethods != 7*24*time.Hour || v.Risk.Unchecked != RiskUncheckedAllow {
		t.Fatalf("defaults = %+v", v)
	}
}
