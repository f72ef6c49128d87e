package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/auditship"
	"github.com/tapbot/tapbot/internal/webhooktest"
)

// The audit webhook's secrets in the end-to-end tests.
const (
	webhookSecret = "webhook-signing-secret-0123456789"
	hecAuth       = "Splunk 5a7f0e2c-0000-4e6a-hec-token"
)

// startWithWebhook starts tapbot with a fake SIEM receiver as its audit
// webhook, speaking format; the receiver checks the signature and the
// Splunk Authorization header of every delivery. At the end, nothing the
// receiver got may hold a pass or one of the webhook's secrets.
func startWithWebhook(t *testing.T, format string, vars map[string]string) (*env, *webhooktest.Server) {
	t.Helper()
	fake := webhooktest.NewServer()
	t.Cleanup(fake.Close)
	fake.RequireSignature([]byte(webhookSecret))
	fake.RequireHeader("Authorization", hecAuth)
	dir := t.TempDir()
	all := map[string]string{
		"TAPBOT_AUDIT_WEBHOOK": fake.URL(), "TAPBOT_AUDIT_WEBHOOK_FORMAT": format,
		"TAPBOT_AUDIT_WEBHOOK_HEADER_FILE": writeSecret(t, dir, "hec-header", "Authorization: "+hecAuth),
		"TAPBOT_AUDIT_WEBHOOK_SECRET_FILE": writeSecret(t, dir, "webhook-secret", webhookSecret),
	}
	maps.Copy(all, vars)
	e := startEnv(t, all)
	t.Cleanup(func() {
		sent := fake.Text()
		for _, p := range e.graph.Issued() {
			if strings.Contains(sent, p.Secret) {
				t.Errorf("pass %s was sent to the audit webhook", p.MethodID)
			}
		}
		for _, secret := range []string{webhookSecret, hecAuth, auditKey} {
			if strings.Contains(sent, secret) || strings.Contains(e.logs.String(), secret) {
				t.Error("a webhook secret or the audit key reached the webhook's bodies or the logs")
			}
		}
	})
	return e, fake
}

func writeSecret(t *testing.T, dir, name, value string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// accepted waits for the next n deliveries the receiver accepts.
func accepted(t *testing.T, fake *webhooktest.Server, n int) []webhooktest.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []webhooktest.Delivery
	for range n {
		d, err := fake.NextAccepted(ctx)
		if err != nil {
			t.Fatalf("after %d of %d deliveries: %v", len(out), n, err)
		}
		out = append(out, d)
	}
	return out
}

// inOrderOnce fails unless ds carry the seqs from, from+1, … once each.
func inOrderOnce(t *testing.T, ds []webhooktest.Delivery, from uint64) {
	t.Helper()
	for i, d := range ds {
		if d.Seq != from+uint64(i) {
			var seqs []uint64
			for _, d := range ds {
				seqs = append(seqs, d.Seq)
			}
			t.Fatalf("deliveries carried seqs %v, want %d, %d, … each once in order", seqs, from, from+1)
		}
	}
}

// waitSample scrapes /metrics until series has a value ok accepts.
func (e *env) waitSample(series string, ok func(float64) bool) float64 {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v := sample(e.scrape(), series)
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s stayed at %v", series, v)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAuditWebhookGetsEveryEventOnceInOrderAcrossARestart(t *testing.T) {
	e, fake := startWithWebhook(t, "splunk-hec", nil)
	e.deliverOne()
	first := accepted(t, fake, 5)
	inOrderOnce(t, first, 1)
	e.restartOnSameDB(nil)
	e.deliverOne()
	second := accepted(t, fake, 5)
	inOrderOnce(t, second, 6)
	e.stopOnce()
	if n := len(fake.Accepted()); n != 10 {
		t.Fatalf("the receiver accepted %d deliveries for 10 events: the restart sent some again", n)
	}

	delivered := second[4]
	rec := delivered.Record
	approvers, _ := rec["approvers"].([]any)
	switch {
	case !delivered.HEC || !bytes.Contains(delivered.Body, []byte(`"sourcetype":"tapbot:audit"`)):
		t.Fatalf("not a Splunk HEC event: %s", delivered.Body)
	case delivered.Header.Get("Authorization") != hecAuth:
		t.Fatal("the Splunk Authorization header was not sent")
	case rec["event"] != "delivered" || rec["targetUpn"] != "alice@contoso.com" || rec["methodId"] == "":
		t.Fatalf("record %s", delivered.Body)
	case rec["requester"].(map[string]any)["id"] != "slack:"+requester:
		t.Fatalf("requester %v", rec["requester"])
	case len(approvers) != 1 || approvers[0].(map[string]any)["id"] != "slack:"+approver1:
		t.Fatalf("approvers %v: want the one who approved", rec["approvers"])
	case !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(rec["mac"].(string)):
		t.Fatalf("mac %v", rec["mac"])
	}
}

