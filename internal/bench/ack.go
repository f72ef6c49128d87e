package bench

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// ackPhase times the acknowledgement of cfg.Concurrency /tap commands sent
// at once while every Graph call takes cfg.AckGraphLatency, so every raise
// is still waiting on Graph when the others are answered. The burst is
// sent twice: first each /tap on a connection of its own, opened in the
// burst; then, while the first burst's raises still wait on Graph, a
// second over the connections the first left open, as a sender that keeps
// its connections alive sends them. Both are signed before the clock
// starts. The second is the row's figure; the first is reported beside it.
func ackPhase(ctx context.Context, cfg Config, r *report) error {
	n := cfg.Concurrency
	return withSession(ctx, cfg, 2*n+1, n+1, func(s *session) error {
		if err := s.warmUp(ctx); err != nil {
			return err
		}
		s.st.setLatency(cfg.AckGraphLatency, 0)
		fresh, err := s.ackBurst(ctx, 1, n)
		if err != nil {
			return fmt.Errorf("on fresh connections: %w", err)
		}
		kept, err := s.ackBurst(ctx, n+1, n)
		if err != nil {
			return fmt.Errorf("on kept-alive connections: %w", err)
		}
		r.row(RowAck, "%s / %s (max %s; %d concurrent /tap while Graph takes %s per call, over kept-alive connections; %s) — on a fresh connection each: %s / %s (max %s; %s)",
			ms(percentile(kept.acks, 99)), ms(percentile(kept.acks, 50)), ms(percentile(kept.acks, 100)), n, cfg.AckGraphLatency, kept,
			ms(percentile(fresh.acks, 99)), ms(percentile(fresh.acks, 50)), ms(percentile(fresh.acks, 100)), fresh)
		return nil
	})
}

// burst is how one burst of /tap went.
type burst struct {
	acks      []time.Duration
	failed    int
	firstErr  error
	cpu, own  time.Duration // tapbot's and the bench's CPU until the last ack
	requested int
}

func (b burst) String() string {
	s := fmt.Sprintf("%d acknowledged", len(b.acks))
	if b.failed > 0 {
		s += fmt.Sprintf(", %d failed, e.g. %v", b.failed, oneLine(b.firstErr))
	}
	return s + fmt.Sprintf("; until the last ack tapbot used %s of CPU, the bench process %s", b.cpu.Round(10*time.Millisecond), b.own.Round(10*time.Millisecond))
}

// ackBurst sends the /tap of flows first … first+n-1 at once and times
// their acks.
func (s *session) ackBurst(ctx context.Context, first, n int) (burst, error) {
	flows := make([]*flow, n)
	reqs := make([]*http.Request, n)
	for i := range flows {
		flows[i] = s.d.newFlow(first + i)
		req, err := s.d.prepareCommand(ctx, flows[i])
		if err != nil {
			return burst{}, err
		}
		reqs[i] = req
	}
	errs := make([]error, n)
	cpu0, err := s.cpu()
	if err != nil {
		return burst{}, err
	}
	own0 := ownCPU()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, f := range flows {
		wg.Go(func() {
			<-start
			errs[i] = s.d.sendCommand(f, reqs[i])
		})
	}
	close(start)
	wg.Wait()
	cpu1, err := s.cpu()
	if err != nil {
		return burst{}, err
	}
	b := burst{cpu: cpu1 - cpu0, own: ownCPU() - own0, requested: n}
	for i, f := range flows {
		if errs[i] != nil {
			b.failed++
			b.firstErr = errs[i]
			continue
		}
		b.acks = append(b.acks, f.acked.Sub(f.sent))
	}
	if len(b.acks) == 0 {
		return b, fmt.Errorf("no /tap was acknowledged: %w", b.firstErr)
	}
	return b, nil
}
