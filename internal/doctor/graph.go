package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
)

// checkGraph signs in as the app, compares the permissions its token
// carries with those tapbot needs, and reads the tenant's Temporary Access
// Pass policy.
func (d *run) checkGraph() {
	if d.s.Sandbox {
		d.pass("microsoft graph", "sandbox mode: the built-in fake tenant; no real tenant to check")
		return
	}
	if d.s.Graph.TenantID == "" || d.s.Graph.ClientID == "" {
		d.skip("graph sign-in", "needs AZURE_TENANT_ID and AZURE_CLIENT_ID")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*timeout)
	defer cancel()
	g := ownApp(d.s.Graph.ClientID)
	gc, roles, ok := d.signIn(ctx, graphclient.New, "check AZURE_TENANT_ID, AZURE_CLIENT_ID and the credential settings")
	if !ok {
		d.skipGraph()
		d.checkVerifiedID(ctx, nil, d.s.Verify.VerifiedID, g)
		return
	}
	d.graph = gc
	d.pass("graph sign-in", fmt.Sprintf("token obtained for app %s in tenant %s", d.s.Graph.ClientID, d.s.Graph.TenantID))
	d.reportRoles(roles, g)
	d.checkTAPPolicy(ctx, gc)
	d.checkVerifyRoles(roles, d.s.Verify, g)
	d.checkVerifiedID(ctx, gc, d.s.Verify.VerifiedID, g)
}

// signIn is the "graph sign-in" check: it builds a client with build from
// the doctor's Graph settings and reads the roles in its token. A client
// that cannot be built fails with fix; a refusal fails with graphclient's
// message, which says what to do (for a customer: its consent link).
func (d *run) signIn(ctx context.Context, build func(graphclient.Config) (*graphclient.Client, error), fix string) (*graphclient.Client, []string, bool) {
	cfg := d.s.Graph
	cfg.HTTPClient, cfg.MaxRetries, cfg.RetryDelay, cfg.Timeout = d.client, 1, 500*time.Millisecond, timeout
	gc, err := build(cfg)
	if err != nil {
		d.fail("graph sign-in", approvals.ErrorMessage(err), fix)
		return nil, nil, false
	}
	roles, err := gc.Roles(ctx)
	if d.failNetwork("graph sign-in", hostOf(cfg.AuthorityHost, "login.microsoftonline.com"), err) {
		return nil, nil, false
	}
	if err != nil {
		d.fail("graph sign-in", approvals.ErrorMessage(err), "")
		return nil, nil, false
	}
	return gc, roles, true
}

func (d *run) skipGraph() {
	d.skip("graph permissions", "needs a Graph sign-in")
	d.skip("tap policy", "needs a Graph sign-in")
}

// groupsPermission is the permission that only Entra groups in the access
// lists or the policy file need.
const groupsPermission = "GroupMember.Read.All"

// grants says where an app's permissions are changed, for the fixes of
// the permission check.
type grants struct {
	add     func(missing string) string            // how to grant the missing permissions
	replace func(b graphclient.BroaderRole) string // how to swap a broader one for the narrow one
}

// ownApp is where the permissions of an app registered in the tenant it
// serves are changed, and consented at once.
func ownApp(clientID string) grants {
	return grants{
		add: func(missing string) string {
			return "Entra admin center → Entra ID → App registrations → " + clientID + " → API permissions → Add a permission → Microsoft Graph → Application permissions: add " +
				missing + ", then Grant admin consent (deploy/entra/create-app.sh does both)"
		},
		replace: func(b graphclient.BroaderRole) string {
			return "Entra admin center → Entra ID → App registrations → " + clientID + " → API permissions: add " + b.Instead +
				", Grant admin consent, then remove " + b.Name + " unless something else uses it"
		},
	}
}

func (d *run) reportRoles(roles []string, g grants) {
	c := d.sortRoles(roles)
	if len(c.missing) > 0 {
		d.fail("graph permissions", "the token lacks "+strings.Join(c.missing, ", "), g.add(strings.Join(c.missing, ", ")))
		return
	}
	detail := strings.Join(c.granted, ", ") + " consented"
	if len(c.unneeded) > 0 {
		detail += "; " + strings.Join(c.unneeded, ", ") + " is not, and no Entra group is configured that would need it"
	}
	d.pass("graph permissions", detail)
	for _, b := range c.broader {
		d.warn("graph permissions", "broader than needed: "+b.Name+" "+b.Reach+"; grant "+b.Instead+" instead", g.replace(b))
	}
}

// consent is what the token's roles say of each permission tapbot needs.
type consent struct {
	granted  []string // the permissions that are there, broader ones included
	missing  []string
	unneeded []string // missing, but nothing configured needs them
	broader  []graphclient.BroaderRole
}

func (d *run) sortRoles(roles []string) consent {
	var c consent
	for _, r := range graphclient.RequiredRoles() {
		b, hasBroader := broaderGranted(roles, r)
		switch {
		case slices.Contains(roles, r):
			c.granted = append(c.granted, r)
		case hasBroader:
			c.granted = append(c.granted, b.Name)
			c.broader = append(c.broader, b)
		case r == groupsPermission && !d.s.EntraGroups:
			c.unneeded = append(c.unneeded, r)
		default:
			c.missing = append(c.missing, r)
		}
	}
	return c
}

// broaderGranted finds a consented permission that Graph accepts in place
// of the required one.
func broaderGranted(roles []string, required string) (graphclient.BroaderRole, bool) {
	for _, b := range graphclient.BroaderRoles() {
		if b.Instead == required && slices.Contains(roles, b.Name) {
			return b, true
		}
	}
	return graphclient.BroaderRole{}, false
}

func (d *run) checkTAPPolicy(ctx context.Context, gc *graphclient.Client) {
	p, err := gc.TAPPolicy(ctx)
	switch {
	case d.failNetwork("tap policy", hostOf(d.s.Graph.GraphURL, "graph.microsoft.com"), err):
	case err != nil:
		d.fail("tap policy", approvals.ErrorMessage(err), "")
	case !p.Enabled:
		d.fail("tap policy", "Temporary Access Pass is disabled in this tenant",
			"Entra admin center → Entra ID → Authentication methods → Policies → Temporary Access Pass: enable it for the users tapbot serves")
	default:
		once := "one-time or multi-use as asked"
		if p.UsableOnce {
			once = "one-time only (the tenant forces it)"
		}
		d.pass("tap policy", fmt.Sprintf("enabled; lifetime %s to %s, default %s; %d characters; %s",
			approvals.FormatMinutes(p.MinLifetime), approvals.FormatMinutes(p.MaxLifetime), approvals.FormatMinutes(p.DefaultLifetime), p.DefaultLength, once))
	}
}
