package bench

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// loadPhase runs cfg.Flows full flows, cfg.Concurrency at a time, with the
// stand-ins at cfg.FlowLatency, and reads tapbot's CPU, memory and Graph
// connections around them.
func loadPhase(ctx context.Context, cfg Config, r *report) error {
	return withSession(ctx, cfg, cfg.Flows+1, cfg.Concurrency, func(s *session) error {
		idle, _, err := s.child.memory()
		if err != nil {
			return err
		}
		if err := s.warmUp(ctx); err != nil {
			return err
		}
		s.st.setLatency(cfg.FlowLatency, cfg.FlowLatency)
		res, err := s.load(ctx)
		if err != nil {
			return err
		}
		_, peak, err := s.child.memory()
		if err != nil {
			return err
		}
		// Stop tapbot before looking for duplicates: none can come later.
		s.d.close()
		for _, c := range s.replicas() {
			if err := c.stop(stopTimeout); err != nil {
				return err
			}
		}
		res.countDuplicates(s)
		res.report(r, cfg, idle, peak)
		return nil
	})
}

// loadResult is what the concurrent flows showed.
type loadResult struct {
	flows             []*flow
	errs              []error
	elapsed           time.Duration // first /tap to last pass
	cpu, ownCPU       time.Duration // tapbot's; the bench process's (stand-ins and driver)
	conns, graphCalls int
	delivered, lost   int
	duplicated        int // flows shown more than one pass
	issuedTwice       int // targets Graph made more than one pass for
	warnings, errors  int // what tapbot logged
}

func (s *session) load(ctx context.Context) (*loadResult, error) {
	cfg := s.cfg
	res := &loadResult{flows: make([]*flow, cfg.Flows), errs: make([]error, cfg.Flows)}
	for i := range res.flows {
		res.flows[i] = s.d.newFlow(i + 1)
	}
	cpu0, err := s.cpu()
	if err != nil {
		return nil, err
	}
	own0 := ownCPU()
	conns0, calls0 := s.st.graph.ConnsAccepted(), len(s.st.graph.Requests())
	start := time.Now()
	slots := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	for i, f := range res.flows {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			res.errs[i] = s.d.run(ctx, f)
		}()
	}
	wg.Wait()
	cpu1, err := s.cpu()
	if err != nil {
		return nil, err
	}
	res.cpu, res.ownCPU = cpu1-cpu0, ownCPU()-own0
	res.conns, res.graphCalls = s.st.graph.ConnsAccepted()-conns0, len(s.st.graph.Requests())-calls0
	var last time.Time
	for _, f := range res.flows {
		if f.passAt.IsZero() {
			res.lost++
			continue
		}
		res.delivered++
		if f.passAt.After(last) {
			last = f.passAt
		}
	}
	if res.delivered == 0 {
		return nil, fmt.Errorf("no flow delivered a pass: %w", firstError(res.errs))
	}
	res.elapsed = last.Sub(start)
	for _, c := range s.replicas() {
		w, e := c.logs.counts()
		res.warnings, res.errors = res.warnings+w, res.errors+e
	}
	return res, nil
}

// countDuplicates counts flows shown more than one pass and targets Graph
// made more than one pass for; call it once tapbot has stopped.
func (res *loadResult) countDuplicates(s *session) {
	issued := map[string]int{}
	for _, p := range s.st.graph.Issued() {
		issued[p.UserID]++
	}
	for _, f := range res.flows {
		if f.passes.Load() > 1 {
			res.duplicated++
		}
	}
	for _, n := range issued {
		if n > 1 {
			res.issuedTwice++
		}
	}
}

func (res *loadResult) report(r *report, cfg Config, idle, peak int64) {
	passes := res.delivered
	params := fmt.Sprintf("%d flows, %d at a time, stand-ins at %s per call, store %s", cfg.Flows, cfg.Concurrency, cfg.FlowLatency, cfg.storeName())
	proto := "HTTP/1.1 only"
	if cfg.GraphHTTP2 {
		proto = "HTTP/2 offered"
	}
	r.row(RowTLS, "%.0f (%d connections accepted by graphtest, %s, for %d Graph calls during the flows; %s)",
		float64(res.conns)*1000/float64(max(res.graphCalls, 1)), res.conns, proto, res.graphCalls, params)
	lost := ""
	if err := firstError(res.errs); err != nil {
		lost = "; first failure: " + oneLine(err)
	}
	r.row(RowFlows, "%.0f passes/s, %d lost, %d duplicated (%d passes in %s from the first /tap to the last pass; %s; tapbot logged %d warnings and %d errors%s)",
		float64(passes)/res.elapsed.Seconds(), res.lost, res.duplicated+res.issuedTwice, passes, res.elapsed.Round(time.Millisecond), params, res.warnings, res.errors, lost)
	r.row(RowCPU, "%s (%s of user+system time over %d passes; the stand-ins and driver in the bench process used %s meanwhile; %s)",
		ms(res.cpu/time.Duration(passes)), res.cpu.Round(10*time.Millisecond), passes, res.ownCPU.Round(10*time.Millisecond), params)
	r.row(RowRSS, "%s / %s MiB (VmRSS just after start, VmHWM after the flows; %s)", mib(idle), mib(peak), params)
}

// ownCPU is the user and system time this process has used; 0 where
// /proc cannot tell.
func ownCPU() time.Duration {
	t, err := processCPU("/proc/self/stat")
	if err != nil {
		return 0
	}
	return t.own
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
