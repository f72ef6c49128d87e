package main

import (
	"errors"
	"flag"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/tapbot/tapbot/approvals"
	tapdoctor "github.com/tapbot/tapbot/internal/doctor"
	"github.com/tapbot/tapbot/internal/outbound"
)

// doctor runs "tapbot doctor [--json] [flags]" (internal/doctor) with the
// settings serve would use. A configuration with problems is still checked
// as far as it goes; those problems are the first failed check. It returns
// an error (exit code 1) when a check failed, and a usageError (exit code
// 2) for a flag it does not know.
func doctor(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	asJSON := slices.ContainsFunc(args, isJSONFlag)
	cfg, err := LoadConfig(slices.DeleteFunc(slices.Clone(args), isJSONFlag), getenv, stderr)
	var cerr *ConfigError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return err
	case err != nil && !errors.As(err, &cerr):
		return usageError{err} // already explained by the flag set
	}
	s := doctorSettings(cfg)
	if cerr != nil {
		s.Problems = cerr.Problems
	}
	if asJSON {
		return tapdoctor.RunJSON(s, stdout)
	}
	return tapdoctor.Run(s, stdout)
}

func isJSONFlag(arg string) bool { return arg == "--json" || arg == "-json" }

// usageError is a command line tapbot cannot run: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// doctorSettings are the parts of c that doctor checks.
func doctorSettings(c Config) tapdoctor.Settings {
	s := tapdoctor.Settings{
		Secrets: secretValues(c), Outbound: doctorOutbound(c.Outbound),
		DBPath: c.DBPath, DatabaseURL: c.DatabaseURL, AuditKey: c.AuditKey, AuditKeyProblem: auditKeyProblem(c.AuditKey), MetricsListen: c.MetricsListen,
		Platforms: c.platforms(), Sandbox: c.Graph == "sandbox", Graph: c.graphConfig(),
		Requesters: accessKeys(c.Requesters), Approvers: accessKeys(c.Approvers), EntraGroups: c.usesEntraGroups(),
	}
	if pf := c.PolicyFile; pf != nil {
		s.Requesters = append(s.Requesters, accessKeys(pf.Requesters)...)
		s.Approvers = append(s.Approvers, accessKeys(pf.Approvers)...)
	}
	if c.slackEnabled() {
		s.Slack = &tapdoctor.Slack{BotToken: c.SlackBotToken, AppToken: c.SlackAppToken, APIURL: c.SlackAPIURL, ApprovalChannel: c.SlackApprovalChannel}
	}
	if c.teamsEnabled() {
		s.Teams = &tapdoctor.Teams{Bot: c.teamsBotConfig(), Listen: c.Listen}
	}
	s.Verify = c.doctorVerification(c.policy(nil), c.VerifiedIDAuthority)
	s.TenantsFile, s.Tenants = c.TenantsPath, doctorTenants(c)
	for _, t := range s.Tenants {
		if len(t.Customer.ClientSecret) >= 4 {
			s.Secrets = append(s.Secrets, t.Customer.ClientSecret)
		}
	}
	return s
}

// doctorTenants are the customer tenants of MSP mode, each with the
// problem of its own settings; none when the tenants file is not set or
// not usable.
func doctorTenants(c Config) []tapdoctor.Tenant {
	if c.TenantsFile == nil {
		return nil
	}
	out := make([]tapdoctor.Tenant, len(c.TenantsFile.Tenants))
	global, tenants := c.policy(nil), c.tenantConfigs(c.TenantsFile, nil)
	for i, t := range c.TenantsFile.Tenants {
		cu, err := customer(t)
		out[i] = tapdoctor.Tenant{Customer: cu, Domains: t.Domains, Verify: c.doctorVerification(tenants[i].PolicyFor(global), t.VerifiedIDAuthority)}
		if err != nil {
			out[i].Problem = err.Error()
		}
	}
	return out
}

// doctorOutbound builds the transport serve would use, and the same
// proxies without the extra CAs for the checks after a CA problem.
func doctorOutbound(o outbound.Settings) tapdoctor.Outbound {
	t, err := o.Transport()
	direct, _ := outbound.Settings{Proxy: o.Proxy}.Transport() // without a CertFile it cannot fail
	return tapdoctor.Outbound{Transport: t, Err: err, Direct: direct, Description: o.Describe()}
}

// secretValues are the configured secrets, which every printed line is
// scrubbed of, whatever an error message might echo.
func secretValues(c Config) []string {
	var out []string
	values := []string{c.SlackBotToken, c.SlackSigningSecret, c.SlackAppToken, c.AzureClientSecret, c.AzureCertPassword, c.TeamsAppPassword, c.TeamsAppCertPassword, c.AuditKey, c.VerifiedIDAPIKey}
	for _, proxy := range []string{c.Outbound.Proxy.HTTPSProxy, c.Outbound.Proxy.HTTPProxy, c.DatabaseURL} {
		if u, err := url.Parse(proxy); err == nil && u.User != nil {
			pw, _ := u.User.Password()
			values = append(values, pw)
		}
	}
	for _, s := range values {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	return out
}

// usesEntraGroups reports whether any setting names an Entra group.
func (c Config) usesEntraGroups() bool {
	ids := slices.Concat(c.Requesters, c.Approvers)
	if pf := c.PolicyFile; pf != nil {
		ids = slices.Concat(ids, pf.Requesters, pf.Approvers, pf.SeparateGroups)
		for _, r := range pf.Protect {
			if len(r.Groups) > 0 {
				return true
			}
		}
	}
	return slices.ContainsFunc(ids, func(id string) bool { return strings.HasPrefix(accessKey(id), "entra-group:") })
}

// doctorVerification is what policy p asks of end-user verification in a
// tenant whose verifier DID is authority, for doctor's checks.
func (c Config) doctorVerification(p approvals.Policy, authority string) tapdoctor.Verification {
	v, r := p.Verify, p.Verify.Risk
	out := tapdoctor.Verification{
		Facts:      v.Enabled() || slices.ContainsFunc(p.Protect, func(r approvals.ProtectRule) bool { return len(r.Verify) > 0 }),
		Risk:       len(r.Refuse) > 0 || len(r.Approvals) > 0 || r.Unchecked == approvals.RiskUncheckedRefuse,
		TargetMail: v.NotifyTarget.MailFrom != "",
	}
	used := usesVerifiedID(p)
	if !used && authority == "" && c.VerifiedIDAPIKey == "" {
		return out
	}
	out.VerifiedID = &tapdoctor.VerifiedID{Used: used, Authority: authority, APIKeySet: c.VerifiedIDAPIKey != "",
		SocketModeOnly: c.SlackAppToken != "" && !c.teamsEnabled()}
	if c.PublicURL != "" {
		out.VerifiedID.CallbackURL = c.verifiedIDCallbackURL()
	}
	return out
}
