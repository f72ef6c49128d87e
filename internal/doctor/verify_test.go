package doctor

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// without is roles less the named ones.
func without(roles []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(roles), func(r string) bool { return slices.Contains(drop, r) })
}

func TestVerificationPermissionsNameWhatThePolicyUsesAndLacks(t *testing.T) {
	all := append(graphtest.DefaultRoles(), graphtest.VerificationRoles()...)
	everything := Verification{Facts: true, Risk: true, TargetMail: true}
	for _, tc := range []struct {
		name   string
		v      Verification
		roles  []string
		status Status // "": no line
		line   string // part of the line
		fix    string // part of the fix
	}{
		{"a policy that verifies nothing adds no check", Verification{}, graphtest.DefaultRoles(), "", "", ""},
		{"all of them granted", everything, all, Pass, "IdentityRiskyUser.Read.All, Mail.Send, UserAuthenticationMethod.Read.All consented", ""},
		{"the broader ones stand in", everything, append(graphtest.DefaultRoles(), "IdentityRiskyUser.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All", "Mail.Send"), Pass, "consented", ""},
		{"risk checks without the risk permission", everything, without(all, "IdentityRiskyUser.Read.All"), Fail,
			"the token lacks IdentityRiskyUser.Read.All, needed when the policy uses ID Protection's user risk", "add IdentityRiskyUser.Read.All, then Grant admin consent"},
		{"mail to the user without Mail.Send", Verification{Facts: true, TargetMail: true}, without(all, "Mail.Send"), Fail,
			"the token lacks Mail.Send, needed when the policy tells the user by e-mail", "New-ApplicationAccessPolicy -AccessRight RestrictAccess"},
		{"both missing, both named", everything, without(all, "IdentityRiskyUser.Read.All", "Mail.Send"), Fail,
			"IdentityRiskyUser.Read.All, needed when the policy uses ID Protection's user risk (risk checks; Entra ID P2); and Mail.Send, needed", "add IdentityRiskyUser.Read.All, Mail.Send"},
		{"recent methods unreadable is a warning", Verification{Facts: true}, without(all, "UserAuthenticationMethod.Read.All"), Warn,
			`the token lacks UserAuthenticationMethod.Read.All: approvers see the sign-in methods registered lately as "not checked"`, "add UserAuthenticationMethod.Read.All"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &run{}
			d.checkVerifyRoles(tc.roles, tc.v, ownApp("tapbot-client"))
			if tc.status == "" {
				if len(d.results) != 0 {
					t.Fatalf("checks %+v, want none", d.results)
				}
				return
			}
			if len(d.results) != 1 {
				t.Fatalf("checks %+v, want one", d.results)
			}
			c := d.results[0]
			if c.Name != "verification permissions" || c.Status != tc.status || !strings.Contains(c.Detail, tc.line) || !strings.Contains(c.Fix, tc.fix) {
				t.Fatalf("check %+v, want %s saying %q, fix %q", c, tc.status, tc.line, tc.fix)
			}
		})
	}
}

func TestVerifiedIDCheckExplainsWhenItCannotWork(t *testing.T) {
	complete := VerifiedID{Used: true, Authority: "did:web:verifiedid.contoso.com", APIKeySet: true, CallbackURL: "https://tapbot.contoso.com/verifiedid/callback"}
	change := func(f func(v *VerifiedID)) *VerifiedID {
		v := complete
		f(&v)
		return &v
	}
	for _, tc := range []struct {
		name   string
		v      *VerifiedID
		status Status
		line   string
		fix    string
	}{
		{"Socket Mode without a public URL", change(func(v *VerifiedID) { v.CallbackURL, v.SocketModeOnly = "", true }), Fail,
			"cannot work: Entra Verified ID posts each Face Check result to tapbot over HTTPS, and TAPBOT_PUBLIC_URL is not set; Slack in Socket Mode needs no public URL, but Verified ID does",
			"publish tapbot's /verifiedid/callback through an HTTPS ingress"},
		{"no public URL", change(func(v *VerifiedID) { v.CallbackURL = "" }), Fail, "TAPBOT_PUBLIC_URL is not set", "set TAPBOT_PUBLIC_URL"},
		{"no authority", change(func(v *VerifiedID) { v.Authority = "" }), Fail, "no verifier DID is configured for the tenant", "Verified ID → Overview"},
		{"no api key", change(func(v *VerifiedID) { v.APIKeySet = false }), Fail, "TAPBOT_VERIFIEDID_API_KEY is not set", "openssl rand -hex 32"},
		{"incomplete but unused", change(func(v *VerifiedID) { v.Used, v.APIKeySet = false, false }), Warn, "no policy asks for verifiedId yet", "TAPBOT_VERIFIEDID_API_KEY"},
		{"complete, without a sign-in", &complete, Skip, "needs a Graph sign-in", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			d := &run{out: &out}
			d.checkVerifiedID(context.Background(), nil, tc.v, ownApp("tapbot-client"))
			if len(d.results) != 1 {
				t.Fatalf("checks %+v, want one", d.results)
			}
			c := d.results[0]
			if c.Name != "verified id" || c.Status != tc.status || !strings.Contains(c.Detail, tc.line) || !strings.Contains(c.Fix, tc.fix) {
				t.Fatalf("check %+v, want %s saying %q, fix %q", c, tc.status, tc.line, tc.fix)
			}
		})
	}
	d := &run{}
	d.checkVerifiedID(context.Background(), nil, nil, ownApp("tapbot-client"))
	if len(d.results) != 0 {
		t.Fatalf("checks %+v without Verified ID, want none", d.results)
	}
}
