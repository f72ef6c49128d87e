package main

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/internal/verifiedid"
)

// The verifiedId step (issue 15): tapbot asks Entra Verified ID's Request
// Service for a Face Check presentation in the tenant's name, and the
// service posts the outcome back to tapbot over HTTPS. That needs the
// tenant's verifier DID (TAPBOT_VERIFIEDID_AUTHORITY, or a tenant's
// verifiedIdAuthority in MSP mode), a key the callbacks carry
// (TAPBOT_VERIFIEDID_API_KEY) and the public address the service posts to
// (TAPBOT_PUBLIC_URL). The key is a setting, not made up at start: every
// replica must accept the callbacks of presentations another one started,
// and a restart must not orphan the presentations in flight.

// callbackPath is where the Request Service posts presentation callbacks,
// on the main listener.
const callbackPath = "/verifiedid/callback"

// minVerifiedIDKeyLen is the shortest TAPBOT_VERIFIEDID_API_KEY accepted:
// the key is all that tells the service's callbacks from forged ones.
const minVerifiedIDKeyLen = 32

// verifiedIDCallbackURL is the callback's public address: TAPBOT_PUBLIC_URL
// with callbackPath after its own path. An ingress that serves tapbot under
// a path prefix must strip it.
func (c Config) verifiedIDCallbackURL() string {
	return strings.TrimSuffix(c.PublicURL, "/") + callbackPath
}

// usesVerifiedID reports whether p asks for the verifiedId step, for every
// request or in a protect rule.
func usesVerifiedID(p approvals.Policy) bool {
	return slices.Contains(p.Verify.Steps, approvals.StepVerifiedID) ||
		slices.ContainsFunc(p.Protect, func(r approvals.ProtectRule) bool { return slices.Contains(r.Verify, approvals.StepVerifiedID) })
}

// verifiedIDUsers names where the policy asks for verifiedId: "the policy"
// in the single-tenant configuration, else each tenant whose policy does.
func (c Config) verifiedIDUsers() (global bool, tenants []string) {
	p := c.policy(nil)
	if c.TenantsFile == nil {
		return usesVerifiedID(p), nil
	}
	for i, tc := range c.tenantConfigs(c.TenantsFile, nil) {
		if usesVerifiedID(tc.PolicyFor(p)) {
			tenants = append(tenants, c.TenantsFile.Tenants[i].Name)
		}
	}
	return false, tenants
}

// verifiedIDProblems checks the Verified ID settings against the policy,
// at start and at every policy reload: a policy that asks for verifiedId
// must have everything the step needs, and settings given must be usable.
func (c Config) verifiedIDProblems() []string {
	if c.TenantsPath != "" && c.TenantsFile == nil {
		return nil // the tenants file's own problems are reported; nothing to check against
	}
	if pf := c.PolicyFile; pf != nil {
		if _, err := regexp.Compile(pf.Reason.TicketPattern); err != nil {
			return nil // reported as the policy file's problem; the policy cannot be built
		}
	}
	global, tenants := c.verifiedIDUsers()
	used := global || len(tenants) > 0
	configured := c.VerifiedIDAuthority != "" || c.VerifiedIDAPIKey != ""
	why := "the policy asks for verifiedId"
	if !used {
		why = "Verified ID is configured"
	}
	p := c.publicURLProblems(used || configured, why)
	if !used && !configured {
		return p
	}
	switch {
	case c.VerifiedIDAPIKey == "":
		p = append(p, fmt.Sprintf("TAPBOT_VERIFIEDID_API_KEY: missing; %s, and the key is what tells Entra Verified ID's callbacks from forged ones: set it (or TAPBOT_VERIFIEDID_API_KEY_FILE) to %d+ random characters, e.g. from openssl rand -hex 32, the same on every replica", why, minVerifiedIDKeyLen))
	case len(c.VerifiedIDAPIKey) < minVerifiedIDKeyLen:
		p = append(p, fmt.Sprintf("TAPBOT_VERIFIEDID_API_KEY: %d characters is too short; use at least %d random ones, e.g. from openssl rand -hex 32", len(c.VerifiedIDAPIKey), minVerifiedIDKeyLen))
	}
	if !isHTTPSURL(c.VerifiedIDEndpoint, false) {
		p = append(p, fmt.Sprintf("TAPBOT_VERIFIEDID_ENDPOINT: %q is not an https:// URL (default %s)", c.VerifiedIDEndpoint, verifiedid.DefaultEndpoint))
	}
	return append(p, c.authorityProblems(global, tenants)...)
}

