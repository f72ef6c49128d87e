package main

import (
	"flag"
	"fmt"
)

// The areas serve --help groups its settings in, in the order printed.
const (
	areaServer  = "Server"
	areaSlack   = "Slack"
	areaTeams   = "Microsoft Teams"
	areaEntra   = "Entra ID and Microsoft Graph"
	areaStore   = "Store"
	areaPolicy  = "Policy"
	areaVerify  = "End-user verification (Entra Verified ID)"
	areaObserve = "Observability"
	areaOther   = "Other"
)

var areaOrder = []string{areaServer, areaSlack, areaTeams, areaEntra, areaStore, areaPolicy, areaVerify, areaObserve, areaOther}

// settingAreas files each setting, by environment variable, under an area
// of --help. A setting missing here is listed under Other, so a new row of
// the settings table always shows.
var settingAreas = map[string]string{
	"TAPBOT_LISTEN": areaServer, "TAPBOT_SHUTDOWN_TIMEOUT": areaServer, "TAPBOT_TIMEZONE": areaServer, "TAPBOT_WORKERS": areaServer,
	"SLACK_APPROVAL_CHANNEL": areaSlack, "SLACK_AUDIT_CHANNEL": areaSlack, "SLACK_API_URL": areaSlack,
	"TEAMS_APP_ID": areaTeams, "TEAMS_APP_CERTIFICATE_PATH": areaTeams, "TEAMS_APP_TYPE": areaTeams, "TEAMS_APP_TENANT_ID": areaTeams,
	"TEAMS_APPROVAL_CONVERSATION": areaTeams, "TEAMS_REDACT_AFTER": areaTeams, "TEAMS_OPENID_METADATA_URL": areaTeams, "TEAMS_AUTHORITY_HOST": areaTeams,
	"TAPBOT_GRAPH": areaEntra, "AZURE_TENANT_ID": areaEntra, "AZURE_CLIENT_ID": areaEntra, "AZURE_CLIENT_CERTIFICATE_PATH": areaEntra,
	"TAPBOT_CLOUD": areaEntra, "TAPBOT_GRAPH_URL": areaEntra, "TAPBOT_AUTHORITY_HOST": areaEntra,
	"TAPBOT_DB": areaStore, "TAPBOT_SWEEP_INTERVAL": areaStore, "TAPBOT_LEASE_TTL": areaStore,
	"TAPBOT_REQUESTERS": areaPolicy, "TAPBOT_APPROVERS": areaPolicy, "TAPBOT_APPROVALS_REQUIRED": areaPolicy, "TAPBOT_REQUEST_TTL": areaPolicy,
	"TAPBOT_POLICY_FILE": areaPolicy, "TAPBOT_DELIVERY": areaPolicy, "TAPBOT_ALLOWED_DOMAINS": areaPolicy,
	"TAPBOT_PUBLIC_URL": areaVerify, "TAPBOT_VERIFIEDID_AUTHORITY": areaVerify, "TAPBOT_VERIFIEDID_ENDPOINT": areaVerify,
	"TAPBOT_LOG_FORMAT": areaObserve, "TAPBOT_LOG_LEVEL": areaObserve, "TAPBOT_METRICS_LISTEN": areaObserve,
}

// areaOf is the --help area of s.
func areaOf(s setting) string {
	if a, ok := settingAreas[s.env]; ok {
		return a
	}
	return areaOther
}

// printSettings lists the flags of fs area by area, in the settings
// table's order within each, in the layout of flag.PrintDefaults.
func printSettings(fs *flag.FlagSet) {
	w := fs.Output()
	for _, area := range areaOrder {
		header := false
		for _, s := range settings {
			f := fs.Lookup(s.flag)
			if areaOf(s) != area || f == nil {
				continue
			}
			if !header {
				fmt.Fprintf(w, "\n%s:\n", area)
				header = true
			}
			fmt.Fprintf(w, "  -%s string\n    \t%s\n", f.Name, f.Usage)
		}
	}
}
