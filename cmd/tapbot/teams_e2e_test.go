package main

import (
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/bot/teams/teamstest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// Teams identities of the end-to-end tests: Entra object ids.
const (
	teamsAppID     = "b07b07b0-7b07-4b07-8b07-b07b07b07b07"
	teamsPassword  = "teams-bot-client-secret"
	teamsApprovals = "19:tapapprovals@thread.tacv2"
	ritaID         = "aaaaaaaa-0000-4000-8000-000000000001" // may request
	arnoID         = "aaaaaaaa-0000-4000-8000-000000000002" // may approve
	beaID          = "aaaaaaaa-0000-4000-8000-000000000003" // may request and approve
	ottoID         = "aaaaaaaa-0000-4000-8000-000000000004" // configured as nothing
)

// teamsEnv is a running tapbot serving Teams (and Slack, unless the test
// switches it off) against the fake Bot Connector and Bot Framework keys of
// teamstest and the token endpoint of graphtest.
type teamsEnv struct {
	*env
	teams                 *teamstest.Server
	conv                  *teamstest.Conversation // the Teams users' side of their chats with tapbot
	rita, arno, bea, otto teamstest.User
}

// startTeamsEnv starts tapbot with Teams configured; vars override the
// environment as in startEnv.
func startTeamsEnv(t *testing.T, vars map[string]string) *teamsEnv {
	t.Helper()
	// The Entra the Azure Bot's app is registered in. The app's HTTP client
	// (the fake Graph's) trusts it: every httptest TLS server has the same
	// certificate.
	login := graphtest.NewServer()
	t.Cleanup(login.Close)
	fake := teamstest.NewServer(teamsAppID, teamsPassword, login)
	t.Cleanup(fake.Close) // after the app has stopped
	te := &teamsEnv{teams: fake}
	te.conv = fake.Converse(t, func() string { return te.base + "/api/messages" }, func() string { return te.logs.String() })
	te.rita = fake.AddUser(teamstest.User{AADObjectID: ritaID, Name: "Rita Requester", Personal: true})
	te.arno = fake.AddUser(teamstest.User{AADObjectID: arnoID, Name: "Arno Approver"})
	te.bea = fake.AddUser(teamstest.User{AADObjectID: beaID, Name: "Bea Both", Personal: true})
	te.otto = fake.AddUser(teamstest.User{AADObjectID: ottoID, Name: "Otto Outsider"})
	fake.AddChannel(teamsApprovals, "tap-approvals")
	env := map[string]string{
		"TAPBOT_REQUESTERS": strings.Join([]string{requester, both, ritaID, "teams:" + strings.ToUpper(beaID)}, ","),
		"TAPBOT_APPROVERS":  strings.Join([]string{approver1, approver2, both, arnoID, beaID}, ","),
		"TEAMS_APP_ID":      teamsAppID, "TEAMS_APP_PASSWORD": teamsPassword, "TEAMS_APP_TENANT_ID": teamstest.TenantID,
		"TEAMS_APPROVAL_CONVERSATION": teamsApprovals,
		"TEAMS_OPENID_METADATA_URL":   fake.OpenIDMetadataURL(), "TEAMS_AUTHORITY_HOST": login.AuthorityHost(),
	}
	for k, v := range vars {
		env[k] = v
	}
	te.env = startEnv(t, env)
	t.Cleanup(te.scanTeamsForLeaks) // runs before startEnv's cleanups, so it stops the app itself
	return te
}

// scanTeamsForLeaks proves that a pass reached the Bot Connector only in
// the message that delivered it to its requester's 1:1 chat, and that the
// bot's client secret reached neither the logs nor Teams.
func (te *teamsEnv) scanTeamsForLeaks() {
	te.stopOnce()
	personal := []string{te.teams.PersonalConversation(te.rita), te.teams.PersonalConversation(te.bea)}
	for _, p := range te.graph.AllIssued() { // every tenant's, in MSP mode
		for _, a := range te.teams.Leaks(p.Secret, personal...) {
			te.t.Errorf("pass %s found in a %s in %s", p.MethodID, a.Kind, a.Conversation)
		}
	}
	if strings.Contains(te.logs.String(), teamsPassword) || strings.Contains(te.teams.AllText(), teamsPassword) {
		te.t.Error("the Teams bot's client secret reached the logs or Teams")
	}
}

// deliver posts a to /api/messages as Teams would, with a token changed
// by opts, and returns the HTTP status.
func (te *teamsEnv) deliver(a schema.Activity, opts ...teamstest.TokenOption) int {
	te.t.Helper()
	return te.conv.Deliver(a, opts...)
}

// says makes u write text to tapbot in their 1:1 chat.
func (te *teamsEnv) says(u teamstest.User, text string) {
	te.t.Helper()
	te.conv.Say(u, text)
}

// press makes u press the action button of m.
func (te *teamsEnv) press(u teamstest.User, m teamstest.Activity, action string) {
	te.t.Helper()
	te.conv.Press(u, m, action)
}

// teamsWait returns the first connector call pred accepts that no earlier
// teamsWait returned, waiting for it if need be, in whatever order the
// bot's background work makes them (teamstest.Conversation.Wait).
func (te *teamsEnv) teamsWait(what string, pred func(teamstest.Activity) bool) teamstest.Activity {
	te.t.Helper()
	return te.conv.Wait(what, pred)
}

func (te *teamsEnv) chat(u teamstest.User) string { return te.teams.PersonalConversation(u) }

// teamsCard waits for the approval card of a new Teams request.
func (te *teamsEnv) teamsCard() teamstest.Activity {
	return te.teamsWait("approval card", teamstest.Sent(teamsApprovals, "Temporary Access Pass request"))
}

// storedRequests opens the database of a stopped app and lists its requests.
func (te *teamsEnv) storedRequests() []*approvals.Request {
	te.t.Helper()
	te.stopOnce()
	store, err := approvals.Open(te.dbPath)
	if err != nil {
		te.t.Fatal(err)
	}
	defer store.Close()
	reqs, err := store.List(nil)
	if err != nil {
		te.t.Fatal(err)
	}
	return reqs
}

func TestTeamsRequestApprovedDeliversPassPrivatelyAndRemovesIt(t *testing.T) {
	te := startTeamsEnv(t, map[string]string{"TEAMS_REDACT_AFTER": "300ms"})
	te.says(te.rita, "tap alice@contoso.com 2h once new phone INC-4711")
	te.teamsWait("acknowledgement", teamstest.Sent(te.chat(te.rita), "Checking the account of alice@contoso.com"))
	card := te.teamsCard()
	for _, want := range []string{"Rita Requester", "Alice Andersen", "alice@contoso.com", "2h", "one-time", "new phone INC-4711", "Waiting for approval"} {
		if !card.Shows(want) {
			t.Errorf("card lacks %q: %s", want, card.Card())
		}
	}
	te.press(te.arno, card, "approve")
	pass := te.teamsWait("the pass", teamstest.Sent(te.chat(te.rita), "Temporary Access Pass for"))
	issued := te.graph.Issued()
	if len(issued) != 1 || !issued[0].UsableOnce || issued[0].LifetimeMinutes != 120 {
		t.Fatalf("Graph issued %+v, want one one-time 2h pass", issued)
	}
	if !pass.Shows(issued[0].Secret) {
		t.Fatal("the pass message does not show the pass")
	}
	final := te.teamsWait("card shows delivery", teamstest.Updated(teamsApprovals, "Issued and delivered privately", "Arno Approver"))
	if final.ID != card.ID || final.Shows(issued[0].Secret) {
		t.Fatalf("card update %s: %s", final.ID, final.Card())
	}
	removed := te.teamsWait("the pass removed", teamstest.Updated(te.chat(te.rita), "was removed from this message"))
	if removed.ID != pass.ID || removed.Shows(issued[0].Secret) {
		t.Fatalf("removal updated %s (pass was %s): %s", removed.ID, pass.ID, removed.Shown())
	}
	if reqs := te.storedRequests(); len(reqs) != 1 || reqs[0].State != approvals.StateDelivered || reqs[0].Requester.Key() != "teams:"+ritaID {
		t.Fatalf("stored requests %+v", reqs)
	}
}

func TestTeamsSelfApprovalIsRefused(t *testing.T) {
	te := startTeamsEnv(t, nil)
	te.says(te.bea, "tap alice@contoso.com 1h reset")
	card := te.teamsCard()
	te.press(te.bea, card, "approve")
	te.teamsWait("refusal", teamstest.Sent(te.chat(te.bea), "can't approve your own request"))
	if n := len(te.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
	te.press(te.arno, card, "approve") // another approver still can
	te.teamsWait("the pass", teamstest.Sent(te.chat(te.bea), "Temporary Access Pass for"))
}

func TestTeamsNonApproversAreRefused(t *testing.T) {
	te := startTeamsEnv(t, nil)
	te.says(te.rita, "tap alice@contoso.com 1h")
	card := te.teamsCard()
	te.press(te.otto, card, "approve")
	te.teamsWait("outsider refused", teamstest.Sent(teamsApprovals, "not an approver"))
	te.press(te.rita, card, "deny")
	te.teamsWait("requester refused", teamstest.Sent(te.chat(te.rita), "not an approver"))
	te.stopOnce()
	if n := len(te.graph.Issued()); n != 0 {
		t.Fatalf("%d passes issued", n)
	}
	if cur, _ := te.teams.Current(teamsApprovals, card.ID); !cur.Shows("Waiting for approval") {
		t.Fatalf("card changed: %s", cur.Card())
	}
}

func TestTeamsUnauthenticatedActivitiesGet401AndChangeNothing(t *testing.T) {
	tests := []struct {
		name string
		opts []teamstest.TokenOption
		auth string // used instead of a token when set
	}{
		{name: "no token", auth: "none"},
		{name: "forged signature", opts: []teamstest.TokenOption{teamstest.SignedByStranger()}},
		{name: "expired", opts: []teamstest.TokenOption{teamstest.Expired()}},
		{name: "wrong audience", opts: []teamstest.TokenOption{teamstest.Audience("f00f00f0-0f00-4f00-8f00-f00f00f00f00")}},
		{name: "wrong issuer", opts: []teamstest.TokenOption{teamstest.IssuedBy("https://login.microsoftonline.com/evil/v2.0")}},
		{name: "wrong serviceUrl", opts: []teamstest.TokenOption{teamstest.ForServiceURL("https://evil.example/teams/")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := startTeamsEnv(t, nil)
			a := te.teams.Message(te.rita, "tap alice@contoso.com 1h")
			var status int
			if tt.auth != "" {
				var err error
				if status, err = te.teams.DeliverWith(t.Context(), te.base+"/api/messages", a, ""); err != nil {
					t.Fatal(err)
				}
			} else {
				status = te.deliver(a, tt.opts...)
			}
			if status != http.StatusUnauthorized {
				t.Fatalf("HTTP %d, want 401", status)
			}
			te.nothingChanged()
		})
	}
}

func TestSlackAndTeamsShareOneProcessAndStore(t *testing.T) {
	te := startTeamsEnv(t, nil)
	te.command(requester, "alice@contoso.com 1h slack side")
	slackCard := te.card()
	te.says(te.rita, "tap carol@contoso.com 1h teams side")
	teamsCard := te.teamsCard()

	if status := te.click(approver1, slackCard, "tap_approve"); status != http.StatusOK {
		t.Fatalf("slack approve: HTTP %d", status)
	}
	te.press(te.arno, teamsCard, "approve")
	te.waitFor("the Slack pass", kind(slacktest.KindPostEphemeral, te.dmOf(requester), "Temporary Access Pass for"))
	te.teamsWait("the Teams pass", teamstest.Sent(te.chat(te.rita), "Temporary Access Pass for"))

	// A Slack approver may deny a Teams request by id: one store, one rule.
	te.says(te.rita, "tap alice@contoso.com 2h another")
	id := teamsRequestID(t, te.teamsCard())
	te.command(approver2, "deny "+id+" not today")
	te.teamsWait("Teams card shows the Slack denial", teamstest.Updated(teamsApprovals, "Denied by", "not today"))

	reqs := te.storedRequests()
	platforms := make([]string, len(reqs))
	for i, r := range reqs {
		platforms[i] = r.Requester.Platform + ":" + string(r.State)
	}
	slices.Sort(platforms)
	want := []string{"slack:delivered", "teams:delivered", "teams:denied"}
	if !slices.Equal(platforms, want) {
		t.Fatalf("stored requests %v, want %v", platforms, want)
	}
}

func TestTeamsOnlyConfigurationNeedsNoSlack(t *testing.T) {
	te := startTeamsEnv(t, map[string]string{
		"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": "", "SLACK_SIGNING_SECRET_FILE": "", "SLACK_APPROVAL_CHANNEL": "", "SLACK_API_URL": "",
		"TAPBOT_REQUESTERS": ritaID, "TAPBOT_APPROVERS": arnoID,
	})
	resp, err := http.Post(te.base+"/slack/commands", "application/x-www-form-urlencoded", strings.NewReader("text=help"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/slack/commands: HTTP %d, want 404 without Slack", resp.StatusCode)
	}
	te.says(te.rita, "help")
	te.teamsWait("help", teamstest.Sent(te.chat(te.rita), "How to use tap"))
}

func TestTeamsConfigProblemsAreReported(t *testing.T) {
	env := map[string]string{
		"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s",
		"TEAMS_APP_ID": "not-a-guid", "TEAMS_APPROVAL_CONVERSATION": "#approvals", "TEAMS_APP_TENANT_ID": "contoso",
		"TAPBOT_REQUESTERS": "alice", "TEAMS_REDACT_AFTER": "soon",
	}
	_, err := LoadConfig(nil, func(k string) string { return env[k] }, io.Discard)
	ce, ok := err.(*ConfigError)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"TEAMS_REDACT_AFTER", `TEAMS_APP_ID: "not-a-guid"`, "TEAMS_APP_PASSWORD: missing", `TEAMS_APP_TENANT_ID: "contoso"`,
		`TEAMS_APPROVAL_CONVERSATION: "#approvals"`, `TAPBOT_REQUESTERS: "alice"`,
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing problem %q in:\n%v", w, err)
		}
	}
	if len(ce.Problems) != len(want) {
		t.Errorf("%d problems, want %d (Slack is optional with Teams):\n%v", len(ce.Problems), len(want), err)
	}
}

func TestConfiguredIDsBecomePrincipalKeys(t *testing.T) {
	tests := []struct{ in, want string }{
		{"U0123ABCD", "slack:U0123ABCD"},
		{"slack:W0123ABCD", "slack:W0123ABCD"},
		{"AAAAAAAA-0000-4000-8000-00000000000A", "teams:aaaaaaaa-0000-4000-8000-00000000000a"},
		{"teams:aaaaaaaa-0000-4000-8000-000000000001", "teams:aaaaaaaa-0000-4000-8000-000000000001"},
	}
	for _, tt := range tests {
		if got := principalKey(tt.in); got != tt.want {
			t.Errorf("principalKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// teamsRequestID reads the request id off a Teams approval card.
func teamsRequestID(t *testing.T, card teamstest.Activity) string {
	t.Helper()
	return teamstest.RequestID(t, card)
}

func TestTeamsAppTypeDecidesTheBotsCredential(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string // the problem reported; "" for none
	}{
		{"managed identity needs no password", map[string]string{"TEAMS_APP_TYPE": "UserAssignedMSI", "TEAMS_APP_PASSWORD": ""}, ""},
		{"managed identity with a password", map[string]string{"TEAMS_APP_TYPE": "UserAssignedMSI"}, "remove TEAMS_APP_PASSWORD"},
		{"managed identity without a tenant", map[string]string{"TEAMS_APP_TYPE": "UserAssignedMSI", "TEAMS_APP_PASSWORD": "", "TEAMS_APP_TENANT_ID": ""}, "TEAMS_APP_TENANT_ID: missing"},
		{"single tenant without a tenant", map[string]string{"TEAMS_APP_TYPE": "SingleTenant", "TEAMS_APP_TENANT_ID": ""}, "TEAMS_APP_TENANT_ID: missing"},
		{"multi tenant with a tenant", map[string]string{"TEAMS_APP_TYPE": "MultiTenant"}, "leave TEAMS_APP_TENANT_ID empty"},
		{"unknown type", map[string]string{"TEAMS_APP_TYPE": "Bot"}, `TEAMS_APP_TYPE: "Bot" is none of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := validEnv()
			maps.Copy(env, map[string]string{
				"TEAMS_APP_ID": teamsAppID, "TEAMS_APP_PASSWORD": teamsPassword, "TEAMS_APP_TENANT_ID": teamstest.TenantID,
				"TEAMS_APPROVAL_CONVERSATION": teamsApprovals,
			})
			maps.Copy(env, tt.vars)
			_, err := LoadConfig(nil, func(k string) string { return env[k] }, io.Discard)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestTeamsManagedIdentityBotStartsWithoutAPassword(t *testing.T) {
	te := startTeamsEnv(t, map[string]string{"TEAMS_APP_TYPE": "UserAssignedMSI", "TEAMS_APP_PASSWORD": ""})
	if te.app.teams == nil {
		t.Fatal("the Teams front-end is off")
	}
	if n := len(te.teams.TokenRequests()); n != 0 {
		t.Fatalf("%d token requests at start, want none before the first message", n)
	}
}
