package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/internal/tenantsfile"
)

const tenantsUsage = `Usage:
  tapbot tenants [flags]                    list the customer tenants of TAPBOT_TENANTS_FILE (MSP mode)
  tapbot tenants consent-url NAME [flags]   print the admin-consent link of tenant NAME (its name or tenant id)

The flags and environment are those of tapbot serve (tapbot serve --help);
only TAPBOT_TENANTS_FILE, AZURE_CLIENT_ID, TAPBOT_CLOUD and
TAPBOT_AUTHORITY_HOST are needed, and the approval channels are shown as
SLACK_APPROVAL_CHANNEL and TEAMS_APPROVAL_CONVERSATION set them.
`

// tenants runs "tapbot tenants [flags]" and "tapbot tenants consent-url
// NAME [flags]". It reads the settings as serve does, but needs only those
// it shows: no Slack, Teams or Azure secret, so it runs on an operator's
// machine. It returns a usageError (exit code 2) for an unknown command,
// flag or tenant, and an error (exit code 1) when the tenants file is not
// usable.
func tenants(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		fmt.Fprint(stdout, tenantsUsage)
		return nil
	}
	consentFor := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch {
		case args[0] != "consent-url":
			return usageError{fmt.Errorf("tenants: unknown command %q\n\n%s", args[0], tenantsUsage)}
		case len(args) < 2 || strings.HasPrefix(args[1], "-"):
			return usageError{errors.New("tenants consent-url: name the tenant, e.g. tapbot tenants consent-url contoso")}
		}
		consentFor, args = args[1], args[2:]
	}
	cfg, err := tenantsConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.TenantsFile == nil {
		if consentFor != "" {
			return usageError{fmt.Errorf("tenants consent-url: there is no tenant %q: %s", consentFor, singleTenantNote(cfg))}
		}
		fmt.Fprintln(stdout, singleTenantNote(cfg))
		return nil
	}
	if consentFor != "" {
		return printConsentURL(cfg, consentFor, stdout)
	}
	return listTenants(cfg, stdout)
}

// tenantsConfig loads the configuration as doctor does, and keeps only
// the problems of the tenants file: the command needs nothing else.
func tenantsConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	cfg, err := LoadConfig(args, getenv, stderr)
	var cerr *ConfigError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return cfg, err
	case err != nil && !errors.As(err, &cerr):
		return cfg, usageError{err} // already explained by the flag set
	case cerr == nil:
		return cfg, nil
	}
	var problems []string
	for _, p := range cerr.Problems {
		if strings.HasPrefix(p, "TAPBOT_TENANTS_FILE:") {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return cfg, &ConfigError{Problems: problems}
	}
	return cfg, nil
}

// singleTenantNote says that tapbot serves one tenant, and how to make it
// serve many.
func singleTenantNote(c Config) string {
	tenant := "AZURE_TENANT_ID, which is not set"
	if c.AzureTenantID != "" {
		tenant = "AZURE_TENANT_ID " + c.AzureTenantID
	}
	return "tapbot is in single-tenant mode: it serves the one tenant of " + tenant + ". " +
		"To serve several customer tenants from one tapbot (MSP mode), list them in a YAML file " +
		"(deploy/tenants.example.yaml shows every key) and set TAPBOT_TENANTS_FILE to its path."
}

// listTenants prints a line per tenant: its name, id, domains, where its
// approval cards go and which app signs in to it.
func listTenants(c Config, stdout io.Writer) error {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tTENANT ID\tDOMAINS\tSLACK CHANNEL\tTEAMS CONVERSATION\tAPP")
	for _, t := range c.TenantsFile.Tenants {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.ID, strings.Join(t.Domains, ", "),
			orDefault(t.ApprovalChannel, c.SlackApprovalChannel), orDefault(t.TeamsApprovalConversation, c.TeamsApprovalConversation), tenantApp(c, t))
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("tenants: write: %w", err)
	}
	return nil
}

// orDefault is a tenant's own setting, else the global one marked as the
// default, else "-".
func orDefault(own, global string) string {
	switch {
	case own != "":
		return own
	case global != "":
		return "(default " + global + ")"
	}
	return "-"
}

// tenantApp says which app registration signs in to the tenant.
func tenantApp(c Config, t tenantsfile.Tenant) string {
	switch {
	case t.ClientID != "":
		return "own app " + t.ClientID
	case c.AzureClientID != "":
		return "MSP app " + c.AzureClientID
	}
	return "MSP app (AZURE_CLIENT_ID not set)"
}

// findTenant is the tenant whose name is nameOrID, or whose tenant id is
// (case-insensitively), as approvals looks tenants up.
func findTenant(f *tenantsfile.File, nameOrID string) (tenantsfile.Tenant, bool) {
	for _, t := range f.Tenants {
		if t.Name == nameOrID || strings.EqualFold(t.ID, nameOrID) {
			return t, true
		}
	}
	return tenantsfile.Tenant{}, false
}

// printConsentURL prints the admin-consent link of the tenant's app for
// the tenant, and who must open it.
func printConsentURL(c Config, nameOrID string, stdout io.Writer) error {
	t, ok := findTenant(c.TenantsFile, nameOrID)
	if !ok {
		names := make([]string, len(c.TenantsFile.Tenants))
		for i, t := range c.TenantsFile.Tenants {
			names[i] = t.Name
		}
		return usageError{fmt.Errorf("tenants consent-url: no tenant %q in %s; its tenants are %s", nameOrID, c.TenantsPath, strings.Join(names, ", "))}
	}
	app, clientID := "the MSP's app", c.AzureClientID
	if t.ClientID != "" {
		app, clientID = t.Name+"'s own app", t.ClientID
	}
	if clientID == "" {
		return fmt.Errorf("tenants consent-url: tenant %s signs in with the MSP's app, but AZURE_CLIENT_ID is not set; set it to the application (client) id of your multi-tenant app registration", t.Name)
	}
	ep, err := graphclient.Config{Cloud: c.Cloud, GraphURL: c.GraphURL, AuthorityHost: c.AuthorityHost}.Endpoints()
	if err != nil {
		return fmt.Errorf("tenants consent-url: %s", approvals.ErrorMessage(err))
	}
	fmt.Fprintln(stdout, graphclient.ConsentURL(ep.AuthorityHost, t.ID, clientID, ""))
	fmt.Fprintf(stdout, "A Global Administrator or Privileged Role Administrator of %s (tenant %s) must open this link, sign in and accept, "+
		"which grants %s %s its application permissions there; the app must list the redirect URI %s (deploy/entra/create-app.sh --multi-tenant registers it).\n",
		t.Name, t.ID, app, clientID, graphclient.ConsentRedirect(ep.AuthorityHost))
	return nil
}
