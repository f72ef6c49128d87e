package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// readyzPingTimeout bounds the database check of one /readyz. It is under
// the probes' timeoutSeconds (deploy/kubernetes/postgres), so a database
// that hangs fails the probe with a reason instead of timing it out.
const readyzPingTimeout = 2 * time.Second

// pinger is a store that can tell whether its database answers
// (pgstore.Store). A bbolt file, once open, always does.
type pinger interface {
	Ping(ctx context.Context) error
}

// healthz answers the liveness probe: the process serves HTTP. It never
// asks the database, since restarting tapbot would not bring one back.
func (a *App) healthz(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") }

// readyz answers the readiness probe: 503, saying why, while tapbot starts
// or shuts down and while its database does not answer, so that a load
// balancer sends requests only to replicas that can act on them.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	if !a.ready.Load() {
		http.Error(w, "not ready: starting or shutting down", http.StatusServiceUnavailable)
		return
	}
	if err := a.pingStore(r.Context()); err != nil {
		http.Error(w, "not ready: the database does not answer (tapbot's log says why)", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// pingStore checks that the database answers, and logs when it stops and
// when it starts again: once each, not at every probe.
func (a *App) pingStore(ctx context.Context) error {
	p, ok := a.store.(pinger)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, readyzPingTimeout)
	defer cancel()
	err := p.Ping(ctx)
	switch wasDown := a.storeDown.Swap(err != nil); {
	case err != nil && !wasDown:
		a.log.Warn("the database does not answer: not ready until it does", "db", a.cfg.storeName(), "err", err)
	case err == nil && wasDown:
		a.log.Info("the database answers again: ready", "db", a.cfg.storeName())
	}
	return err
}
