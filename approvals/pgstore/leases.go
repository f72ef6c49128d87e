package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/approvals"
)

// DefaultLeaseTTL is how long a replica's liveness lease lasts without a
// renewal: how soon after a replica dies (or loses the database) another
// takes over its requests and its background loops.
const DefaultLeaseTTL = 10 * time.Second

// Leases is the approvals.Leaser of replicas sharing a database. Each
// replica has a row in tapbot_replicas that it renews four times per lease
// period over a connection of its own (the pool's may all be busy with
// transitions just when the renewal is due); a replica whose row ran out is
// dead. A named lease is a row of tapbot_leases naming its holder, held
// for as long as the holder's replica row is: one renewal keeps every lease
// of a replica, and a dead replica's leases are free for the taking. Every
// expiry is measured on the database's clock, so replicas need not agree on
// the time.
type Leases struct {
	store *Store
	cfg   *pgx.ConnConfig
	ttl   time.Duration
	every time.Duration // the renewal period
	log   *slog.Logger

	connMu sync.Mutex
	conn   *pgx.Conn // nil until connected, and after a failure

	mu      sync.Mutex
	id      string
	until   time.Time                     // the lease holds before this, on this process's clock
	lost    bool                          // the last renewal failed: logged once until one succeeds
	held    map[string]context.CancelFunc // the named leases held, and how to stop their holders
	beat    chan struct{}                 // closed after each renewal, so that Hold tries again
	closing bool

	stop context.CancelFunc
	done chan struct{}
}

var _ approvals.Leaser = (*Leases)(nil)

// StartLeases registers this process as a replica whose liveness lease
// lasts ttl (0: DefaultLeaseTTL) and renews it until Close. It fails when
// the database cannot be reached.
func (s *Store) StartLeases(ttl time.Duration, log *slog.Logger) (*Leases, error) {
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	l := &Leases{
		store: s, cfg: s.pool.Config().ConnConfig.Copy(), ttl: ttl, every: ttl / 4, log: log,
		held: map[string]context.CancelFunc{}, beat: make(chan struct{}), done: make(chan struct{}),
	}
	if err := l.register(); err != nil {
		l.closeConn()
		return nil, fmt.Errorf("register this replica: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	l.stop = stop
	go l.renewals(ctx)
	return l, nil
}

// Replica is approvals.Leaser.Replica.
func (l *Leases) Replica() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.id
}

// Alive is approvals.Leaser.Alive: the last renewal was sent less than a
// lease period ago (less a tenth, for clocks that run at slightly
// different rates), so the database's row, which ran from when it arrived,
// still holds.
func (l *Leases) Alive() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.closing && time.Now().Before(l.until)
}

// Live is approvals.Leaser.Live.
func (l *Leases) Live() (map[string]bool, error) {
	return read(func(ctx context.Context) (map[string]bool, error) {
		rows, err := l.store.pool.Query(ctx, "SELECT id FROM tapbot_replicas WHERE expires_at > now()")
		if err != nil {
			return nil, fmt.Errorf("read the live replicas: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("read the live replicas: %w", err)
		}
		live := make(map[string]bool, len(ids))
		for _, id := range ids {
			live[id] = true
		}
		return live, nil
	})
}

// Hold is approvals.Leaser.Hold. It tries to take the lease at each
// renewal while it is free (or its holder dead), runs fn while it holds it,
// and gives it up when fn returns on its own.
func (l *Leases) Hold(ctx context.Context, name string, fn func(ctx context.Context)) {
	for ctx.Err() == nil {
		beat := l.nextBeat()
		if l.Alive() {
			got, err := l.take(name)
			if err != nil {
				l.log.Warn("lease not taken: database unreachable", "lease", name, "err", err)
			}
			if got {
				l.run(ctx, name, fn)
			}
		}
		select {
		case <-ctx.Done():
		case <-beat:
		}
	}
}

// run runs fn while this replica holds lease name.
func (l *Leases) run(ctx context.Context, name string, fn func(ctx context.Context)) {
	hctx, cancel := context.WithCancel(ctx)
	l.mu.Lock()
	l.held[name] = cancel
	l.mu.Unlock()
	l.log.Info("lease taken: running here", "lease", name, "replica", l.Replica())
	fn(hctx)
	cancel()
	l.mu.Lock()
	delete(l.held, name)
	l.mu.Unlock()
	if ctx.Err() == nil {
		l.log.Info("lease given up", "lease", name)
		if err := l.exec("give up lease "+name, "DELETE FROM tapbot_leases WHERE name = $1 AND holder = $2", name, l.Replica()); err != nil {
			l.log.Warn("lease not given up; it frees itself when this replica's lease runs out", "lease", name, "err", err)
		}
	}
}

// Close stops the renewals and ends every lease of this replica at once,
// so that the others take over its leases and any request it left in flight
// without waiting for them to run out. Call it after the work in flight
// has finished (Service.Shutdown).
func (l *Leases) Close() error {
	l.mu.Lock()
	l.closing = true
	l.mu.Unlock()
	l.stop()
	<-l.done
	l.loseAll()
	id := l.Replica()
	err := errors.Join(
		l.exec("give up the leases", "DELETE FROM tapbot_leases WHERE holder = $1", id),
		l.exec("end the liveness lease", "DELETE FROM tapbot_replicas WHERE id = $1", id))
	l.closeConn()
	return err
}

// renewals renews the lease every period until ctx ends.
func (l *Leases) renewals(ctx context.Context) {
	defer close(l.done)
	tick := time.NewTicker(l.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			l.renew()
		}
	}
}

