package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
)

// requiredSlackScopes are the bot token scopes tapbot cannot work without:
// the slash command, posting cards, opening the requester's DM, looking up
// who clicked, and their verified e-mail, which matches them to Entra (a
// requester tapbot cannot match is refused: it could be their own account).
var requiredSlackScopes = []string{"commands", "chat:write", "im:write", "users:read", "users:read.email"}

// doctorTimeout bounds each check that calls out.
const doctorTimeout = 20 * time.Second

// doctor runs "tapbot doctor [flags]": with the settings serve would use, it
// checks each part tapbot depends on and prints one line per check, ✓ when
// it is fine and ✗ with the fix on the next line when it is not. A "!" line
// is a check doctor could not make (the bot may still work); it does not
// fail the run. It returns an error (exit code 1) when a check failed, and
// never prints a secret.
//
// The database is checked without disturbing a bot that is running: bbolt
// lets one process open the file, so a file locked by another process is
// reported as ✓ "in use by a running tapbot" rather than as a failure,
// because doctor is usually run next to the live bot.
func doctor(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := LoadConfig(args, getenv, stderr)
	var cerr *ConfigError
	if err != nil && !errors.As(err, &cerr) {
		return err // a flag error or --help, already explained by the flag set
	}
	d := &doctorRun{cfg: cfg, out: stdout, secrets: secretValues(cfg)}
	if cerr != nil {
		d.fail("configuration", fmt.Sprintf("%d problem(s):\n      - %s", len(cerr.Problems), strings.Join(cerr.Problems, "\n      - ")),
			"set the settings named above (tapbot serve --help lists them all); the checks below use what is set")
	} else {
		d.pass("configuration", "complete")
	}
	d.checkAll()
	if d.failed > 0 {
		return fmt.Errorf("doctor: %d of %d checks failed", d.failed, d.checks)
	}
	fmt.Fprintf(stdout, "All %d checks passed.\n", d.checks)
	return nil
}

// doctorRun is one doctor run: what it found so far and the clients the
// later checks reuse (nil when the check that builds them failed).
type doctorRun struct {
	cfg     Config
	out     io.Writer
	secrets []string
	checks  int
	failed  int

	client  *http.Client
	slack   *slack.Client
	botName string // the Slack bot's handle, from auth.test
	graph   *graphclient.Client
}

func (d *doctorRun) checkAll() {
	d.checkOutbound()
	d.checkDatabase()
	d.checkAuditKey()
	d.checkMetricsListen()
	if d.cfg.slackEnabled() {
		d.checkSlackToken()
		d.checkApprovalChannel()
	}
	d.checkGraph()
	d.checkPeople("requesters", d.cfg.Requesters, d.policyList(func(pf *PolicyFile) []string { return pf.Requesters }))
	d.checkPeople("approvers", d.cfg.Approvers, d.policyList(func(pf *PolicyFile) []string { return pf.Approvers }))
}

