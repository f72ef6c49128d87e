package bench

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// ackPhase times the acknowledgement of cfg.Concurrency /tap commands sent
// at once while every Graph call takes cfg.AckGraphLatency, so every raise
// is still waiting on Graph when the others are answered.
func ackPhase(ctx context.Context, cfg Config, r *report) error {
	n := cfg.Concurrency
	return withSession(ctx, cfg, n+1, n, func(s *session) error {
		if err := s.warmUp(ctx); err != nil {
			return err
		}
		s.st.setLatency(cfg.AckGraphLatency, 0)
		flows := make([]*flow, n)
		for i := range flows {
			flows[i] = s.d.newFlow(i + 1)
		}
		errs := make([]error, n)
		cpu0, err := s.child.cpu()
		if err != nil {
			return err
		}
		own0 := ownCPU()
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, f := range flows {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = s.d.command(ctx, f)
			}()
		}
		close(start)
		wg.Wait()
		cpu1, err := s.child.cpu()
		if err != nil {
			return err
		}
		cpu, own := cpu1-cpu0, ownCPU()-own0
		var acks []time.Duration
		var firstErr error
		for i, f := range flows {
			if errs[i] != nil {
				firstErr = errs[i]
				continue
			}
			acks = append(acks, f.acked.Sub(f.sent))
		}
		if len(acks) == 0 {
			return fmt.Errorf("no /tap was acknowledged: %w", firstErr)
		}
		failed := ""
		if firstErr != nil {
			failed = fmt.Sprintf("; %d failed, e.g. %v", n-len(acks), oneLine(firstErr))
		}
		r.row(RowAck, "%s / %s (max %s; %d concurrent /tap while Graph takes %s per call; %d acknowledged%s; until the last ack tapbot used %s of CPU, the bench process %s)",
			ms(percentile(acks, 99)), ms(percentile(acks, 50)), ms(percentile(acks, 100)), n, cfg.AckGraphLatency, len(acks), failed,
			cpu.Round(10*time.Millisecond), own.Round(10*time.Millisecond))
		return nil
	})
}
