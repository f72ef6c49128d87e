package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	slackbot "github.com/tapbot/tapbot/bot/slack"
	teamsbot "github.com/tapbot/tapbot/bot/teams"
	"github.com/tapbot/tapbot/graphclient"
	"github.com/tapbot/tapbot/graphclient/graphtest"
	"github.com/tapbot/tapbot/internal/identity"
	"github.com/tapbot/tapbot/internal/metrics"
)

// Deps are what the outside world lends the app; tests replace them.
type Deps struct {
	HTTPClient *http.Client     // outbound calls; nil: proxy-aware default
	Now        func() time.Time // nil: time.Now
	LogOutput  io.Writer        // nil: stderr
	Crashpoint func(string)     // crash tests only (crash.go)
	Stdout     io.Writer        // audit lines of TAPBOT_AUDIT_STDOUT (siem.go); nil: os.Stdout
	Reload     <-chan os.Signal // each signal re-reads the policy file (reload.go); serve passes SIGHUP
}

// App is a wired tapbot: store, Graph client, Slack front-end and service.
type App struct {
	cfg     Config
	log     *slog.Logger
	store   approvals.Store
	leaser  approvals.Leaser // which replica this is, and which background loops it runs (leases.go)
	leases  io.Closer        // the PostgreSQL leases, ended before the store closes; nil on the bbolt file
	svc     *approvals.Service
	slack   *slackbot.Bot
	teams   *teamsbot.Bot // nil unless Teams is configured (teams.go)
	sandbox *graphtest.Server
	metrics *metrics.Metrics // served at /metrics; observes the service
	ready   atomic.Bool
	// storeDown: the database did not answer the last /readyz (readiness.go).
	storeDown atomic.Bool

	now       func() time.Time     // the service's clock
	headEvery time.Duration        // how often the audit head is logged (audithead.go)
	headAt    time.Time            // when it was last logged
	people    approvals.Identities // who technicians are in Entra, cached
	reload    policyReload         // re-reading the policy file (reload.go)
	// metricsAddr is where /metrics is served, once it is (metrics.go).
	metricsAddr atomic.Pointer[string]
	// feeds ship the audit log to stdout and the webhook (siem.go).
	feeds auditFeeds
	// vidCallback takes Entra Verified ID's callbacks (verifiedid.go); nil
	// when Verified ID is not configured.
	vidCallback http.Handler
}

var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

func newLogger(cfg Config, out io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: logLevels[cfg.LogLevel]}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// NewApp opens the store and builds every part. It talks to nobody yet.
func NewApp(cfg Config, deps Deps, log *slog.Logger) (*App, error) {
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, now: deps.Now, headEvery: auditHeadEvery}
	if a.now == nil {
		a.now = time.Now
	}
	if deps, err = a.withOutbound(deps); err != nil { // one measured, proxy-aware client (outbound.go)
		return nil, err
	}
	a.feeds = auditFeeds{client: deps.HTTPClient, stdout: deps.Stdout}
	tenant, base, err := a.tenant(deps)
	if err != nil {
		return nil, err
	}
	a.reload = policyReload{signals: deps.Reload, graph: tenant, seen: stampOf(cfg.PolicyPath)}
	if err = a.openStore(); err != nil { // store.go
		a.closeSandbox()
		return nil, err
	}
	if err := a.checkAuditKeying(); err != nil { // audithead.go
		a.closeStore()
		a.closeSandbox()
		return nil, err
	}
	notifiers := map[string]approvals.Notifier{}
	if cfg.slackEnabled() { // Slack is optional when only Teams is configured
		a.slack = slackbot.New(slackbot.Config{
			BotToken: cfg.SlackBotToken, SigningSecret: cfg.SlackSigningSecret, ApprovalChannel: cfg.SlackApprovalChannel, TenantChannels: cfg.tenantChannels(),
			APIURL: cfg.SlackAPIURL, HTTPClient: deps.HTTPClient, Location: loc, Sandbox: a.sandbox != nil,
		}, log.With("component", "slack"))
		notifiers[slackbot.Platform] = a.slack
	}
	if err := a.newTeams(deps, loc, notifiers); err != nil {
		a.closeStore()
		a.closeSandbox()
		return nil, err
	}
	svcCfg := approvals.Config{
		Store: a.store, TenantID: cfg.AzureTenantID, Now: deps.Now, Logger: log, Observer: a.metrics, Crashpoint: deps.Crashpoint, Delivery: approvals.Delivery(cfg.Delivery),
		Workers: cfg.Workers, Leaser: a.leaser,
		Notifiers: notifiers,
		Policy:    a.withIdentities(cfg.policy(a.groupResolver(tenant, deps.Now)), tenant, deps.Now),
	}
	if tenant != nil {
		svcCfg.Tenant, svcCfg.TenantID = tenant, tenant.TenantID()
	}
	if cfg.TenantsFile == nil { // in MSP mode each tenant has its own (tenants.go)
		svcCfg.Verifier, err = a.newVerifier(tenant, cfg.VerifiedIDAuthority, deps.HTTPClient)
	} else {
		svcCfg.Tenants, err = a.customerTenants(base, a.groupResolver(tenant, deps.Now))
	}
	if err != nil {
		a.closeStore()
		a.closeSandbox()
		return nil, err
	}
	a.svc = approvals.NewService(svcCfg)
	if a.vidCallback, err = a.verifiedIDCallback(); err != nil {
		a.closeStore()
		a.closeSandbox()
		return nil, err
	}
	if a.slack != nil {
		a.slack.Attach(a.svc)
	}
	a.attachTeams()
	return a, nil
}