// renew extends the liveness lease, or finds it ran out and registers this
// replica again under a new id; then it stops the holders of the named
// leases another replica took meanwhile, and wakes Hold.
func (l *Leases) renew() {
	defer l.wake()
	sent := time.Now()
	var ok bool
	err := l.with(func(ctx context.Context, conn *pgx.Conn) error {
		tag, err := conn.Exec(ctx, "UPDATE tapbot_replicas SET expires_at = now() + $2 * interval '1 millisecond' WHERE id = $1 AND expires_at > now()",
			l.Replica(), l.ttl.Milliseconds())
		ok = err == nil && tag.RowsAffected() == 1
		return err
	})
	switch {
	case err != nil:
		l.failed(err)
	case !ok:
		l.log.Error("liveness lease ran out while the database was out of reach: the other replicas take over this one's requests; registering again", "replica", l.Replica(), "lease", l.ttl)
		l.loseAll()
		if err := l.register(); err != nil {
			l.failed(err)
		}
	default:
		l.renewed(sent)
		l.dropTaken()
	}
}

// failed notes a renewal that did not reach the database; once the lease
// may have run out, every named lease is given up here, for another
// replica may hold it now.
func (l *Leases) failed(err error) {
	l.mu.Lock()
	first := !l.lost
	l.lost = true
	l.mu.Unlock()
	if first {
		l.log.Error("liveness lease not renewed: the database is out of reach", "replica", l.Replica(), "err", err)
	}
	if !l.Alive() {
		l.loseAll()
	}
}

// renewed records a renewal sent at sent.
func (l *Leases) renewed(sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost {
		l.log.Info("liveness lease renewed: the database is back", "replica", l.id)
	}
	l.lost = false
	l.until = sent.Add(l.ttl - l.ttl/10)
}

// register takes a liveness lease under a new id, forgetting the rows of
// replicas dead for a day.
func (l *Leases) register() error {
	id := approvals.NewReplicaID()
	sent := time.Now()
	err := l.with(func(ctx context.Context, conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, "DELETE FROM tapbot_replicas WHERE expires_at < now() - interval '1 day'"); err != nil {
			return err
		}
		_, err := conn.Exec(ctx, "INSERT INTO tapbot_replicas (id, expires_at) VALUES ($1, now() + $2 * interval '1 millisecond')", id, l.ttl.Milliseconds())
		return err
	})
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.id = id
	l.mu.Unlock()
	l.renewed(sent)
	l.log.Info("replica registered", "replica", id, "lease", l.ttl)
	return nil
}

// take takes lease name if it is free or its holder is dead, and reports
// whether this replica holds it now.
func (l *Leases) take(name string) (bool, error) {
	var got bool
	err := l.with(func(ctx context.Context, conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, `INSERT INTO tapbot_leases (name, holder) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, since = now()
			WHERE tapbot_leases.holder = EXCLUDED.holder OR NOT EXISTS (
				SELECT 1 FROM tapbot_replicas r WHERE r.id = tapbot_leases.holder AND r.expires_at > now())
			RETURNING holder`, name, l.Replica())
		if err != nil {
			return err
		}
		defer rows.Close()
		got = rows.Next()
		return rows.Err()
	})
	return got, err
}

// dropTaken stops the holders of the named leases this replica no longer
// holds in the database.
func (l *Leases) dropTaken() {
	var names []string
	err := l.with(func(ctx context.Context, conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, "SELECT name FROM tapbot_leases WHERE holder = $1", l.Replica())
		if err != nil {
			return err
		}
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return // the next renewal tells
	}
	still := map[string]bool{}
	for _, n := range names {
		still[n] = true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for name, stop := range l.held {
		if !still[name] {
			l.log.Warn("lease lost to another replica: stopping here", "lease", name)
			stop()
		}
	}
}

// loseAll stops the holders of every named lease.
func (l *Leases) loseAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for name, stop := range l.held {
		if !l.closing {
			l.log.Warn("lease given up: this replica cannot tell whether it still holds it", "lease", name)
		}
		stop()
	}
}

// nextBeat returns the channel the next renewal closes.
func (l *Leases) nextBeat() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.beat
}

func (l *Leases) wake() {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.beat)
	l.beat = make(chan struct{})
}

// exec runs one statement on the leases' connection.
func (l *Leases) exec(what, sql string, args ...any) error {
	err := l.with(func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, sql, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// with runs fn on the leases' own connection, connecting first when there
// is none, within a renewal period: a database that does not answer by
// then has failed this renewal, and the next one tries a new connection.
func (l *Leases) with(fn func(ctx context.Context, conn *pgx.Conn) error) error {
	l.connMu.Lock()
	defer l.connMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), max(l.every, time.Second))
	defer cancel()
	if l.conn == nil {
		conn, err := pgx.ConnectConfig(ctx, l.cfg)
		if err != nil {
			return err
		}
		l.conn = conn
	}
	err := fn(ctx, l.conn)
	if err != nil {
		l.dropConn()
	}
	return err
}

func (l *Leases) closeConn() {
	l.connMu.Lock()
	defer l.connMu.Unlock()
	l.dropConn()
}

// dropConn closes the connection, if any, giving a database that does not
// answer a second to say goodbye. l.connMu must be held.
func (l *Leases) dropConn() {
	if l.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = l.conn.Close(ctx)
	l.conn = nil
}
