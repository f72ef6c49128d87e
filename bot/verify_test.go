package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

var raisedAt = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// checkedFacts are facts tapbot could read in full.
func checkedFacts() *approvals.TargetFacts {
	ok := approvals.Checked{OK: true}
	return &approvals.TargetFacts{
		BusinessPhones: []string{"+1 555 0100"}, MobilePhone: "+1 555 0199", Phones: ok,
		Manager:     &approvals.Person{ID: "id-mark", UPN: "mark@contoso.com", DisplayName: "Mark Manager"},
		ManagerRead: ok,
		Risk:        approvals.Risk{Checked: ok, Level: "high", State: "atRisk"},
		Methods: approvals.Methods{Checked: ok, Since: raisedAt.Add(-7 * 24 * time.Hour), Recent: []approvals.Method{
			{Type: "microsoftAuthenticatorAuthenticationMethod", Name: "Microsoft Authenticator", Detail: "Pixel 8", Created: raisedAt.Add(-50 * time.Hour)},
		}},
	}
}

func linkPhone(shown, dial string) string { return "<" + dial + "|" + shown + ">" }

func TestVerifyLinesShowNumbersManagerAndWarningSigns(t *testing.T) {
	calm := checkedFacts()
	calm.Risk = approvals.Risk{Checked: approvals.Checked{OK: true}, Level: "none", State: "none"}
	calm.Methods.Recent = nil
	remediated := checkedFacts()
	remediated.Risk = approvals.Risk{Checked: approvals.Checked{OK: true}, Level: "none", State: "remediated"}
	noPhones := checkedFacts()
	noPhones.BusinessPhones, noPhones.MobilePhone, noPhones.Manager = nil, "", nil
	tests := []struct {
		name          string
		facts         *approvals.TargetFacts
		want, notWant []string
	}{
		{"warning signs", checkedFacts(), []string{
			"*Call back on* <tel:+15550100|+1 555 0100> (office), <tel:+15550199|+1 555 0199> (mobile) (from the directory)",
			"*Manager*: Mark Manager (mark@contoso.com)",
			"⚠ High risk in Entra ID Protection (atRisk)",
			"⚠ Microsoft Authenticator (Pixel 8) registered 2 days ago",
		}, []string{"No risk"}},
		{"nothing to warn of", calm, []string{"No risk in Entra ID Protection", "No sign-in method registered in the last 7 days"}, []string{"⚠"}},
		{"risk remediated", remediated, []string{"No risk in Entra ID Protection (remediated)"}, []string{"⚠ High"}},
		{"no numbers, no manager", noPhones, []string{"⚠ No phone number in the directory: verify the caller another way.", "*Manager*: none in the directory"}, []string{"tel:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(VerifyLines(&approvals.Request{CreatedAt: raisedAt, Facts: tt.facts}, slackLike, linkPhone), "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("lines lack %q:\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("lines hold %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestVerifyLinesSayNotCheckedNeverFine(t *testing.T) {
	no := func(why string) approvals.Checked { return approvals.Checked{Why: why} }
	facts := &approvals.TargetFacts{
		Phones: no("needs User.Read.All"), ManagerRead: no("needs User.Read.All"),
		Risk: approvals.Risk{Checked: no("needs IdentityRiskyUser.Read.All")}, Methods: approvals.Methods{Checked: no("needs UserAuthenticationMethod.Read.All")},
	}
	got := VerifyLines(&approvals.Request{CreatedAt: raisedAt, Facts: facts}, slackLike, linkPhone)
	want := []string{
		"⚠ Directory phone numbers not checked: needs User.Read.All",
		"⚠ Manager not checked: needs User.Read.All",
		"⚠ Risk in Entra ID Protection not checked: needs IdentityRiskyUser.Read.All",
		"⚠ New sign-in methods not checked: needs UserAuthenticationMethod.Read.All",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("unchecked facts:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestVerifyLinesEscapeDirectoryText(t *testing.T) {
	f := checkedFacts()
	f.BusinessPhones = []string{"<!channel> 555"}
	f.Manager.DisplayName = "Mark <@U0BOSS> *Manager*"
	f.Methods.Recent[0].Detail = "<http://evil.example|phone>"
	f.Methods.Recent[0].Name = "[phone](http://evil.example)"
	for _, st := range []struct {
		name  string
		style Style
		bad   []string
	}{
		{"slack", slackLike, []string{"<!channel>", "<@U0BOSS>", "<http://evil"}},
		{"teams", teamsLike, []string{"<!channel>", "<@U0BOSS>", "[phone](", "|phone>"}},
	} {
		got := strings.Join(VerifyLines(&approvals.Request{CreatedAt: raisedAt, Facts: f}, st.style, nil), "\n")
		for _, bad := range st.bad {
			if strings.Contains(got, bad) {
				t.Errorf("%s: directory text %q is not escaped:\n%s", st.name, bad, got)
			}
		}
	}
}

func TestStepLinesShowEachStepsProgress(t *testing.T) {
	score := 87.0
	approver := &approvals.Principal{Platform: "slack", ID: "UAPP1", Name: "arno"}
	mark := approvals.Person{ID: "id-mark", DisplayName: "Mark <Manager>"}
	tests := []struct {
		name string
		v    *approvals.Verification
		want string
	}{
		{"callback waiting", &approvals.Verification{Callback: &approvals.CallbackStep{Required: true}}, "⏳ callback needed"},
		{"callback done", &approvals.Verification{Callback: &approvals.CallbackStep{Required: true, By: approver, At: raisedAt, Note: "office"}}, "✅ called back by arno"},
		{"manager asked", &approvals.Verification{Manager: &approvals.ManagerStep{Required: true, Manager: mark, State: approvals.ManagerAsked, Asked: approver}}, "⏳ manager Mark &lt;Manager&gt;: asked in Slack"},
		{"manager confirmed", &approvals.Verification{Manager: &approvals.ManagerStep{Required: true, Manager: mark, State: approvals.ManagerConfirmed}}, "✅ manager Mark &lt;Manager&gt; confirmed"},
		{"manager rejected", &approvals.Verification{Manager: &approvals.ManagerStep{Required: true, Manager: mark, State: approvals.ManagerRejected}}, "⛔ manager Mark &lt;Manager&gt; rejected"},
		{"link sent", &approvals.Verification{VerifiedID: &approvals.VerifiedIDStep{Required: true, State: approvals.VerifiedIDStarted, Threshold: 70}}, "⏳ Verified ID: link sent"},
		{"link opened", &approvals.Verification{VerifiedID: &approvals.VerifiedIDStep{Required: true, State: approvals.VerifiedIDOpened, Threshold: 70}}, "⏳ Verified ID: link opened"},
		{"face check passed", &approvals.Verification{VerifiedID: &approvals.VerifiedIDStep{Required: true, State: approvals.VerifiedIDVerified, Threshold: 70, Score: &score}}, "✅ Face Check 87 % ≥ 70 ✓"},
		{"face check failed", &approvals.Verification{VerifiedID: &approvals.VerifiedIDStep{Required: true, State: approvals.VerifiedIDFailed, Failure: "the credential is for <bob>"}}, "⛔ Verified ID failed: the credential is for &lt;bob&gt;"},
		{"risk raised the approvals", &approvals.Verification{Risk: "riskLevel medium in Entra ID Protection: at least 2 approvals"}, "⚠ riskLevel medium in Entra ID Protection: at least 2 approvals"},
	}
	for _, tt := range tests {
		got := strings.Join(StepLines(tt.v, slackLike), "\n")
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want it to hold %q", tt.name, got, tt.want)
		}
	}
	if StepLines(nil, slackLike) != nil {
		t.Error("a request without steps has step lines")
	}
}

func TestTelURIDialsOnlyDigits(t *testing.T) {
	tests := map[string]string{
		"+1 (555) 010-0100":  "tel:+15550100100",
		"0221 12345 x12":     "tel:022112345",
		"+49 30 1234 ext. 9": "tel:+49301234",
		"reception":          "",
		"<script>1":          "tel:1",
	}
	for in, want := range tests {
		if got := TelURI(in); got != want {
			t.Errorf("TelURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVerifiedIDLinkIsOnlyTheLinkNotice(t *testing.T) {
	r := &approvals.Request{Verify: &approvals.Verification{VerifiedID: &approvals.VerifiedIDStep{URL: "https://verify.example/p?x=1"}}}
	if got := VerifiedIDLink(approvals.Notice{Request: r, Kind: approvals.EventVerifiedIDStarted}); got != "https://verify.example/p?x=1" {
		t.Errorf("link notice: %q", got)
	}
	for _, n := range []approvals.Notice{
		{Request: r, Kind: approvals.EventVerifiedIDFailed},
		{Request: &approvals.Request{}, Kind: approvals.EventVerifiedIDStarted},
	} {
		if got := VerifiedIDLink(n); got != "" {
			t.Errorf("notice %s: link %q, want none", n.Kind, got)
		}
	}
}
