package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// The customer tenants of the MSP-mode tests. contoso has a channel of its
// own; fabrikam uses the default one, takes requests from requester alone
// (not from both, whom the global list allows) and is approved by approver2
// alone; northwind's admin never consented.
const (
	contosoID   = "11111111-1111-1111-1111-111111111111"
	fabrikamID  = "22222222-2222-2222-2222-222222222222"
	northwindID = "33333333-3333-3333-3333-333333333333"
	contosoCh   = "CCONTOSO1"
)

const mspTenantsFile = `tenants:
  - name: contoso
    id: ` + contosoID + `
    domains: [contoso.com, contoso.onmicrosoft.com]
    approvalChannel: ` + contosoCh + `
  - name: fabrikam
    id: ` + fabrikamID + `
    domains: [fabrikam.com]
    requesters: [` + requester + `]
    approvers: [` + approver2 + `]
  - name: northwind
    id: ` + northwindID + `
    domains: [northwind.com]
`

// mspEnv is a tapbot in MSP mode with three customer tenants in the fake
// Graph, next to the MSP's home tenant (the default one).
type mspEnv struct {
	*env
	contoso, fabrikam, northwind *graphtest.Tenant
}

// startMSP starts tapbot with mspTenantsFile; before it starts, setup may
// hold or slow a tenant. vars are more settings, name then value.
func startMSP(t *testing.T, setup func(m *mspEnv), vars ...string) *mspEnv {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tenants.yaml")
	if err := os.WriteFile(path, []byte(mspTenantsFile), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TAPBOT_TENANTS_FILE": path, "AZURE_TENANT_ID": "msp-home-tenant"}
	for i := 0; i+1 < len(vars); i += 2 {
		env[vars[i]] = vars[i+1]
	}
	e, deps := newFakes(t, env, nil)
	m := &mspEnv{env: e,
		contoso:   e.graph.AddTenant(contosoID, "Contoso Ltd"),
		fabrikam:  e.graph.AddTenant(fabrikamID, "Fabrikam Inc"),
		northwind: e.graph.AddTenant(northwindID, "Northwind Traders"),
	}
	m.contoso.AddUser(graphtest.User{UPN: "alice@contoso.com", DisplayName: "Alice Andersen", AccountEnabled: true, Mail: "alice@contoso.com"})
	m.fabrikam.AddUser(graphtest.User{UPN: "frank@fabrikam.com", DisplayName: "Frank Fischer", AccountEnabled: true, Mail: "frank@fabrikam.com"})
	m.northwind.AddUser(graphtest.User{UPN: "nina@northwind.com", DisplayName: "Nina Nowak", AccountEnabled: true})
	e.graph.Consent(contosoID, "tapbot-client")
	e.graph.Consent(fabrikamID, "tapbot-client")
	m.northwind.SetConsentError(65001)
	e.slack.AddChannel(contosoCh, "contoso-approvals", true)
	if setup != nil {
		setup(m)
	}
	e.startApp(deps)
	t.Cleanup(e.scanForLeaks)
	t.Cleanup(func() { e.stopOnce() })
	e.waitReady()
	return m
}

func (m *mspEnv) cardIn(channel, upn string) slacktest.Message {
	return m.waitFor("approval card for "+upn, kind(slacktest.KindPostMessage, channel, upn))
}

func TestMSPRequestsGoToTheTenantOfTheUsersDomain(t *testing.T) {
	m := startMSP(t, nil)
	m.command(requester, "alice@contoso.com 1h new phone")
	card := m.cardIn(contosoCh, "alice@contoso.com")
	if !strings.Contains(shown(card), "contoso") || !strings.Contains(card.Text, "in contoso") {
		t.Fatalf("contoso's card does not name its tenant: %s", shown(card))
	}
	m.reply("(contoso) is waiting for approval in <#" + contosoCh + ">")
	if status := m.click(approver1, card, "tap_approve"); status != http.StatusOK {
		t.Fatalf("approve: HTTP %d", status)
	}
	pass := m.waitFor("contoso's pass", kind(slacktest.KindPostEphemeral, "", "Temporary Access Pass for"))
	if !strings.Contains(shown(pass), "[contoso]") {
		t.Errorf("the pass message does not name the tenant: %s", shown(pass))
	}
	if len(m.contoso.Issued()) != 1 || len(m.fabrikam.Issued()) != 0 || len(m.graph.Issued()) != 0 {
		t.Fatalf("passes: contoso %d, fabrikam %d, home %d; want 1, 0, 0", len(m.contoso.Issued()), len(m.fabrikam.Issued()), len(m.graph.Issued()))
	}

	m.command(requester, "frank@fabrikam.com 1h lost phone")
	fcard := m.cardIn(approvalsCh, "frank@fabrikam.com") // fabrikam has no channel of its own
	// approver1 approves for contoso; fabrikam's list is approver2 alone,
	// and the card is in the very channel approver1 can press buttons in.
	m.click(approver1, fcard, "tap_approve")
	m.reply("not an approver")
	if len(m.fabrikam.Issued()) != 0 {
		t.Fatal("contoso's approver got fabrikam a pass")
	}
	m.click(approver2, fcard, "tap_approve")
	m.waitFor("fabrikam's pass", kind(slacktest.KindPostEphemeral, "", "frank@fabrikam.com"))
	if len(m.fabrikam.Issued()) != 1 || len(m.contoso.Issued()) != 1 {
		t.Fatalf("passes: contoso %d, fabrikam %d; want 1 each", len(m.contoso.Issued()), len(m.fabrikam.Issued()))
	}

	// Each customer's token came from that customer's own authority.
	granted := map[string]bool{}
	for _, tr := range m.graph.TokenRequests() {
		if tr.Granted {
			granted[tr.Tenant] = true
		}
	}
	if !granted[contosoID] || !granted[fabrikamID] {
		t.Errorf("tokens granted by tenant: %v; want contoso's and fabrikam's own authorities", granted)
	}
	for _, r := range m.graph.Requests() {
		if strings.Contains(r.Path, "temporaryAccessPassMethods") && r.Method == http.MethodPost && r.Tenant != contosoID && r.Tenant != fabrikamID {
			t.Errorf("a pass was created with a token of tenant %q", r.Tenant)
		}
	}

	for _, want := range []string{"tenant=contoso", "tenant=fabrikam"} {
		if !strings.Contains(m.logs.String(), want) {
			t.Errorf("log lines lack %s", want)
		}
	}
	if s := m.scrape(); !strings.Contains(s, `tenant="contoso"`) || !strings.Contains(s, `tenant="fabrikam"`) {
		t.Errorf("metrics lack the tenant label:\n%s", grepLines(s, "tapbot_"))
	}

	named := map[string]string{}
	for _, ev := range m.storedAudit() {
		if ev.RequestID != "" && ev.TenantName == "" {
			t.Errorf("audit event %d (%s) names no tenant", ev.Seq, ev.Type)
		}
		named[ev.TenantName] = ev.Tenant
	}
	if named["contoso"] != contosoID || named["fabrikam"] != fabrikamID {
		t.Errorf("audit tenants = %v", named)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"audit", "export", "--db", m.dbPath}, func(k string) string { return m.vars[k] }, &out, &errOut); code != 0 {
		t.Fatalf("audit export: exit %d: %s", code, errOut.String())
	}
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		var rec struct{ RequestID, TenantName, Tenant string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.RequestID != "" && (rec.TenantName == "" || rec.Tenant == "") {
			t.Errorf("exported event names no tenant: %s", line)
		}
	}
}