func TestAuditWebhookOutageOfFiveMinutesBlocksNoPassAndLosesNoEvent(t *testing.T) {
	e, fake := startWithWebhook(t, "json", nil)
	fake.SetStatus(http.StatusServiceUnavailable)
	e.deliverOne() // the pass is issued and delivered while the SIEM is down
	const failures = "tapbot_audit_webhook_failures_total"
	for minute := 1.0; minute <= 5; minute++ {
		// Once tapbot has counted a failure it has set its retry time;
		// a minute later on its clock any backoff below 5 minutes is over.
		e.waitSample(failures, func(v float64) bool { return v >= minute })
		e.clock.Advance(time.Minute)
	}
	e.deliverOne() // and so is the next one
	e.waitSample("tapbot_audit_webhook_lag_events", func(v float64) bool { return v == 10 })
	if n := len(fake.Accepted()); n != 0 {
		t.Fatalf("the receiver accepted %d deliveries while it answered 503", n)
	}

	fake.SetStatus(0)
	seen := sample(e.scrape(), failures)
	e.clock.Advance(5 * time.Minute) // the longest backoff
	e.waitSample("tapbot_audit_webhook_lag_events", func(v float64) bool {
		if now := sample(e.scrape(), failures); now > seen { // a try in flight at recovery still got 503
			seen = now
			e.clock.Advance(5 * time.Minute)
		}
		return v == 0
	})
	e.stopOnce()
	inOrderOnce(t, fake.Accepted(), 1)
	if n := len(fake.Accepted()); n != 10 {
		t.Fatalf("the receiver accepted %d deliveries for 10 events", n)
	}
	if !e.logLine("level=WARN", "audit webhook delivery failed", "503 Service Unavailable", "retry_in=") {
		t.Fatalf("no warning about the failed deliveries:\n%s", e.logs.String())
	}
}

func TestAuditStdoutWritesEachEventAsOneLineOfTheSchema(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_AUDIT_STDOUT": "true"})
	e.deliverOne()
	var lines []string
	deadline := time.Now().Add(20 * time.Second)
	for len(lines) < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("stdout holds %d lines for 5 events:\n%s", len(lines), e.stdout.String())
		}
		time.Sleep(10 * time.Millisecond)
		lines = strings.Split(strings.TrimSuffix(e.stdout.String(), "\n"), "\n")
		if lines[0] == "" {
			lines = nil
		}
	}
	schema := loadSchema(t, auditSchemaPath)
	for i, line := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("line %d is not JSON: %q", i+1, line)
		}
		if problems := schemaProblems(schema, schema, v, "$"); len(problems) > 0 {
			t.Errorf("line %d does not fit %s:\n  %s\n%s", i+1, auditSchemaPath, strings.Join(problems, "\n  "), line)
		}
		if v["seq"] != float64(i+1) {
			t.Errorf("line %d carries seq %v", i+1, v["seq"])
		}
	}
	if !strings.Contains(lines[4], `"event":"delivered"`) || !strings.Contains(lines[4], `"approvers":[{"id":"slack:`+approver1) {
		t.Fatalf("the delivered line does not name its approver: %s", lines[4])
	}
}

