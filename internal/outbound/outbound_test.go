package outbound

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutboundProxyFollowsTheEnvironment(t *testing.T) {
	env := map[string]string{
		"HTTPS_PROXY": "http://user:hunter2@proxy.corp.example:3128",
		"http_proxy":  "http://plain-proxy.corp.example:3128",
		"NO_PROXY":    "internal.example,.lan",
	}
	out := FromEnv(func(k string) string { return env[k] })
	tr, err := out.Transport()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url, want string
	}{
		{"https://graph.microsoft.com/v1.0/users", "http://user:hunter2@proxy.corp.example:3128"},
		{"https://slack.com/api/chat.postMessage", "http://user:hunter2@proxy.corp.example:3128"},
		{"http://hooks.example.com/x", "http://plain-proxy.corp.example:3128"},
		{"https://internal.example/api", ""},
		{"https://vault.lan/api", ""},
		{"https://127.0.0.1:8443/v1.0", ""}, // loopback is never proxied, as in Go and curl
	} {
		req, _ := http.NewRequest(http.MethodGet, tc.url, nil)
		got, err := tr.Proxy(req)
		if err != nil {
			t.Fatal(err)
		}
		if (got == nil && tc.want != "") || (got != nil && got.String() != tc.want) {
			t.Errorf("proxy for %s = %v, want %q", tc.url, got, tc.want)
		}
	}
	if d := out.Describe(); strings.Contains(d, "hunter2") || !strings.Contains(d, "proxy.corp.example:3128") || !strings.Contains(d, "NO_PROXY=internal.example,.lan") {
		t.Errorf("Describe() = %q: it must name the proxy and never its password", d)
	}
}

func TestOutboundRefusesAnUnusableCertFile(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, file, want string }{
		{"missing file", filepath.Join(dir, "missing.pem"), "cannot read"},
		{"file without a certificate", notPEM, "holds no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Settings{CertFile: tc.file}.Transport()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "SSL_CERT_FILE") {
				t.Fatalf("Transport() error = %v, want one naming SSL_CERT_FILE that says %q", err, tc.want)
			}
		})
	}
}