func TestMSPUnknownDomainIsRefusedNamingIt(t *testing.T) {
	m := startMSP(t, nil)
	ack := m.command(requester, "eve@tailspin.example 1h")
	all := ack + m.reply("tailspin.example").Text
	if !strings.Contains(all, "TAPBOT_TENANTS_FILE") {
		t.Fatalf("refusal does not say how to add the domain: %s", all)
	}
	m.command(outsider, "eve@tailspin.example 1h")
	m.reply("not allowed to request")
	m.noCards()
}

func TestMSPTenantWithoutConsentIsNamedAndOthersWork(t *testing.T) {
	m := startMSP(t, nil)
	m.command(requester, "nina@northwind.com 1h")
	r := m.reply("northwind")
	if !strings.Contains(shown(r), "adminconsent") || !strings.Contains(shown(r), northwindID) {
		t.Fatalf("missing consent does not give the consent link: %s", shown(r))
	}
	m.command(requester, "alice@contoso.com 1h")
	card := m.cardIn(contosoCh, "alice@contoso.com")
	m.click(approver1, card, "tap_approve")
	m.waitFor("contoso's pass", kind(slacktest.KindPostEphemeral, "", "alice@contoso.com"))
	if len(m.northwind.Issued()) != 0 {
		t.Fatal("a pass was created in a tenant that never consented")
	}
}

func TestMSPHeldTenantDoesNotDelayAnother(t *testing.T) {
	var gate *graphtest.Gate
	m := startMSP(t, func(m *mspEnv) { gate = m.fabrikam.Hold() })
	defer gate.Release()
	m.command(requester, "frank@fabrikam.com 1h")
	select { // fabrikam's Graph (or its token endpoint) now holds the raise
	case <-gate.Arrived():
	case <-time.After(20 * time.Second):
		t.Fatal("fabrikam was never called")
	}
	m.command(requester, "alice@contoso.com 1h")
	card := m.cardIn(contosoCh, "alice@contoso.com")
	m.click(approver1, card, "tap_approve")
	m.waitFor("contoso's pass while fabrikam hangs", kind(slacktest.KindPostEphemeral, "", "alice@contoso.com"))
	gate.Release()
	m.cardIn(approvalsCh, "frank@fabrikam.com")
}

func TestMSPConfigProblemsAreReportedAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tenants.yaml")
	bad := `tenants:
  - name: contoso
    id: ` + contosoID + `
    domains: [contoso.com]
  - name: fabrikam
    id: ` + fabrikamID + `
    domains: [Contoso.com]
    colour: blue
`
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	e, _ := newFakes(t, map[string]string{"TAPBOT_TENANTS_FILE": path}, nil)
	_, err := LoadConfig(nil, func(k string) string { return e.vars[k] }, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "colour") || !strings.Contains(strings.ToLower(err.Error()), "domain contoso.com is claimed") {
		t.Fatalf("config error = %v; want the unknown key and the shared domain", err)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestMSPTenantAtFiveSecondsPerCallDoesNotSlowAnother(t *testing.T) {
	// The short shutdown timeout cancels fabrikam's raise at the end
	// instead of waiting for it.
	m := startMSP(t, func(m *mspEnv) { m.fabrikam.SetLatency(5 * time.Second) }, "TAPBOT_SHUTDOWN_TIMEOUT", "100ms")
	m.command(requester, "frank@fabrikam.com 1h") // its raise takes several 5 s calls
	m.command(requester, "alice@contoso.com 1h")
	card := m.cardIn(contosoCh, "alice@contoso.com")
	m.click(approver1, card, "tap_approve")
	m.waitFor("contoso's pass", kind(slacktest.KindPostEphemeral, "", "alice@contoso.com"))
	for _, msg := range m.slack.Messages() {
		if msg.Kind == slacktest.KindPostMessage && strings.Contains(shown(msg), "frank@fabrikam.com") {
			t.Fatal("fabrikam's card was posted before contoso's flow ended: contoso waited for the slow tenant, or fabrikam was not slow")
		}
		if strings.Contains(shown(msg), "frank@fabrikam.com") && strings.Contains(shown(msg), "not raised") {
			t.Fatalf("fabrikam's raise failed instead of being slow: %s", shown(msg))
		}
	}
	asked := false
	for _, tr := range m.graph.TokenRequests() {
		asked = asked || tr.Tenant == fabrikamID
	}
	for _, r := range m.graph.Requests() {
		asked = asked || r.Tenant == fabrikamID
	}
	if !asked {
		t.Fatal("fabrikam was never asked: the test proves nothing")
	}
}

func TestMSPHungTenantWithManyRequestsLeavesOthersAWorker(t *testing.T) {
	var gate *graphtest.Gate
	m := startMSP(t, func(m *mspEnv) { gate = m.fabrikam.Hold() }, "TAPBOT_WORKERS", "2")
	defer gate.Release()
	for range 3 { // more of fabrikam's requests than there are workers
		m.command(requester, "frank@fabrikam.com 1h")
	}
	select {
	case <-gate.Arrived():
	case <-time.After(20 * time.Second):
		t.Fatal("fabrikam was never called")
	}
	m.command(requester, "alice@contoso.com 1h")
	card := m.cardIn(contosoCh, "alice@contoso.com")
	m.click(approver1, card, "tap_approve")
	m.waitFor("contoso's pass while fabrikam hangs with every request", kind(slacktest.KindPostEphemeral, "", "alice@contoso.com"))
}

func TestMSPTenantsRequestersReplaceTheGlobalOnes(t *testing.T) {
	m := startMSP(t, nil)
	m.command(both, "frank@fabrikam.com 1h")
	m.reply("not allowed to request")
	m.command(both, "alice@contoso.com 1h") // contoso keeps the global list
	m.cardIn(contosoCh, "alice@contoso.com")
	for _, msg := range m.slack.Messages() {
		if msg.Kind == slacktest.KindPostMessage && strings.Contains(shown(msg), "frank@fabrikam.com") {
			t.Fatal("a card was posted for a request fabrikam's requesters do not include")
		}
	}
}

func TestMSPRunsWithoutAHomeTenant(t *testing.T) {
	m := startMSP(t, nil, "AZURE_TENANT_ID", "") // AZURE_TENANT_ID is optional in MSP mode
	m.command(requester, "alice@contoso.com 1h new phone")
	card := m.cardIn(contosoCh, "alice@contoso.com")
	m.click(approver1, card, "tap_approve")
	m.waitFor("contoso's pass", kind(slacktest.KindPostEphemeral, "", "alice@contoso.com"))
	for _, tr := range m.graph.TokenRequests() {
		if tr.Tenant != contosoID {
			t.Errorf("a token was asked of tenant %q; without a home tenant only the customer's authority is used", tr.Tenant)
		}
	}
}
