// Package metrics is what tapbot exposes to Prometheus: request transitions
// (as an approvals.Observer) and outbound calls (as an http.RoundTripper),
// on a registry of its own.
package metrics

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tapbot/tapbot/approvals"
)

// Metrics is what tapbot exposes at /metrics, on a registry of its own so
// that no library can add series to it behind tapbot's back. No label ever
// holds a pass, a UPN, a user id or a URL path: labels are event types,
// states, service names, HTTP methods and status classes, each a small
// fixed set, and in MSP mode the configured names of the customer tenants.
type Metrics struct {
	reg            *prometheus.Registry
	tenants        map[string]bool // MSP mode: the tenant label's values; nil: no tenant label
	events         *prometheus.CounterVec
	finished       *prometheus.CounterVec
	toApproval     prometheus.Histogram
	toDelivery     prometheus.Histogram
	outbound       *prometheus.HistogramVec
	outboundErrors *prometheus.CounterVec
}

var _ approvals.Observer = (*Metrics)(nil)

// New registers every tapbot series plus the Go runtime and process
// collectors.
func New() *Metrics { return NewForTenants(nil) }

// NewForTenants is New for MSP mode: the request series carry a tenant
// label holding the configured name of the request's tenant, one of
// tenants (anything else counts as "other", so the label stays bounded).
// With no tenants it is New.
func NewForTenants(tenants []string) *Metrics {
	requestLabels := func(l string) []string { return []string{l} }
	var known map[string]bool
	if len(tenants) > 0 {
		known = make(map[string]bool, len(tenants))
		for _, t := range tenants {
			known[t] = true
		}
		requestLabels = func(l string) []string { return []string{l, "tenant"} }
	}
	m := &Metrics{
		reg:     prometheus.NewRegistry(),
		tenants: known,
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapbot_request_events_total",
			Help: "Request transitions committed, by audit event type (raised, approved, issued, delivered, denied, ...).",
		}, requestLabels("event")),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapbot_requests_finished_total",
			Help: "Times a request reached a final state, by that state (delivered, denied, cancelled, expired, failed, revoked); a re-issued request counts again.",
		}, requestLabels("state")),
		toApproval: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tapbot_request_approval_seconds",
			Help:    "Time from raising a request to its last required approval.",
			Buckets: []float64{10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200},
		}),
		toDelivery: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tapbot_request_delivery_seconds",
			Help:    "Time from a request's last required approval to its first pass reaching the requester (re-issues are not timed).",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
		outbound: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tapbot_outbound_request_duration_seconds",
			Help:    "Outbound HTTP calls until response headers, by service (graph, login, slack, teams, other), method and status class (2xx ... 5xx, or error when no response came).",
			Buckets: prometheus.DefBuckets,
		}, []string{"service", "method", "code"}),
		outboundErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tapbot_outbound_errors_total",
			Help: "Outbound HTTP calls that failed, by service and class: error (no response), 4xx or 5xx. Slack reports most API errors inside a 200 answer; those are not counted here.",
		}, []string{"service", "class"}),
	}
	m.reg.MustRegister(m.events, m.finished, m.toApproval, m.toDelivery, m.outbound, m.outboundErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// finalEvents maps the audit events that end a request to the state they
// end it in.
var finalEvents = map[string]approvals.State{
	approvals.EventDelivered: approvals.StateDelivered,
	approvals.EventDenied:    approvals.StateDenied,
	approvals.EventCancelled: approvals.StateCancelled,
	approvals.EventExpired:   approvals.StateExpired,
	approvals.EventFailed:    approvals.StateFailed,
	approvals.EventRevoked:   approvals.StateRevoked,
	// A manager's rejection denies the request; a manager nobody could
	// ask fails it, unless a callback stands in (the request stays pending).
	approvals.EventManagerRejected:    approvals.StateDenied,
	approvals.EventManagerUnreachable: approvals.StateFailed,
}

// Transition counts a committed transition and times the two waits a
// technician feels: for approvers, and for the pass after approval.
func (m *Metrics) Transition(r *approvals.Request, ev approvals.Event) {
	m.events.WithLabelValues(m.labels(ev.Type, r)...).Inc()
	if st, ok := finalEvents[ev.Type]; ok && r.State == st {
		m.finished.WithLabelValues(m.labels(string(st), r)...).Inc()
	}
	switch {
	case ev.Type == approvals.EventApproved && r.State != approvals.StatePending: // the final approval; the pass may be on its way in the same commit
		m.toApproval.Observe(ev.Time.Sub(r.CreatedAt).Seconds())
	case ev.Type == approvals.EventDelivered && r.Reissues == 0 && len(r.Approvals) > 0:
		m.toDelivery.Observe(ev.Time.Sub(r.Approvals[len(r.Approvals)-1].At).Seconds())
	}
}

// labels are a request series' label values: v, and in MSP mode r's
// tenant.
func (m *Metrics) labels(v string, r *approvals.Request) []string {
	if m.tenants == nil {
		return []string{v}
	}
	tenant := r.TenantName
	if !m.tenants[tenant] {
		tenant = "other"
	}
	return []string{v, tenant}
}

// Register adds collectors of other parts of tapbot (the audit webhook's) to
// the registry /metrics serves.
func (m *Metrics) Register(cs ...prometheus.Collector) { m.reg.MustRegister(cs...) }

// Instrument wraps next so that every call is measured under the service
// route names for its destination.
func (m *Metrics) Instrument(next http.RoundTripper, route Router) http.RoundTripper {
	return &measuredTransport{next: next, route: route, m: m}
}

// measuredTransport times outbound calls and counts their failures.
type measuredTransport struct {
	next  http.RoundTripper
	route Router
	m     *Metrics
}

// RoundTrip passes req on and records how it went.
func (t *measuredTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	service, class := t.route.service(req.URL), "error"
	if err == nil {
		class = strconv.Itoa(resp.StatusCode/100) + "xx"
	}
	t.m.outbound.WithLabelValues(service, methodLabel(req.Method), class).Observe(time.Since(start).Seconds())
	if class == "error" || class == "4xx" || class == "5xx" {
		t.m.outboundErrors.WithLabelValues(service, class).Inc()
	}
	return resp, err
}

// methodLabel keeps the method label to the methods tapbot uses.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return m
	}
	return "other"
}