// groupResolver is nil (no interface holding a nil pointer) unless a group
// is configured somewhere.
func (a *App) groupResolver(gc *graphclient.Client, now func() time.Time) approvals.GroupResolver {
	return a.groupResolverFor(a.cfg, gc, now)
}

// groupResolverFor is groupResolver for the groups cfg names (a reloaded
// policy file may name new ones).
func (a *App) groupResolverFor(cfg Config, gc *graphclient.Client, now func() time.Time) approvals.GroupResolver {
	if now == nil {
		now = time.Now
	}
	keys := accessKeys(append(slices.Clone(cfg.Requesters), cfg.Approvers...))
	if pf := cfg.PolicyFile; pf != nil {
		keys = append(keys, accessKeys(append(append(slices.Clone(pf.Requesters), pf.Approvers...), pf.SeparateGroups...))...)
	}
	var sc *slack.Client
	if a.slack != nil {
		sc = a.slack.API()
	}
	if g := identity.NewGroups(keys, sc, gc, now); g != nil {
		return g
	}
	return nil
}

// withIdentities lends the policy who technicians are in Entra.
func (a *App) withIdentities(p approvals.Policy, gc *graphclient.Client, now func() time.Time) approvals.Policy {
	if now == nil {
		now = time.Now
	}
	var sc *slack.Client
	if a.slack != nil {
		sc = a.slack.API()
	}
	if a.people == nil { // one cache of who is who, kept across policy reloads
		a.people = identity.NewPeople(sc, gc, now)
	}
	p.Identities = a.people
	return p
}

// graphConfig is the tenant's part of c: whom the Graph client signs in
// as, and where.
func (c Config) graphConfig() graphclient.Config {
	return graphclient.Config{
		TenantID: c.AzureTenantID, ClientID: c.AzureClientID, ClientSecret: c.AzureClientSecret,
		CertificatePath: c.AzureCertPath, CertificatePassword: c.AzureCertPassword,
		Cloud: c.Cloud, GraphURL: c.GraphURL, AuthorityHost: c.AuthorityHost,
	}
}

// tenant builds the Graph client of the tenant tapbot signs in to (the
// real one, or the embedded fake one in sandbox mode) and returns it with
// the configuration it was built from. In MSP mode that is the MSP's home
// tenant, whose people are the technicians; without AZURE_TENANT_ID there
// is none and the client is nil.
func (a *App) tenant(deps Deps) (*graphclient.Client, graphclient.Config, error) {
	gc := a.cfg.graphConfig()
	gc.HTTPClient = deps.HTTPClient
	if a.cfg.Graph == "sandbox" {
		a.sandbox = graphtest.NewServer()
		graphtest.DemoTenant(a.sandbox)
		gc = graphclient.Config{
			TenantID: "sandbox", ClientID: "tapbot-sandbox", ClientSecret: "sandbox",
			GraphURL: a.sandbox.GraphURL(), AuthorityHost: a.sandbox.AuthorityHost(), HTTPClient: a.sandbox.Client(),
		}
		a.sandboxCustomers() // tenants.go
		a.log.Warn("SANDBOX MODE: Graph is the built-in fake tenant; passes are fake and no real tenant is touched")
	}
	if a.cfg.TenantsFile != nil && gc.TenantID == "" {
		return nil, gc, nil
	}
	c, err := graphclient.New(gc)
	if err != nil {
		a.closeSandbox()
		return nil, gc, fmt.Errorf("microsoft graph client: %w", err)
	}
	return c, gc, nil
}

