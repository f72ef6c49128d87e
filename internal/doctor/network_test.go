package doctor

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	teamsbot "github.com/tapbot/tapbot/bot/teams"
	"github.com/tapbot/tapbot/graphclient"
)

// unreachable are settings whose every service is out of reach: Slack at
// a closed port of this host, the Entra sign-in host and Graph at names
// that never resolve (.invalid is reserved for that), so no network is
// needed to fail them.
func unreachable(t *testing.T) Settings {
	return Settings{
		Outbound: Outbound{Transport: &http.Transport{}, Description: "direct (no proxy)"},
		DBPath:   filepath.Join(t.TempDir(), "tapbot.db"),
		AuditKey: "an-audit-key-of-enough-length-0123456789",
		Slack:    &Slack{BotToken: "xoxb-unreachable", AppToken: "xapp-1-unreachable", APIURL: "http://127.0.0.1:1/api/", ApprovalChannel: "CAPPROVAL"},
		Graph: graphclient.Config{TenantID: "contoso-tenant", ClientID: "tapbot-client", ClientSecret: "graph-secret-value",
			AuthorityHost: "https://login.tapbot-doctor.invalid/", GraphURL: "https://graph.tapbot-doctor.invalid/v1.0"},
		Teams: &Teams{Bot: teamsbot.Config{AppID: "00000000-0000-0000-0000-0000000000b0", AppPassword: "teams-secret-value", TenantID: "contoso-tenant",
			ApprovalConversation: "19:approvals@thread.tacv2", Endpoints: teamsbot.Endpoints{AuthorityHost: "https://login.tapbot-doctor.invalid/"}}, Listen: ":8080"},
		Requesters: []string{"slack:UREQ0001"}, Approvers: []string{"slack:UAPP0001"},
		Secrets: []string{"xoxb-unreachable", "xapp-1-unreachable", "graph-secret-value", "teams-secret-value"},
	}
}

func TestDoctorReportsAnUnreachableServiceAsANetworkFailure(t *testing.T) {
	var out bytes.Buffer
	if err := Run(unreachable(t), &out); err == nil {
		t.Error("Run passed with every service unreachable")
	}
	for _, want := range []string{
		"✗ slack token: network: cannot reach 127.0.0.1:1 (connection refused or unreachable)",
		"✗ slack socket mode: network: cannot reach 127.0.0.1:1 (connection refused or unreachable)",
		"✗ graph sign-in: network: cannot reach login.tapbot-doctor.invalid (",
		"✗ teams bot token: network: cannot reach login.tapbot-doctor.invalid (",
		"fix: check DNS and the firewall, HTTPS_PROXY / NO_PROXY",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, wrong := range []string{"reinstall", "Bot User OAuth Token", "client secret"} {
		if strings.Contains(out.String(), wrong) {
			t.Errorf("a network failure is told as a credential problem (%q)", wrong)
		}
	}
	if t.Failed() {
		t.Logf("doctor output:\n%s", out.String())
	}
}

// Each kind of network failure gets its own words, from a real failed
// request: the operator's fix differs for DNS, a proxy, a CA and a port.
func TestEachKindOfNetworkFailureIsNamed(t *testing.T) {
	tlsServer := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsServer.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close() // accepts into its backlog and never answers
	for _, tc := range []struct {
		name, url, proxy string
		clientTimeout    time.Duration
		want             string
	}{
		{"closed port", "http://127.0.0.1:1/", "", 0, "connection refused or unreachable"},
		{"unresolvable name", "https://slack.tapbot-doctor.invalid/", "", 0, "DNS lookup of slack.tapbot-doctor.invalid failed"},
		{"untrusted certificate", tlsServer.URL, "", 0, "its TLS certificate is not signed by a trusted CA"},
		{"plain HTTP where TLS was expected", "https://" + strings.TrimPrefix(plain.URL, "http://"), "", 0, "it does not speak TLS there"},
		{"proxy down", "http://example.invalid/", "http://127.0.0.1:1", 0, "the proxy refused or dropped the connection"},
		{"no answer", "http://" + silent.Addr().String() + "/", "", 50 * time.Millisecond, "timed out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &http.Transport{}
			if tc.proxy != "" {
				proxy, _ := url.Parse(tc.proxy)
				tr.Proxy = http.ProxyURL(proxy)
			}
			client := &http.Client{Transport: tr, Timeout: tc.clientTimeout}
			_, err := client.Get(tc.url)
			if got := networkReason(err); got != tc.want {
				t.Errorf("networkReason(%v) = %q, want %q", err, got, tc.want)
			}
			if got := reasonInText(err.Error()); got == "" {
				t.Errorf("the text of %v alone is not recognised as a network failure", err)
			}
		})
	}
	if got := networkReason(errors.New("invalid_auth")); got != "" {
		t.Errorf("an answer was taken for a network failure: %q", got)
	}
}

func TestDoctorJSONIsOneDocumentCountingEachStatusWithoutSecrets(t *testing.T) {
	var out bytes.Buffer
	s := unreachable(t)
	s.Teams = nil // azidentity retries an unreachable sign-in for seconds; one such check is enough
	err := RunJSON(s, &out)
	if err == nil {
		t.Error("RunJSON passed with every service unreachable")
	}
	var r Report
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("not one JSON report: %v", err)
	}
	if dec.More() {
		t.Error("more than one JSON document")
	}
	counts := map[Status]int{}
	for _, c := range r.Checks {
		counts[c.Status]++
		if c.Name == "" || c.Detail == "" || marks[c.Status] == "" {
			t.Errorf("incomplete check %+v", c)
		}
	}
	if r.Passed != counts[Pass] || r.Failed != counts[Fail] || r.Warned != counts[Warn] || r.Skipped != counts[Skip] || r.Failed == 0 || r.Skipped == 0 {
		t.Errorf("counts %d/%d/%d/%d, checks say %v", r.Passed, r.Failed, r.Warned, r.Skipped, counts)
	}
	for _, secret := range unreachable(t).Secrets {
		if strings.Contains(out.String(), secret) {
			t.Errorf("the report holds a secret")
		}
	}
}