// secretValues are the configured secrets, which every printed line is
// scrubbed of, whatever an error message might echo.
func secretValues(c Config) []string {
	var out []string
	values := []string{c.SlackBotToken, c.SlackSigningSecret, c.SlackAppToken, c.AzureClientSecret, c.AzureCertPassword, c.TeamsAppPassword, c.TeamsAppCertPassword, c.AuditKey}
	for _, proxy := range []string{c.Outbound.Proxy.HTTPSProxy, c.Outbound.Proxy.HTTPProxy} {
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

func (d *doctorRun) print(mark, name, detail, fix string) {
	line := mark + " " + name + ": " + detail + "\n"
	if fix != "" {
		line += "    fix: " + fix + "\n"
	}
	for _, s := range d.secrets {
		line = strings.ReplaceAll(line, s, "[redacted]")
	}
	_, _ = io.WriteString(d.out, line)
}

// pass reports a check that is fine.
func (d *doctorRun) pass(name, detail string) { d.checks++; d.print("✓", name, detail, "") }

// fail reports a check that found a problem, and how to fix it.
func (d *doctorRun) fail(name, detail, fix string) {
	d.checks++
	d.failed++
	d.print("✗", name, detail, fix)
}

// warn reports a check doctor could not make; it does not fail the run.
func (d *doctorRun) warn(name, detail, fix string) { d.print("!", name, detail, fix) }

// skip reports a check left out because an earlier one failed.
func (d *doctorRun) skip(name, why string) { d.print("-", name, "skipped: "+why, "") }

func (d *doctorRun) policyList(get func(*PolicyFile) []string) []string {
	if d.cfg.PolicyFile == nil {
		return nil
	}
	return get(d.cfg.PolicyFile)
}

// checkOutbound builds the client serve would use; every later check
// goes through it, so a proxy or CA problem shows up there as well.
func (d *doctorRun) checkOutbound() {
	t, err := d.cfg.Outbound.Transport()
	if err != nil {
		d.fail("outbound network", err.Error(), "point SSL_CERT_FILE at a readable PEM file holding your CA certificate(s), or unset it")
		t, _ = Outbound{Proxy: d.cfg.Outbound.Proxy}.Transport()
	} else {
		d.pass("outbound network", d.cfg.Outbound.Describe())
	}
	d.client = &http.Client{Transport: t, Timeout: doctorTimeout}
}

// checkDatabase proves the database can be opened for writing and is
// tapbot's, or that a running tapbot holds it.
func (d *doctorRun) checkDatabase() {
	path := d.cfg.DBPath
	name := "database " + path
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := probeWritableDir(filepath.Dir(path)); err != nil {
			d.fail(name, "does not exist and cannot be created: "+err.Error(), "point TAPBOT_DB at a file in a directory tapbot can write (a persistent volume in Kubernetes)")
			return
		}
		d.pass(name, "does not exist yet; its directory is writable, so tapbot serve will create it")
		return
	}
	if inUse, err := approvals.InUse(path); err == nil && inUse { // a probe error: approvals.Open below explains it
		d.pass(name, "in use by a running tapbot (bbolt lets one process open it), so doctor left it alone")
		return
	}
	store, err := approvals.Open(path, approvals.WithAuditKey([]byte(d.cfg.AuditKey))) // a wrong key fails here, as in serve
	if err != nil {
		d.fail(name, plainError(err), "point TAPBOT_DB at a file tapbot can write, in a directory that exists (a persistent volume in Kubernetes); for an audit key problem, give the key the log was written with")
		return
	}
	defer store.Close()
	if from, err := store.AuditKeyedFrom(); err == nil && from != 0 && d.cfg.AuditKey == "" {
		d.fail(name, fmt.Sprintf("its audit log is chained with an audit key since event %d, and TAPBOT_AUDIT_KEY is not set, so tapbot serve refuses to start", from),
			"set TAPBOT_AUDIT_KEY_FILE to the key this database's audit log was written with")
		return
	}
	d.pass(name, fmt.Sprintf("writable tapbot database (schema %d)", approvals.SchemaVersion))
	d.checkStranded(store)
}

// checkAuditKey fails while TAPBOT_AUDIT_KEY is not set: without it the
// audit log is only hash-chained, which whoever can write the database can
// recompute after editing it. Whether a set key fits the database's log is
// the database check's to say.
func (d *doctorRun) checkAuditKey() {
	switch {
	case d.cfg.AuditKey == "":
		d.fail("audit key", "TAPBOT_AUDIT_KEY is not set, so anyone who can write the database can rewrite the audit log undetected",
			"create a key (openssl rand -base64 32), keep it outside the database's volume and backups, and give it as TAPBOT_AUDIT_KEY_FILE (a Kubernetes Secret, systemd LoadCredential=, a Compose secret)")
	case auditKeyProblem(d.cfg.AuditKey) != "":
		d.skip("audit key", "TAPBOT_AUDIT_KEY is not usable (see configuration)")
	default:
		d.pass("audit key", "set: new audit events are chained with an HMAC under it")
	}
}

// plainError is err for an operator: an approvals message without its code
// prefix, with its cause when it has one; a file system error without the
// path the line already names.
func plainError(err error) string {
	var e *approvals.Error
	var pe *fs.PathError
	switch {
	case errors.As(err, &e) && e.Message != "":
	case errors.As(err, &pe):
		return "cannot open: " + pe.Err.Error()
	default:
		return err.Error()
	}
	if e.Err != nil {
		return e.Message + " (" + e.Err.Error() + ")"
	}
	return e.Message
}

// probeWritableDir creates and removes a file in dir.
func probeWritableDir(dir string) error {
	f, err := os.CreateTemp(dir, ".tapbot-doctor-*")
	if err != nil {
		return errors.Unwrap(err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// checkSlackToken calls auth.test, which proves the token and names the
// bot, and reads the scopes Slack lists in its X-OAuth-Scopes header.
func (d *doctorRun) checkSlackToken() {
	if !strings.HasPrefix(d.cfg.SlackBotToken, "xoxb-") {
		d.skip("slack token", "SLACK_BOT_TOKEN is not a bot token (see configuration)")
		return
	}
	opts := []slack.Option{slack.OptionHTTPClient(d.client)}
	if d.cfg.SlackAPIURL != "" {
		opts = append(opts, slack.OptionAPIURL(d.cfg.SlackAPIURL))
	}
	api := slack.New(d.cfg.SlackBotToken, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), doctorTimeout)
	defer cancel()
	who, err := api.AuthTestContext(ctx)
	if err != nil {
		d.fail("slack token", "auth.test failed: "+err.Error(), "copy the Bot User OAuth Token (xoxb-…) again from your Slack app's OAuth & Permissions page; reinstall the app if it was revoked")
		return
	}
	d.slack, d.botName = api, who.User
	d.pass("slack token", fmt.Sprintf("valid: bot @%s in workspace %q", who.User, who.Team))
	d.checkSlackScopes(who.Header.Get("X-OAuth-Scopes"))
}

func (d *doctorRun) checkSlackScopes(header string) {
	if header == "" {
		d.warn("slack scopes", "Slack did not list the token's scopes, so doctor cannot check them", "make sure the bot has "+strings.Join(requiredSlackScopes, ", "))
		return
	}
	granted := splitList(header)
	var missing []string
	for _, s := range requiredSlackScopes {
		if !slices.Contains(granted, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		d.fail("slack scopes", "missing "+strings.Join(missing, ", "),
			"Slack app → OAuth & Permissions → Bot Token Scopes: add "+strings.Join(missing, ", ")+", then reinstall the app to the workspace (deploy/slack/manifest.yaml lists them all)")
		return
	}
	d.pass("slack scopes", strings.Join(requiredSlackScopes, ", ")+" granted")
}

// checkApprovalChannel asks conversations.info whether the channel exists
// and the bot is in it. That call needs channels:read (groups:read for a
// private channel), which tapbot itself does not: without it, doctor warns.
func (d *doctorRun) checkApprovalChannel() {
	name := "slack approval channel " + d.cfg.SlackApprovalChannel
	switch {
	case d.slack == nil:
		d.skip(name, "needs a valid Slack token")
		return
	case d.cfg.SlackApprovalChannel == "":
		d.skip(name, "SLACK_APPROVAL_CHANNEL is not set")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), doctorTimeout)
	defer cancel()
	ch, err := d.slack.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: d.cfg.SlackApprovalChannel})
	invite := "open the channel in Slack and type /invite @" + d.botName
	switch {
	case err != nil && err.Error() == "missing_scope":
		d.warn(name, "cannot check: conversations.info needs channels:read (groups:read for a private channel), which the manifests in deploy/slack grant", "add that scope and reinstall the app, or make sure the bot is in the channel: "+invite)
	case err != nil && err.Error() == "channel_not_found":
		d.fail(name, "not found (or private, and the bot is not in it)", "set SLACK_APPROVAL_CHANNEL to the channel's id (channel name → About → Channel ID) and "+invite)
	case err != nil:
		d.fail(name, "conversations.info failed: "+err.Error(), "check the channel id and the bot token")
	case ch.IsArchived:
		d.fail(name, "#"+ch.Name+" is archived", "unarchive it or choose another channel")
	case !ch.IsMember:
		d.fail(name, "#"+ch.Name+" exists but the bot is not a member, so approval cards cannot be posted", invite)
	default:
		d.pass(name, "#"+ch.Name+", the bot is a member")
	}
}

// checkGraph signs in as the app, compares the permissions its token
// carries with those tapbot needs, and reads the tenant's Temporary Access
// Pass policy.
func (d *doctorRun) checkGraph() {
	if d.cfg.Graph == "sandbox" {
		d.pass("microsoft graph", "sandbox mode: the built-in fake tenant; no real tenant to check")
		return
	}
	if d.cfg.AzureTenantID == "" || d.cfg.AzureClientID == "" {
		d.skip("graph sign-in", "needs AZURE_TENANT_ID and AZURE_CLIENT_ID")
		return
	}
	gc, err := graphclient.New(graphclient.Config{
		TenantID: d.cfg.AzureTenantID, ClientID: d.cfg.AzureClientID, ClientSecret: d.cfg.AzureClientSecret,
		CertificatePath: d.cfg.AzureCertPath, CertificatePassword: d.cfg.AzureCertPassword,
		Cloud: d.cfg.Cloud, GraphURL: d.cfg.GraphURL, AuthorityHost: d.cfg.AuthorityHost,
		HTTPClient: d.client, MaxRetries: 1, RetryDelay: 500 * time.Millisecond, Timeout: doctorTimeout,
	})
	if err != nil {
		d.fail("graph sign-in", approvals.ErrorMessage(err), "check AZURE_TENANT_ID, AZURE_CLIENT_ID and the credential settings")
		d.skipGraph()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*doctorTimeout)
	defer cancel()
	roles, err := gc.Roles(ctx)
	if err != nil {
		d.fail("graph sign-in", approvals.ErrorMessage(err), "") // graphclient's message says what to do
		d.skipGraph()
		return
	}
	d.graph = gc
	d.pass("graph sign-in", fmt.Sprintf("token obtained for app %s in tenant %s", d.cfg.AzureClientID, d.cfg.AzureTenantID))
	d.checkRoles(roles)
	d.checkTAPPolicy(ctx)
}

func (d *doctorRun) skipGraph() {
	d.skip("graph permissions", "needs a Graph sign-in")
	d.skip("tap policy", "needs a Graph sign-in")
}

// groupsPermission is the permission that only Entra groups in the access
// lists or the policy file need.
const groupsPermission = "GroupMember.Read.All"

func (d *doctorRun) checkRoles(roles []string) {
	var missing, unneeded []string
	for _, r := range graphclient.RequiredRoles() {
		switch {
		case slices.Contains(roles, r):
		case r == groupsPermission && !d.usesEntraGroups():
			unneeded = append(unneeded, r)
		default:
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		d.fail("graph permissions", "the token lacks "+strings.Join(missing, ", "),
			"Entra admin center → App registrations → "+d.cfg.AzureClientID+" → API permissions → Add a permission → Microsoft Graph → Application permissions: add "+
				strings.Join(missing, ", ")+", then Grant admin consent (deploy/entra/create-app.sh does both)")
		return
	}
	detail := strings.Join(slices.DeleteFunc(graphclient.RequiredRoles(), func(r string) bool { return slices.Contains(unneeded, r) }), ", ") + " consented"
	if len(unneeded) > 0 {
		detail += "; " + strings.Join(unneeded, ", ") + " is not, and no Entra group is configured that would need it"
	}
	d.pass("graph permissions", detail)
}

// usesEntraGroups reports whether any setting names an Entra group.
func (d *doctorRun) usesEntraGroups() bool {
	ids := slices.Concat(d.cfg.Requesters, d.cfg.Approvers)
	if pf := d.cfg.PolicyFile; pf != nil {
		ids = slices.Concat(ids, pf.Requesters, pf.Approvers, pf.SeparateGroups)
		for _, r := range pf.Protect {
			if len(r.Groups) > 0 {
				return true
			}
		}
	}
	return slices.ContainsFunc(ids, func(id string) bool { return strings.HasPrefix(accessKey(id), "entra-group:") })
}

func (d *doctorRun) checkTAPPolicy(ctx context.Context) {
	p, err := d.graph.TAPPolicy(ctx)
	switch {
	case err != nil:
		d.fail("tap policy", approvals.ErrorMessage(err), "")
	case !p.Enabled:
		d.fail("tap policy", "Temporary Access Pass is disabled in this tenant",
			"Entra admin center → Protection → Authentication methods → Policies → Temporary Access Pass: enable it for the users tapbot serves")
	default:
		once := "one-time or multi-use as asked"
		if p.UsableOnce {
			once = "one-time only (the tenant forces it)"
		}
		d.pass("tap policy", fmt.Sprintf("enabled; lifetime %s to %s, default %s; %d characters; %s",
			approvals.FormatMinutes(p.MinLifetime), approvals.FormatMinutes(p.MaxLifetime), approvals.FormatMinutes(p.DefaultLifetime), p.DefaultLength, once))
	}
}

// checkPeople resolves every configured requester or approver: Slack users
// through users.info (deactivated ones fail), Teams users through Graph
// (disabled accounts fail), Slack user groups through
// usergroups.users.list. Entra groups are not looked up.
func (d *doctorRun) checkPeople(list string, ids ...[]string) {
	all := slices.Concat(ids...)
	if len(all) == 0 {
		d.fail(list, "none configured, so nobody is one (tapbot denies by default)",
			"list Slack user ids in TAPBOT_"+strings.ToUpper(list))
		return
	}
	var found, problems, unchecked []string
	for _, id := range all {
		desc, problem, checked := d.resolve(id)
		switch {
		case !checked:
			unchecked = append(unchecked, desc)
		case problem != "":
			problems = append(problems, problem)
		default:
			found = append(found, desc)
		}
	}
	if len(found) == 0 && len(problems) == 0 {
		d.skip(list, "cannot look up "+strings.Join(unchecked, ", ")+" (needs a working Slack token, or Graph sign-in for Teams users; Entra groups are not looked up)")
		return
	}
	detail := fmt.Sprintf("%d found (%s)", len(found), strings.Join(found, ", "))
	if len(unchecked) > 0 {
		detail += "; not checked: " + strings.Join(unchecked, ", ")
	}
	if len(problems) > 0 {
		d.fail(list, strings.Join(problems, "; ")+"; "+detail, "correct or remove those ids in TAPBOT_"+strings.ToUpper(list)+" (Slack: profile → ⋮ → Copy member ID)")
		return
	}
	d.pass(list, detail)
}

// resolve looks up one configured id. It returns a description, a problem
// ("" when fine) and whether it could be checked at all.
func (d *doctorRun) resolve(id string) (desc, problem string, checked bool) {
	key := accessKey(id)
	platform, bare, _ := strings.Cut(key, ":")
	switch {
	case platform == "slack" && d.slack != nil:
		return d.resolveSlackUser(bare)
	case platform == "slack-group" && d.slack != nil:
		return d.resolveSlackGroup(bare)
	case platform == "teams" && d.graph != nil:
		return d.resolveEntraUser(bare)
	}
	return key, "", false
}

func (d *doctorRun) resolveSlackUser(id string) (string, string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), doctorTimeout)
	defer cancel()
	u, err := d.slack.GetUserInfoContext(ctx, id)
	switch {
	case err != nil && err.Error() == "user_not_found":
		return id, id + " is not a user of this Slack workspace", true
	case err != nil:
		return id, id + ": users.info failed: " + err.Error(), true
	case u.Deleted:
		return id, fmt.Sprintf("%s (@%s) is deactivated in Slack", id, u.Name), true
	case u.IsBot:
		return id, fmt.Sprintf("%s (@%s) is a bot, not a person", id, u.Name), true
	}
	return fmt.Sprintf("%s @%s", id, u.Name), "", true
}

func (d *doctorRun) resolveSlackGroup(id string) (string, string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), doctorTimeout)
	defer cancel()
	members, err := d.slack.GetUserGroupMembersContext(ctx, id)
	if err != nil {
		return id, "Slack user group " + id + ": usergroups.users.list failed: " + err.Error(), true
	}
	return fmt.Sprintf("group %s (%d members)", id, len(members)), "", true
}

func (d *doctorRun) resolveEntraUser(id string) (string, string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), doctorTimeout)
	defer cancel()
	u, err := d.graph.LookupUser(ctx, id)
	switch {
	case err != nil:
		return id, "Teams user " + id + ": " + approvals.ErrorMessage(err), true
	case !u.AccountEnabled:
		return id, fmt.Sprintf("Teams user %s (%s) has a disabled account", id, u.UPN), true
	}
	return fmt.Sprintf("%s %s", id, u.UPN), "", true
}
