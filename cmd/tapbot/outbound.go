package main

import (
	"net/http"
	"time"

	"github.com/tapbot/tapbot/internal/metrics"
)

// outboundTimeout bounds one Slack call when tapbot builds its own client,
// as bot/slack does for its default client.
const outboundTimeout = 15 * time.Second

// withOutbound creates the app's metrics and returns deps with the one
// HTTP client every outbound call of the app goes through: deps.HTTPClient's
// transport when a test lends one, else the one cfg.Outbound describes,
// wrapped so that every call is measured. Slack, Teams, Entra sign-in and
// the Graph clients of every tenant share that transport, and with it its
// pool of kept connections (outbound.Tune): a burst reuses the
// connections of the one before, and Graph calls share an HTTP/2
// connection.
func (a *App) withOutbound(deps Deps) (Deps, error) {
	a.metrics = metrics.NewForTenants(a.cfg.tenantNames()) // tenants.go
	var base http.RoundTripper
	timeout := outboundTimeout
	if deps.HTTPClient != nil {
		base, timeout = deps.HTTPClient.Transport, deps.HTTPClient.Timeout
	}
	if base == nil {
		t, err := a.cfg.Outbound.Transport()
		if err != nil {
			return deps, err
		}
		base = t
	}
	deps.HTTPClient = &http.Client{Transport: a.metrics.Instrument(base, serviceRouter(a.cfg)), Timeout: timeout}
	return deps, nil
}
