package main

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/internal/metrics"
)

// metricsListen sets TAPBOT_METRICS_LISTEN: host:port, or off.
func metricsListen(c *Config, v string) error {
	if v == "off" {
		c.MetricsListen = ""
		return nil
	}
	_, port, err := net.SplitHostPort(v)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q is not host:port like 127.0.0.1:9090 (:9090 listens on every interface), nor off", v)
	}
	c.MetricsListen = v
	return nil
}

// serveMetrics serves GET /metrics, and the admin endpoints (admin.go), on
// TAPBOT_METRICS_LISTEN, apart from the listener the internet reaches, and
// returns the function that stops it. An address that cannot be bound is
// logged and metrics stay off: they are not worth refusing passes over,
// and Prometheus shows the target down.
func (a *App) serveMetrics() (stop func()) {
	if a.cfg.MetricsListen == "" {
		return func() {}
	}
	ln, err := net.Listen("tcp", a.cfg.MetricsListen)
	if err != nil {
		a.log.Error("metrics not served: set TAPBOT_METRICS_LISTEN to a free address, or to off", "addr", a.cfg.MetricsListen, "err", err)
		return func() {}
	}
	addr := ln.Addr().String()
	a.metricsAddr.Store(&addr)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.Handler())
	a.mountAdmin(mux, ln.Addr()) // GET /admin/audit/*, for tapbot audit while the bot runs (admin.go)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	go func() { _ = srv.Serve(ln) }() // ends with ErrServerClosed when stopped
	a.log.Info("metrics serving", "addr", addr)
	return func() { _ = srv.Close() }
}

// MetricsAddr is the address /metrics is served on, or "" while it is not.
func (a *App) MetricsAddr() string {
	if p := a.metricsAddr.Load(); p != nil {
		return *p
	}
	return ""
}

// serviceRouter resolves cfg's endpoints the way the Graph client and the
// Slack front-end do, so each outbound call is measured under its service.
func serviceRouter(cfg Config) metrics.Router {
	ep, err := (graphclient.Config{Cloud: cfg.Cloud, GraphURL: cfg.GraphURL, AuthorityHost: cfg.AuthorityHost}).Endpoints()
	if err != nil {
		return metrics.NewRouter("", "", cfg.SlackAPIURL)
	}
	return metrics.NewRouter(ep.GraphURL, ep.AuthorityHost, cfg.SlackAPIURL)
}