func TestAuditFeedSettingsAreCheckedWithoutShowingSecrets(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"plain http off this host", map[string]string{"TAPBOT_AUDIT_WEBHOOK": "http://siem.example.com/in"}, "TAPBOT_AUDIT_WEBHOOK: use an https:// URL"},
		{"credentials in the URL", map[string]string{"TAPBOT_AUDIT_WEBHOOK": "https://user:url-password@siem.example.com/in"}, "send credentials as a header"},
		{"a malformed header file", map[string]string{"TAPBOT_AUDIT_WEBHOOK": "https://siem.example.com/in",
			"TAPBOT_AUDIT_WEBHOOK_HEADER_FILE": writeSecret(t, dir, "bad-header", "Splunk header-secret")}, "TAPBOT_AUDIT_WEBHOOK_HEADER: line 1 is not a header"},
		{"HEC without its token", map[string]string{"TAPBOT_AUDIT_WEBHOOK": "https://siem.example.com/services/collector/event", "TAPBOT_AUDIT_WEBHOOK_FORMAT": "splunk-hec"}, "Authorization: Splunk <HEC token>"},
		{"an unknown format", map[string]string{"TAPBOT_AUDIT_WEBHOOK_FORMAT": "syslog"}, `TAPBOT_AUDIT_WEBHOOK_FORMAT: "syslog" is neither json nor splunk-hec`},
		{"a secret without a webhook", map[string]string{"TAPBOT_AUDIT_WEBHOOK_SECRET": "lonely-secret"}, "TAPBOT_AUDIT_WEBHOOK_SECRET is set but TAPBOT_AUDIT_WEBHOOK is not"},
		{"a short admin token", map[string]string{"TAPBOT_ADMIN_TOKEN": "short-admin"}, "TAPBOT_ADMIN_TOKEN: 11 characters is too short"},
		{"stdout neither true nor false", map[string]string{"TAPBOT_AUDIT_STDOUT": "sometimes"}, `TAPBOT_AUDIT_STDOUT: "sometimes" is neither true nor false`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			maps.Copy(env, tc.vars)
			_, err := LoadConfig(nil, func(k string) string { return env[k] }, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			for _, secret := range []string{"url-password", "header-secret", "lonely-secret", "short-admin"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("the problem shows a secret: %v", err)
				}
			}
		})
	}
	env := validEnv()
	maps.Copy(env, map[string]string{"TAPBOT_AUDIT_WEBHOOK": "http://127.0.0.1:8088/in", "TAPBOT_AUDIT_STDOUT": "true"})
	if c, err := LoadConfig(nil, func(k string) string { return env[k] }, &bytes.Buffer{}); err != nil || !c.AuditStdout || c.AuditWebhookFormat != "json" {
		t.Fatalf("plain http to a receiver on this host: %+v %v", c.AuditWebhook, err)
	}
}

func TestSIEMExampleAndEveryRecordFieldAreInTheSchema(t *testing.T) {
	schema := loadSchema(t, auditSchemaPath)
	var example map[string]any
	if err := json.Unmarshal(readTestFile(t, "../../deploy/siem/example-issued.json"), &example); err != nil {
		t.Fatal(err)
	}
	if problems := schemaProblems(schema, schema, example, "$"); len(problems) > 0 {
		t.Errorf("deploy/siem/example-issued.json does not fit the schema:\n  %s", strings.Join(problems, "\n  "))
	}
	defs := schema["$defs"].(map[string]any)
	for _, tc := range []struct {
		typ    reflect.Type
		schema map[string]any
	}{
		{reflect.TypeFor[auditship.Record](), schema},
		{reflect.TypeFor[auditship.Person](), defs["person"].(map[string]any)},
		{reflect.TypeFor[auditship.Approver](), defs["approver"].(map[string]any)},
	} {
		props := tc.schema["properties"].(map[string]any)
		for _, f := range reflect.VisibleFields(tc.typ) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if _, ok := props[name]; !ok && !f.Anonymous {
				t.Errorf("%s.%s (%q) is shipped but not in %s", tc.typ.Name(), f.Name, name, auditSchemaPath)
			}
		}
	}
}

func readTestFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
