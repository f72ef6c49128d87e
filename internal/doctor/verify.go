package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/internal/verifiedid"
)

// Verification is what a tenant's policy asks of end-user verification
// (issue 15), for the checks of the permissions and settings it needs. The
// zero value asks for nothing and adds no check.
type Verification struct {
	// Facts: the policy verifies at all, so the card shows the target's
	// facts, the authentication methods registered lately among them.
	Facts bool
	// Risk: a risk rule reads Entra ID Protection's user risk.
	Risk bool
	// TargetMail: the user is told by mail once their pass exists.
	TargetMail bool
	// VerifiedID is the verifiedId step; nil when no policy asks for it
	// and nothing is configured for it.
	VerifiedID *VerifiedID
}

// VerifiedID are the settings of the verifiedId step, as serve would use
// them for the tenant.
type VerifiedID struct {
	Used        bool   // a policy asks for the step
	Authority   string // the tenant's verifier DID; "": none
	APIKeySet   bool   // TAPBOT_VERIFIEDID_API_KEY is set
	CallbackURL string // where the Request Service posts results; "": TAPBOT_PUBLIC_URL is not set
	// SocketModeOnly: tapbot serves Slack over Socket Mode and no Teams,
	// so it otherwise needs no public address at all.
	SocketModeOnly bool
}

// The optional permissions by what needs them (graphclient.OptionalRoles
// names and explains them), with the broader ones Graph also accepts.
var (
	riskRoles    = []string{"IdentityRiskyUser.Read.All", "IdentityRiskyUser.ReadWrite.All"}
	methodsRoles = []string{"UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"}
	mailRoles    = []string{"Mail.Send"}
)

// checkVerifyRoles is the "verification permissions" check: the token
// must carry the optional permissions the policy uses. Without a risk or
// mail permission the policy cannot do what it says (fail); without the
// methods one approvers see the recent methods as "not checked" (warn).
func (d *run) checkVerifyRoles(roles []string, v Verification, g grants) {
	if !v.Facts && !v.Risk && !v.TargetMail {
		return
	}
	has := func(anyOf []string) bool {
		return slices.ContainsFunc(anyOf, func(r string) bool { return slices.Contains(roles, r) })
	}
	var missing, granted []string
	need := func(used bool, anyOf []string) {
		switch {
		case !used:
		case has(anyOf):
			granted = append(granted, anyOf[0])
		default:
			missing = append(missing, anyOf[0])
		}
	}
	need(v.Risk, riskRoles)
	need(v.TargetMail, mailRoles)
	if len(missing) > 0 {
		d.fail("verification permissions", "the token lacks "+optionalUses(missing), g.add(strings.Join(missing, ", "))+mailFix(missing))
		return
	}
	if v.Facts && !has(methodsRoles) {
		d.warn("verification permissions", "the token lacks "+methodsRoles[0]+": approvers see the sign-in methods registered lately as \"not checked\"", g.add(methodsRoles[0]))
		return
	}
	if v.Facts {
		granted = append(granted, methodsRoles[0])
	}
	d.pass("verification permissions", strings.Join(granted, ", ")+" consented")
}

// optionalUses names each missing optional permission with what needs it,
// in graphclient.OptionalRoles' words: "Mail.Send, needed when …".
func optionalUses(missing []string) string {
	var uses []string
	for _, r := range graphclient.OptionalRoles() {
		if slices.Contains(missing, r.Name) {
			uses = append(uses, r.Name+", needed "+r.For)
		}
	}
	return strings.Join(uses, "; and ")
}

// mailFix adds how to keep Mail.Send to the one mailbox, when it is the
// missing permission.
func mailFix(missing []string) string {
	if !slices.Contains(missing, mailRoles[0]) {
		return ""
	}
	return "; then restrict it to the mailbox of notifyTarget.mailFrom: New-ApplicationAccessPolicy -AccessRight RestrictAccess -AppId <client id> -PolicyScopeGroupId <that mailbox>"
}

// checkVerifiedID is the "verified id" check: whether the verifiedId step
// can work for the tenant gc signs in to, and, when its settings are
// complete, whether the app may ask the Request Service for presentations.
func (d *run) checkVerifiedID(ctx context.Context, gc *graphclient.Client, v *VerifiedID, g grants) {
	if v == nil {
		return
	}
	if why, fix := v.cannotWork(); why != "" {
		if !v.Used {
			d.warn("verified id", why+"; no policy asks for verifiedId yet", fix)
			return
		}
		d.fail("verified id", "the policy asks for verifiedId, but it cannot work: "+why, fix)
		return
	}
	if gc == nil {
		d.skip("verified id", "needs a Graph sign-in")
		return
	}
	roles, err := gc.RolesFor(ctx, verifiedid.Scope)
	switch {
	case d.failNetwork("verified id", hostOf(d.s.Graph.AuthorityHost, "login.microsoftonline.com"), err):
		return
	case err != nil:
		d.fail("verified id", "no token for Entra Verified ID's Request Service: "+approvals.ErrorMessage(err), "")
		return
	case !slices.Contains(roles, verifiedid.Permission):
		d.fail("verified id", "the token for Entra Verified ID's Request Service lacks "+verifiedid.Permission,
			strings.Replace(g.add(verifiedid.Permission), "Microsoft Graph", "APIs my organization uses → Verifiable Credentials Service Request", 1))
		return
	}
	d.pass("verified id", fmt.Sprintf("presentations asked as %s with %s; results come to %s, which the Request Service in Azure must reach over HTTPS; Face Check needs its add-on, billed to the tenant's Azure subscription",
		v.Authority, verifiedid.Permission, v.CallbackURL))
}

// cannotWork says why the step cannot work with these settings, and the
// fix; "" when nothing is missing.
func (v *VerifiedID) cannotWork() (string, string) {
	switch {
	case v.CallbackURL == "" && v.SocketModeOnly:
		return "Entra Verified ID posts each Face Check result to tapbot over HTTPS, and TAPBOT_PUBLIC_URL is not set; Slack in Socket Mode needs no public URL, but Verified ID does",
			"publish tapbot's /verifiedid/callback through an HTTPS ingress and set TAPBOT_PUBLIC_URL to its address"
	case v.CallbackURL == "":
		return "Entra Verified ID posts each Face Check result to tapbot over HTTPS, and TAPBOT_PUBLIC_URL is not set",
			"set TAPBOT_PUBLIC_URL to tapbot's public https:// address; the results come to <it>/verifiedid/callback"
	case v.Authority == "":
		return "no verifier DID is configured for the tenant",
			"copy the Decentralized identifier (did:web:…) from the Entra admin center → Verified ID → Overview into TAPBOT_VERIFIEDID_AUTHORITY (MSP mode: the tenant's verifiedIdAuthority)"
	case !v.APIKeySet:
		return "TAPBOT_VERIFIEDID_API_KEY is not set, and it is what tells the Request Service's callbacks from forged ones",
			"set TAPBOT_VERIFIEDID_API_KEY (or _FILE) to 32+ random characters, e.g. from openssl rand -hex 32, the same on every replica"
	}
	return "", ""
}
