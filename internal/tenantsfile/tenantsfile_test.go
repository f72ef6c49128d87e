package tenantsfile

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// accessEntry stands in for cmd/tapbot's validAccessEntry (whose own test
// parses deploy/tenants.example.yaml with the real one): Slack users and
// groups, Entra object ids and Entra groups.
var accessEntry = regexp.MustCompile(`^((slack:)?[UW][A-Z0-9]{2,}|(slack-group:)?S[A-Z0-9]{2,}|(teams:)?[0-9a-fA-F-]{36}|entra-group:[0-9a-fA-F-]{36})$`).MatchString

func secretFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestIssueExampleParses(t *testing.T) {
	secret := secretFile(t, "s3cr3t-value")
	data := fmt.Sprintf(`tenants:
  - name: contoso
    id: 11111111-1111-1111-1111-111111111111
    domains: [contoso.com, contoso.onmicrosoft.com]
    approvalChannel: C0CONTOSO
    teamsApprovalConversation: "19:abc123@thread.tacv2"
    requesters: [U0ALICE, S0TIER2]
    approvers: [U0BOB]
    approvalsRequired: 2
    clientId: 33333333-3333-3333-3333-333333333333
    clientSecretFile: %s
    verifiedIdAuthority: did:web:verifiedid.contoso.com
  - name: fabrikam
    id: 22222222-2222-2222-2222-222222222222
    domains: [fabrikam.com]
`, secret)
	f, problems := Parse([]byte(data), accessEntry)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if len(f.Tenants) != 2 {
		t.Fatalf("%d tenants, want 2", len(f.Tenants))
	}
	c, fab := f.Tenants[0], f.Tenants[1]
	if c.Name != "contoso" || c.ApprovalChannel != "C0CONTOSO" || len(c.Domains) != 2 || c.ClientSecretFile != secret || c.Line != 2 ||
		c.VerifiedIDAuthority != "did:web:verifiedid.contoso.com" {
		t.Errorf("contoso = %+v", c)
	}
	if *c.ApprovalsRequired != 2 || len(c.Requesters) != 2 || c.Approvers[0] != "U0BOB" {
		t.Errorf("contoso policy = %+v", c.Policy)
	}
	if fab.Requesters != nil || fab.ApprovalsRequired != nil || fab.AllowGuests != nil || fab.Line != 13 {
		t.Errorf("fabrikam sets what it does not write: %+v", fab)
	}
}

func TestEveryPolicyFileSettingMayBeOverridden(t *testing.T) {
	data := `tenants:
  - name: contoso
    id: 11111111-1111-1111-1111-111111111111
    domains: [contoso.com]
    requesters: []
    approvers: ["entra-group:5f1c2a9e-8d4b-4c1e-9a57-0d3e6b7f8a11"]
    approvalsRequired: 1
    separateGroups: [S0NIGHT, S0DAY]
    allowedDomains: [contoso.com]
    allowDisabledAccounts: false
    allowGuests: true
    reason: {required: true, minLength: 10, ticketPattern: 'CS-\d+'}
    limits: {requestsPerRequester: 5, window: 2h, targetCooldown: 30m}
    protect:
      - name: contoso break-glass
        upnPatterns: ["bg-*@contoso.com"]
        approvalsRequired: 2
    protectOff: ["directory role holders"]
    auditChannel: C0AUDITCON
    allowTechnicianTargets: "BG-2 contoso runbook"
    verify:
      steps: [callback]
      managerUnreachable: callback
      faceCheckThreshold: 80
      recentMethods: 72h
      risk: {refuse: [high], approvals: {medium: 2}, unchecked: refuse}
      notifyTarget: {mailFrom: it@contoso.com, teams: true, contact: "the desk on +1 555 0100"}
`
	f, problems := Parse([]byte(data), accessEntry)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	p := f.Tenants[0].Policy
	if p.Requesters == nil || len(p.Requesters) != 0 {
		t.Errorf("requesters: [] = %#v, want set to nobody", p.Requesters)
	}
	if p.AllowDisabledAccounts == nil || *p.AllowDisabledAccounts || !*p.AllowGuests {
		t.Errorf("allowDisabledAccounts/allowGuests = %v/%v", p.AllowDisabledAccounts, p.AllowGuests)
	}
	if *p.Reason.TicketPattern != `CS-\d+` || *p.Limits.Window != 2*time.Hour || *p.Limits.TargetCooldown != 30*time.Minute {
		t.Errorf("reason/limits = %+v %+v", p.Reason, p.Limits)
	}
	if len(p.Protect) != 1 || p.Protect[0].ApprovalsRequired != 2 || *p.AuditChannel != "C0AUDITCON" || *p.AllowTechnicianTargets == "" {
		t.Errorf("policy = %+v", p)
	}
	if v := p.Verify; v == nil || v.FaceCheckThreshold != 80 || v.RecentMethods != 72*time.Hour || v.Risk.Approvals["medium"] != 2 || !v.NotifyTarget.Teams {
		t.Errorf("verify = %+v", p.Verify)
	}
}

