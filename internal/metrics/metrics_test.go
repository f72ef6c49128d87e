package metrics

import (
	"net/url"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tapbot/tapbot/approvals"
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

func TestVerificationOutcomesThatEndARequestCountAsFinished(t *testing.T) {
	m := New()
	denied := &approvals.Request{ID: "TAP-1", State: approvals.StateDenied}
	fallback := &approvals.Request{ID: "TAP-2", State: approvals.StatePending}
	failed := &approvals.Request{ID: "TAP-3", State: approvals.StateFailed}
	m.Transition(denied, approvals.Event{Type: approvals.EventManagerRejected})
	m.Transition(fallback, approvals.Event{Type: approvals.EventManagerUnreachable}) // a callback stands in: not finished
	m.Transition(failed, approvals.Event{Type: approvals.EventManagerUnreachable})
	m.Transition(fallback, approvals.Event{Type: approvals.EventVerifiedIDFailed})
	for state, want := range map[string]float64{"denied": 1, "failed": 1, "pending": 0} {
		if got := testutil.ToFloat64(m.finished.WithLabelValues(state)); got != want {
			t.Errorf("finished{state=%s} = %v, want %v", state, got, want)
		}
	}
	if got := testutil.ToFloat64(m.events.WithLabelValues(approvals.EventVerifiedIDFailed)); got != 1 {
		t.Errorf("events{type=verifiedid-failed} = %v, want 1", got)
	}
}
