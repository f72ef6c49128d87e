package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// The leases of the background loops: each runs on the one replica that
// holds its lease (approvals.Leaser). On the bbolt file the one process
// holds them all.
const (
	leaseSweeper       = "sweeper"             // expiry and reminders
	leaseTakeOver      = "take-over"           // finishing the requests of dead replicas
	leaseTeamsRemovals = "teams-pass-removals" // passes overdue for removal from Teams chats
	// The audit followers hold a lease named as their cursor, e.g.
	// audit-feed/webhook, slack-audit-mirror/C0123.
)

// Bounds of TAPBOT_LEASE_TTL: renewals go out four times a lease, and a
// lease of minutes would leave a dead replica's requests waiting as long.
const (
	minLeaseTTL = time.Second
	maxLeaseTTL = 5 * time.Minute
)

// leaseTTL sets TAPBOT_LEASE_TTL.
func leaseTTL(c *Config, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < minLeaseTTL || d > maxLeaseTTL {
		return fmt.Errorf("%q is not a duration from %s to %s", v, minLeaseTTL, maxLeaseTTL)
	}
	c.LeaseTTL = d
	return nil
}

// loops are background loops that run under leases until stopped.
type loops struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newLoops(ctx context.Context) *loops {
	l := &loops{}
	l.ctx, l.cancel = context.WithCancel(ctx)
	return l
}

// stop ends the loops and waits until they have returned. It may be called
// again.
func (l *loops) stop() {
	l.cancel()
	l.wg.Wait()
}

// underLease runs fn on ls whenever this replica holds lease name.
func (a *App) underLease(ls *loops, name string, fn func(ctx context.Context)) {
	ls.wg.Go(func() { a.leaser.Hold(ls.ctx, name, fn) })
}

// startWork starts the loops that change requests — the sweeper, taking
// over the requests of dead replicas, the Teams pass removals — each under
// its lease. They stop before the service drains at shutdown.
func (a *App) startWork(ctx context.Context) *loops {
	ls := newLoops(ctx)
	a.underLease(ls, leaseSweeper, a.sweep)
	if a.shared() {
		a.underLease(ls, leaseTakeOver, a.takeOver)
	}
	if a.teams != nil {
		a.underLease(ls, leaseTeamsRemovals, a.teams.FinishRemovals)
	}
	return ls
}

// sweep expires the requests past their time and reminds the approvers of
// those halfway there, every sweep interval until ctx ends.
func (a *App) sweep(ctx context.Context) {
	tick := time.NewTicker(a.cfg.SweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := a.svc.ExpireDue(ctx); err != nil {
			a.log.Error("expiry sweep failed", "err", err)
		}
		if _, err := a.svc.RemindDue(ctx); err != nil {
			a.log.Error("reminder sweep failed", "err", err)
		}
	}
}

// takeOver finishes the requests of replicas that died, four times per
// lease period until ctx ends, so that they move on within a lease and a
// bit of a dead replica's end.
func (a *App) takeOver(ctx context.Context) {
	tick := time.NewTicker(a.cfg.LeaseTTL / 4)
	defer tick.Stop()
	for {
		if err := a.svc.TakeOver(ctx); err != nil {
			a.log.Warn("requests of dead replicas not taken over yet", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// shared reports whether other replicas may share this one's store.
func (a *App) shared() bool { return a.cfg.DatabaseURL != "" }