// head is a valid tenant entry on lines 2-4, to which cases add lines from 5.
const head = `tenants:
  - name: contoso
    id: 11111111-1111-1111-1111-111111111111
    domains: [contoso.com]
`

func TestEachProblemIsReportedWithItsLine(t *testing.T) {
	secret := secretFile(t, "value")
	empty := secretFile(t, "")
	missing := filepath.Join(t.TempDir(), "nothing-here")
	for _, tc := range []struct {
		name, yaml string
		line       int
		want       string
	}{
		{"unknown key", head + "    approvalChanel: C0X\n", 5, "approvalChanel is not a setting"},
		{"unknown nested key", head + "    reason: {requird: true}\n", 5, "requird is not a setting"},
		{"unknown top-level key", "tenant:\n" + head[len("tenants:\n"):], 1, "tenant is not a setting"},
		{"missing name", head + "  - id: 22222222-2222-2222-2222-222222222222\n    domains: [f.com]\n", 5, "tenant #2 needs a name"},
		{"missing id", head + "  - name: fabrikam\n    domains: [fabrikam.com]\n", 5, "tenant fabrikam needs an id"},
		{"missing domains", head + "  - name: fabrikam\n    id: 22222222-2222-2222-2222-222222222222\n", 5, "tenant fabrikam needs domains"},
		{"bad name", head + "  - name: Fabrikam Inc\n    id: 22222222-2222-2222-2222-222222222222\n    domains: [f.com]\n", 5, `name "Fabrikam Inc" must be`},
		{"bad guid", head + "  - name: fabrikam\n    id: 2222-2222\n    domains: [fabrikam.com]\n", 6, `id "2222-2222" is not an Entra tenant id`},
		{"bad domain", head + "  - name: fabrikam\n    id: 22222222-2222-2222-2222-222222222222\n    domains:\n      - fabrikam.com\n      - https://fabrikam.com\n", 9, `"https://fabrikam.com" is not a domain name`},
		{"duplicate name", head + "  - name: contoso\n    id: 22222222-2222-2222-2222-222222222222\n    domains: [fabrikam.com]\n", 5, "name contoso is already used by the tenant on line 2"},
		{"duplicate id", head + "  - name: fabrikam\n    id: 11111111-1111-1111-1111-111111111111\n    domains: [fabrikam.com]\n", 6, "already the id of the tenant on line 2"},
		{"duplicate domain names both tenants", head + "  - name: fabrikam\n    id: 22222222-2222-2222-2222-222222222222\n    domains: [fabrikam.com, CONTOSO.com]\n", 7, "domain CONTOSO.com is claimed by tenant contoso (line 2) and tenant fabrikam"},
		{"bad channel", head + "    approvalChannel: '#contoso'\n", 5, `approvalChannel "#contoso" is not a Slack channel id`},
		{"bad teams conversation", head + "    teamsApprovalConversation: general\n", 5, "is not a Teams conversation id"},
		{"secret and certificate", head + "    clientId: 33333333-3333-3333-3333-333333333333\n    clientSecretFile: " + secret + "\n    clientCertificatePath: " + secret + "\n", 7, "not both"},
		{"secret without client id", head + "    clientSecretFile: " + secret + "\n", 5, "needs the clientId"},
		{"client id without secret", head + "    clientId: 33333333-3333-3333-3333-333333333333\n", 5, "clientId needs clientSecretFile or clientCertificatePath"},
		{"secret file unreadable", head + "    clientId: 33333333-3333-3333-3333-333333333333\n    clientSecretFile: " + missing + "\n", 6, "cannot read " + missing},
		{"secret file empty", head + "    clientId: 33333333-3333-3333-3333-333333333333\n    clientSecretFile: " + empty + "\n", 6, empty + " is empty"},
		{"bad requester", head + "    requesters:\n      - U0ALICE\n      - alice@contoso.com\n", 7, `requesters: "alice@contoso.com" is not a Slack user`},
		{"bad approver group", head + "    approvers: [entra-group:nope]\n", 5, `approvers: "entra-group:nope"`},
		{"approvals required zero", head + "    approvalsRequired: 0\n", 5, "approvalsRequired must be at least 1"},
		{"approvals required not a number", head + "    approvalsRequired: two\n", 5, "cannot unmarshal"},
		{"bad ticket pattern", head + "    reason: {ticketPattern: 'INC-(\\d+'}\n", 5, "reason.ticketPattern"},
		{"weak protect rule", head + "    protect:\n      - name: vip\n        groups: [x]\n", 6, `protect "vip" must refuse, need at least 2 approvals, or name verification steps`},
		{"protect rule shadows a built-in one", head + "    protect:\n      - name: directory role holders\n        groups: [x]\n        refuse: true\n", 6, "has the name of a built-in rule"},
		{"unknown protectOff", head + "    protectOff: [admins]\n", 5, `protectOff: "admins" is not a built-in protect rule`},
		{"misspelt verify step", head + "    verify:\n      steps: [calback]\n", 6, `verify.steps: "calback" is not a verification step (callback, manager, verifiedId); did you mean "callback"?`},
		{"face check threshold too low", head + "    verify: {faceCheckThreshold: 30}\n", 5, "verify.faceCheckThreshold is 30"},
		{"unknown risk value", head + "    verify:\n      risk: {refuse: [severe]}\n", 6, `verify.risk.refuse: "severe" is no riskLevel`},
		{"mailFrom not an address", head + "    verify:\n      notifyTarget: {mailFrom: helpdesk, contact: the desk}\n", 6, `verify.notifyTarget.mailFrom: "helpdesk" is not an e-mail address`},
		{"verifier authority that is no DID", head + "    verifiedIdAuthority: verifiedid.contoso.com\n", 5, `verifiedIdAuthority "verifiedid.contoso.com" is not a DID`},
		{"unknown verify key", head + "    verify:\n      stepz: [callback]\n", 6, "stepz is not a setting"},
		{"misspelt protect rule step", head + "    protect:\n      - name: finance\n        groups: [x]\n        verify: [manger]\n", 6, `protect "finance": verify: "manger" is not a verification step`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := Parse([]byte(tc.yaml), accessEntry)
			for _, p := range problems {
				if strings.Contains(p.Message, tc.want) {
					if p.Line != tc.line {
						t.Fatalf("%q on line %d, want %d", p.Message, p.Line, tc.line)
					}
					return
				}
			}
			t.Fatalf("no problem says %q; got %v", tc.want, problems)
		})
	}
}