// Router names the service an outbound call goes to from its
// destination alone: the configured Graph, sign-in and Slack bases, and
// the well-known Slack and Bot Framework hosts.
type Router struct {
	graph, login, slack *url.URL // nil when unknown
}

// NewRouter routes by the Graph and sign-in base URLs the Graph client
// uses and the Slack Web API base URL ("" for Slack's own).
func NewRouter(graphURL, authorityHost, slackAPI string) Router {
	var r Router
	if graphURL != "" {
		r.graph, _ = url.Parse(graphURL)
	}
	if authorityHost != "" {
		r.login, _ = url.Parse(authorityHost)
	}
	if slackAPI == "" {
		slackAPI = "https://slack.com/api/"
	}
	r.slack, _ = url.Parse(slackAPI)
	return r
}

// service is "graph", "login", "slack", "teams" or "other". Graph and the
// sign-in endpoint may share a host (sovereign proxies, test fakes): then
// the Graph base path decides.
func (r Router) service(u *url.URL) string {
	host := strings.ToLower(u.Hostname())
	switch {
	case sameHost(u, r.graph) && strings.HasPrefix(u.Path, r.graph.Path):
		return "graph"
	case sameHost(u, r.login):
		return "login"
	case sameHost(u, r.graph):
		return "graph"
	case sameHost(u, r.slack), host == "slack.com", strings.HasSuffix(host, ".slack.com"):
		return "slack"
	case strings.HasSuffix(host, "botframework.com"), host == "smba.trafficmanager.net":
		return "teams"
	}
	return "other"
}

func sameHost(u, base *url.URL) bool {
	return base != nil && strings.EqualFold(u.Host, base.Host)
}