func (a *App) closeSandbox() {
	if a.sandbox != nil {
		a.sandbox.Close()
	}
}

// Handler is every HTTP endpoint tapbot serves on its main listener;
// /metrics has a listener of its own (metrics.go).
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	if a.slack != nil && a.cfg.SlackAppToken == "" { // Socket Mode takes Slack's requests over its websocket instead
		mux.Handle("/slack/", a.slack.Handler())
	}
	a.mountTeams(mux)
	a.mountVerifiedID(mux)
	mux.HandleFunc("GET /healthz", a.healthz) // readiness.go
	mux.HandleFunc("GET /readyz", a.readyz)
	return mux
}

// Serve finishes interrupted requests, then serves on ln and runs the
// background work until ctx ends; then it stops taking requests, lets work
// in flight finish within the shutdown timeout, and closes the store. Each
// background loop (the sweeper, taking over dead replicas' requests, the
// Teams pass removals, the audit followers) runs while this replica holds
// its lease: on the bbolt file always, on PostgreSQL on one replica at a
// time (leases.go).
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	defer a.close()
	a.reportStranded()
	if err := a.svc.Resume(ctx); err != nil {
		return err
	}
	a.startTeams(ctx)
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	defer a.serveMetrics()()
	sock := a.startSocketMode(ctx) // Slack over Socket Mode when SLACK_APP_TOKEN is set (socketmode.go)
	defer sock.stop()
	followers := a.startFollowers(ctx)
	defer followers.stop() // after the drain, so the events of the work in flight are shipped; before the store closes
	work := a.startWork(ctx)
	defer work.stop()
	a.ready.Store(true)
	a.log.Info("tapbot serving", "addr", ln.Addr().String(), "db", a.cfg.storeName(), "graph", a.cfg.Graph, "replica", a.leaser.Replica())
	a.logAuditHead()
	tick := time.NewTicker(a.cfg.SweepInterval)
	defer tick.Stop()
	for {
		select {
		case err := <-errc:
			return fmt.Errorf("http server: %w", err)
		case <-tick.C:
			a.logAuditHeadIfDue()
			a.reloadPolicyIfChanged()
		case <-a.reload.signals:
			_ = a.reloadPolicy("SIGHUP")
		case <-sock.stopped():
			work.stop()
			return a.shutdownWithSocket(srv, sock)
		case <-ctx.Done():
			work.stop()
			return a.shutdownWithSocket(srv, sock)
		}
	}
}

func (a *App) shutdown(srv *http.Server) error {
	a.ready.Store(false)
	a.log.Info("shutting down: no new requests; finishing those in flight", "timeout", a.cfg.ShutdownTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	err := errors.Join(srv.Shutdown(ctx), a.svc.Shutdown(ctx))
	if err != nil {
		a.log.Warn("shutdown deadline passed; unfinished requests resume at next start", "err", err)
	}
	return nil
}

func (a *App) close() {
	a.logAuditHead() // the last head before the file is left alone
	if err := a.closeStore(); err != nil {
		a.log.Error("closing database", "err", err)
	}
	a.closeSandbox()
}

// startFollowers starts the audit followers — the Slack audit mirror and
// the feeds to stdout and the webhook (siem.go) — each under the lease
// named as its cursor.
func (a *App) startFollowers(ctx context.Context) *loops {
	ls := newLoops(ctx)
	if channel := a.auditChannel(); channel != "" {
		a.log.Info("mirroring the audit log to Slack", "channel", channel)
		a.underLease(ls, slackbot.AuditMirrorCursor(channel), func(ctx context.Context) {
			a.slack.MirrorAudit(ctx, approvals.Followers{Store: a.store}, channel, a.followEvery())
		})
	}
	for _, f := range a.auditFeeds() {
		a.underLease(ls, f.Name, f.Run)
	}
	return ls
}

// followEvery is how often the Slack audit mirror looks for new events
// it was not woken for. A store wakes the followers of its own process at
// each commit (Store.Appended); on PostgreSQL the events another replica
// appends wake nobody here, so the mirror looks every second, as the feeds
// do.
func (a *App) followEvery() time.Duration {
	if a.shared() {
		return min(a.cfg.SweepInterval, feedLook)
	}
	return a.cfg.SweepInterval
}

// auditChannel is the Slack channel the audit log is mirrored to, or ""
// when none is configured.
func (a *App) auditChannel() string {
	channel := a.cfg.SlackAuditChannel
	if pf := a.cfg.PolicyFile; channel == "" && pf != nil {
		channel = pf.AuditChannel
	}
	if a.slack == nil {
		return ""
	}
	return channel
}