func TestSeveralProblemsAreReportedAtOnce(t *testing.T) {
	data := `tenants:
  - name: contoso
    id: 11111111-1111-1111-1111-111111111111
    domains: [contoso.com]
    colour: blue
  - name: fabrikam
    id: not-a-guid
    domains: [contoso.com]
    approvers: [bob]
  - name: contoso
    domains: []
`
	_, problems := Parse([]byte(data), accessEntry)
	want := []string{
		"line 5: colour is not a setting",
		`line 7: tenant fabrikam: id "not-a-guid"`,
		"line 8: domain contoso.com is claimed by tenant contoso (line 2) and tenant fabrikam",
		`line 9: tenant fabrikam: approvers: "bob"`,
		"line 10: name contoso is already used",
		"line 10: tenant contoso needs an id",
		"line 10: tenant contoso needs domains",
	}
	got := fmt.Sprint(problems)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("problems do not say %q:\n%s", w, strings.ReplaceAll(got, "} {", "}\n{"))
		}
	}
	if len(problems) != len(want) {
		t.Errorf("%d problems, want %d: %v", len(problems), len(want), problems)
	}
}

func TestProblemsNeverShowASecretFilesContent(t *testing.T) {
	secret := secretFile(t, "the-secret-value")
	data := head + "    clientSecretFile: " + secret + "\n    clientCertificatePath: " + secret + "\n"
	_, problems := Parse([]byte(data), accessEntry)
	if len(problems) == 0 {
		t.Fatal("no problems")
	}
	if got := fmt.Sprint(problems); strings.Contains(got, "the-secret-value") {
		t.Fatalf("a problem shows the secret: %s", got)
	}
}

func TestFileWithoutTenantsIsRefused(t *testing.T) {
	for _, data := range []string{"", "tenants: []\n", "tenants:\n"} {
		if _, problems := Parse([]byte(data), accessEntry); len(problems) == 0 {
			t.Errorf("%q accepted", data)
		}
	}
}

func TestMalformedYAMLIsOneProblem(t *testing.T) {
	_, problems := Parse([]byte("tenants:\n  - name: [contoso\n"), accessEntry)
	if len(problems) != 1 || !strings.Contains(problems[0].String(), "line") {
		t.Fatalf("problems = %v", problems)
	}
}

func TestWithoutAccessCheckNoEntryIsValid(t *testing.T) {
	_, problems := Parse([]byte(head+"    requesters: [U0ALICE]\n"), nil)
	if len(problems) != 1 {
		t.Fatalf("problems = %v, want U0ALICE refused (default deny)", problems)
	}
}

func TestLoadNamesAFileItCannotRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tenants.yaml")
	_, problems := Load(path, accessEntry)
	if len(problems) != 1 || !strings.Contains(problems[0].Message, path) {
		t.Fatalf("problems = %v", problems)
	}
}
