package bench

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// session is one tapbot serve with its own stand-ins and driver.
type session struct {
	cfg   Config
	st    *stand
	child *child
	// others are the replicas besides child (Config.Replicas), on the
	// same database.
	others []*child
	d      *driver
}

// stopTimeout bounds a shutdown: tapbot's own (TAPBOT_SHUTDOWN_TIMEOUT)
// plus room for a slow machine.
const stopTimeout = 30 * time.Second

// withSession starts stand-ins with targets users and a tapbot serve
// against them, runs fn, and stops both. The driver keeps up to conns
// idle connections to tapbot, so a burst of that size reuses them.
func withSession(ctx context.Context, cfg Config, targets, conns int, fn func(s *session) error) (err error) {
	st, err := newStand(targets, cfg.GraphHTTP2)
	if err != nil {
		return err
	}
	defer st.close()
	dbURL := ""
	if cfg.DatabaseURL != "" {
		db, derr := createDatabase(ctx, cfg.DatabaseURL)
		if derr != nil {
			return derr
		}
		defer func() { err = errors.Join(err, db.drop()) }() // deferred before tapbot's stop, so it runs after it
		dbURL = db.url
	}
	c, err := startChild(ctx, cfg, st.env(dbURL))
	if err != nil {
		return err
	}
	s := &session{cfg: cfg, st: st, child: c}
	defer func() {
		start := time.Now()
		for _, r := range s.replicas() {
			if serr := r.stop(stopTimeout); serr != nil {
				err = errors.Join(err, serr)
			}
		}
		fmt.Fprintf(cfg.Log, "bench: tapbot stopped in %s\n", time.Since(start).Round(time.Millisecond))
	}()
	bases := []string{c.base}
	for range cfg.Replicas - 1 {
		o, oerr := startChild(ctx, cfg, st.env(dbURL))
		if oerr != nil {
			return oerr
		}
		s.others = append(s.others, o)
		bases = append(bases, o.base)
	}
	s.d = newDriver(st, bases, conns, cfg.Timeout)
	// Before tapbot stops: a connection the driver opened and never used
	// would hold up its shutdown for 5 s (net/http waits that long before it
	// takes a new connection for idle).
	defer s.d.close()
	if err := fn(s); err != nil {
		return fmt.Errorf("%w\ntapbot's last log lines:\n%s", err, c.logs.last(15))
	}
	return nil
}

// replicas are every tapbot serve of the session, child first.
func (s *session) replicas() []*child { return append([]*child{s.child}, s.others...) }

// cpu is the CPU time every replica has used so far.
func (s *session) cpu() (time.Duration, error) {
	var sum time.Duration
	for _, r := range s.replicas() {
		t, err := r.cpu()
		if err != nil {
			return 0, err
		}
		sum += t
	}
	return sum, nil
}

// warmUp runs flow 0 with no latency: afterwards tapbot has its Graph
// token, knows who the technicians are and holds connections, as a bot
// that has been running a while does.
func (s *session) warmUp(ctx context.Context) error {
	s.st.setLatency(0, 0)
	if err := s.d.run(ctx, s.d.newFlow(0)); err != nil {
		return fmt.Errorf("warm-up flow: %w", err)
	}
	return nil
}