// publicURLProblems checks TAPBOT_PUBLIC_URL: an https URL when set, and
// set when needed, because (why) Verified ID is used.
func (c Config) publicURLProblems(needed bool, why string) []string {
	switch {
	case c.PublicURL != "" && !isHTTPSURL(c.PublicURL, true):
		return []string{fmt.Sprintf("TAPBOT_PUBLIC_URL: %q is not an https:// URL without query or fragment, e.g. https://tapbot.contoso.com", c.PublicURL)}
	case c.PublicURL != "" || !needed:
		return nil
	}
	missing := "TAPBOT_PUBLIC_URL: missing; " + why + ", and Entra Verified ID posts each Face Check result to tapbot at TAPBOT_PUBLIC_URL" + callbackPath
	if c.SlackAppToken != "" && !c.teamsEnabled() {
		return []string{missing + ", which must be a public https:// URL. Slack in Socket Mode needs no public URL, but Verified ID does: publish that one path of tapbot's listener through an ingress and set TAPBOT_PUBLIC_URL, or take verifiedId out of the policy"}
	}
	return []string{missing + ": set it to tapbot's public https:// address, e.g. https://tapbot.contoso.com"}
}

// authorityProblems checks whose verifier DID each presentation is asked
// in: TAPBOT_VERIFIEDID_AUTHORITY in the single-tenant configuration, each
// tenant's verifiedIdAuthority in MSP mode, where one DID cannot serve
// several tenants (the Request Service takes it only with its own
// tenant's token).
func (c Config) authorityProblems(global bool, tenants []string) []string {
	a := c.VerifiedIDAuthority
	if c.TenantsFile == nil {
		switch {
		case a == "" && global:
			return []string{"TAPBOT_VERIFIEDID_AUTHORITY: missing; the policy asks for verifiedId: copy the tenant's Decentralized identifier (did:web:…) from the Entra admin center → Verified ID → Overview"}
		case a != "" && !strings.HasPrefix(a, "did:"):
			return []string{fmt.Sprintf("TAPBOT_VERIFIEDID_AUTHORITY: %q is not a DID; copy the tenant's Decentralized identifier (did:web:…) from the Entra admin center → Verified ID → Overview", a)}
		}
		return nil
	}
	var p []string
	if a != "" {
		p = append(p, "TAPBOT_VERIFIEDID_AUTHORITY: in MSP mode each tenant has a Verified ID authority of its own; write it as verifiedIdAuthority in the tenant's entry of TAPBOT_TENANTS_FILE instead")
	}
	own := c.tenantAuthorities()
	for _, name := range tenants {
		if own[name] == "" {
			p = append(p, fmt.Sprintf("TAPBOT_TENANTS_FILE: tenant %s: the policy asks for verifiedId, but the tenant has no verifiedIdAuthority; copy its Decentralized identifier (did:web:…) from its Entra admin center → Verified ID → Overview", name))
		}
	}
	return p
}

// tenantAuthorities maps each tenant of the tenants file that has a
// verifiedIdAuthority to it.
func (c Config) tenantAuthorities() map[string]string {
	if c.TenantsFile == nil {
		return nil
	}
	m := map[string]string{}
	for _, t := range c.TenantsFile.Tenants {
		if t.VerifiedIDAuthority != "" {
			m[t.Name] = t.VerifiedIDAuthority
		}
	}
	return m
}

// isHTTPSURL reports whether raw is an absolute https URL without query or
// fragment, or, with loopbackHTTP, plain http to a loopback address (for
// tests).
func isHTTPSURL(raw string, loopbackHTTP bool) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return loopbackHTTP && u.Scheme == "http" && ip != nil && ip.IsLoopback()
}

// newVerifier is the Verified ID client of the tenant gc signs in to,
// asking in authority's name; nil when authority is "" (the tenant does
// not verify with Verified ID) or no callback can reach tapbot (no api key
// or public URL: verifiedIDProblems refuses a policy that would need one).
// Its token comes from gc's own credential, for the Request Service's
// scope.
func (a *App) newVerifier(gc *graphclient.Client, authority string, client *http.Client) (approvals.IdentityVerifier, error) {
	if authority == "" || gc == nil || a.cfg.VerifiedIDAPIKey == "" || a.cfg.PublicURL == "" {
		return nil, nil
	}
	cfg := verifiedid.Config{
		Credential: gc.Credential(), Authority: authority, CallbackURL: a.cfg.verifiedIDCallbackURL(),
		APIKey: a.cfg.VerifiedIDAPIKey, Endpoint: a.cfg.VerifiedIDEndpoint,
	}
	if client != nil {
		cfg.Transport = client
	}
	v, err := verifiedid.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("verified id: %s", approvals.ErrorMessage(err))
	}
	return v, nil
}

// verifiedIDCallback builds the handler of the Request Service's callbacks,
// which hands each checked event to the service; nil when no api key is
// configured (then no presentation can have been started).
func (a *App) verifiedIDCallback() (http.Handler, error) {
	if a.cfg.VerifiedIDAPIKey == "" {
		return nil, nil
	}
	h, err := verifiedid.NewCallbackHandler(a.cfg.VerifiedIDAPIKey, a.svc.PresentationUpdate, a.log.With("component", "verifiedid"))
	if err != nil {
		return nil, fmt.Errorf("verified id callback: %s", approvals.ErrorMessage(err))
	}
	return h, nil
}

// mountVerifiedID serves the callbacks at POST callbackPath.
func (a *App) mountVerifiedID(mux *http.ServeMux) {
	if a.vidCallback != nil {
		mux.Handle("POST "+callbackPath, a.vidCallback)
	}
}
