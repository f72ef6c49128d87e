package metrics

import (
	"net/url"
	"testing"
)

func TestOutboundCallsAreNamedByTheirService(t *testing.T) {
	r := NewRouter("https://127.0.0.1:8443/v1.0/", "https://127.0.0.1:8443/", "")
	for _, tc := range []struct{ url, want string }{
		{"https://127.0.0.1:8443/v1.0/users/alice", "graph"},
		{"https://127.0.0.1:8443/contoso/oauth2/v2.0/token", "login"},
		{"https://slack.com/api/chat.postMessage", "slack"},
		{"https://hooks.slack.com/actions/T/1/x", "slack"},
		{"https://smba.trafficmanager.net/emea/v3/conversations", "teams"},
		{"https://login.botframework.com/v1/.well-known/openidconfiguration", "teams"},
		{"https://example.com/", "other"},
	} {
		u, _ := url.Parse(tc.url)
		if got := r.service(u); got != tc.want {
			t.Errorf("%s is named %q, want %q", tc.url, got, tc.want)
		}
	}
}
