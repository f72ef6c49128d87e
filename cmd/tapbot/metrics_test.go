package main

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// scrape reads /metrics from the metrics listener as Prometheus would.
func (e *env) scrape() string {
	e.t.Helper()
	addr := e.app.MetricsAddr()
	if addr == "" {
		e.t.Fatal("tapbot serves no metrics listener")
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /metrics: HTTP %d %v", resp.StatusCode, err)
	}
	return string(body)
}

// sample returns the value of the series named exactly series (name and
// labels in the exposition's order), or -1 when it is absent.
func sample(scrape, series string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(scrape)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return -1
	}
	return v
}

func TestMetricsCountRequestsAndOutboundCallsWithoutPersonalData(t *testing.T) {
	e := startEnv(t, nil)
	e.command(requester, "alice@contoso.com 2h once new phone INC-4711")
	card := e.card()
	id := regexp.MustCompile(`TAP-[A-Z0-9]{6}`).FindString(card.Text)
	e.click(approver1, card, "tap_approve")
	e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered privately"))
	e.command(requester, "nobody@contoso.com 1h")
	e.reply("was not raised") // Graph answered 404 for the unknown user

	scrape := e.scrape()
	for _, tc := range []struct {
		series string
		min    float64 // at least this many
	}{
		{`tapbot_request_events_total{event="raised"}`, 1},
		{`tapbot_request_events_total{event="approved"}`, 1},
		{`tapbot_request_events_total{event="issued"}`, 1},
		{`tapbot_request_events_total{event="delivered"}`, 1},
		{`tapbot_requests_finished_total{state="delivered"}`, 1},
		{`tapbot_request_approval_seconds_count`, 1},
		{`tapbot_request_delivery_seconds_count`, 1},
		{`tapbot_outbound_request_duration_seconds_count{code="2xx",method="POST",service="login"}`, 1},
		{`tapbot_outbound_request_duration_seconds_count{code="2xx",method="GET",service="graph"}`, 1},
		{`tapbot_outbound_request_duration_seconds_count{code="2xx",method="POST",service="graph"}`, 1},
		{`tapbot_outbound_request_duration_seconds_count{code="2xx",method="POST",service="slack"}`, 3},
		{`tapbot_outbound_request_duration_seconds_count{code="4xx",method="GET",service="graph"}`, 1},
		{`tapbot_outbound_errors_total{class="4xx",service="graph"}`, 1},
	} {
		if got := sample(scrape, tc.series); got < tc.min {
			t.Errorf("%s = %v, want at least %v", tc.series, got, tc.min)
		}
	}
	if got := sample(scrape, `tapbot_requests_finished_total{state="delivered"}`); got != 1 {
		t.Errorf("one delivered request counted %v times", got)
	}
	issued := e.graph.Issued()
	if len(issued) != 1 {
		t.Fatalf("Graph issued %d passes, want 1", len(issued))
	}
	for _, personal := range []string{issued[0].Secret, "alice", "nobody", "contoso", issued[0].UserID, requester, approver1, id, "/v1.0", "/users"} {
		if strings.Contains(scrape, personal) {
			t.Errorf("the scrape contains %q", personal)
		}
	}
}

// get returns the HTTP status of GET url.
func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestMetricsAreServedOnlyOnTheirOwnListener(t *testing.T) {
	e := startEnv(t, nil)
	if status := get(t, e.base+"/metrics"); status != http.StatusNotFound {
		t.Fatalf("GET /metrics on the public listener: HTTP %d, want 404", status)
	}
	if status := get(t, e.base+"/healthz"); status != http.StatusOK {
		t.Fatalf("GET /healthz on the public listener: HTTP %d, want 200", status)
	}
	if !strings.Contains(e.scrape(), "go_goroutines") {
		t.Fatal("the metrics listener serves no metrics of tapbot's registry")
	}
	metrics := "http://" + e.app.MetricsAddr()
	for _, path := range []string{"/healthz", "/readyz", "/slack/commands"} {
		if status := get(t, metrics+path); status != http.StatusNotFound {
			t.Errorf("GET %s on the metrics listener: HTTP %d, want 404: it serves /metrics alone", path, status)
		}
	}
	if !e.logLine("metrics serving", "addr="+e.app.MetricsAddr()) {
		t.Errorf("no log line says where metrics are served:\n%s", e.logs.String())
	}
}

func TestMetricsListenDefaultsToLoopbackAndCanBeSwitchedOff(t *testing.T) {
	env := validEnv()
	read := func() (Config, error) { return LoadConfig(nil, func(k string) string { return env[k] }, io.Discard) }
	if c, err := read(); err != nil || c.MetricsListen != "127.0.0.1:9090" {
		t.Fatalf("default metrics listener %q (%v), want 127.0.0.1:9090", c.MetricsListen, err)
	}
	env["TAPBOT_METRICS_LISTEN"] = "off"
	if c, err := read(); err != nil || c.MetricsListen != "" {
		t.Fatalf("off gave metrics listener %q (%v), want none", c.MetricsListen, err)
	}
	for _, bad := range []string{"9090", "localhost:http-alt", "127.0.0.1:99999"} {
		env["TAPBOT_METRICS_LISTEN"] = bad
		if _, err := read(); err == nil || !strings.Contains(err.Error(), "TAPBOT_METRICS_LISTEN: \""+bad+"\" is not host:port") {
			t.Errorf("TAPBOT_METRICS_LISTEN=%s: err %v, want a clear problem", bad, err)
		}
	}
}
