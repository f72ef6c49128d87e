package bench

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// tripSample is what one flow, alone on the stand-ins, showed.
type tripSample struct {
	beforeCard  [][]span // Graph calls between /tap and the card, in round trips
	afterClick  []string // every Slack call from Approve to the card's last redraw, in order
	beforePass  int      // how many of those came before the pass was shown, the pass included
	path        []span   // the critical path from Approve to the pass
	elapsed     time.Duration
	overhead    time.Duration
	tokenCalls  int // token requests during the flow: a round trip Requests does not show
	pathLatency time.Duration
	// beyondHeld is elapsed less the time the stand-ins held the calls
	// of the path (their latency plus their own handling and timer slack,
	// as they timed it): what is left is tapbot's, and the wire's.
	beyondHeld time.Duration
}

// tripsPhase runs cfg.Samples flows one after another with every Graph
// call taking cfg.GraphLatency and every Slack call cfg.SlackLatency, and
// reads each flow's calls off the stand-ins' records.
func tripsPhase(ctx context.Context, cfg Config, r *report) error {
	return withSession(ctx, cfg, cfg.Samples+1, 2, func(s *session) error {
		if err := s.warmUp(ctx); err != nil {
			return err
		}
		s.st.setLatency(cfg.GraphLatency, cfg.SlackLatency)
		var samples []tripSample
		for i := 1; i <= cfg.Samples; i++ {
			f := s.d.newFlow(i)
			tokens := len(s.st.graph.TokenRequests())
			if err := s.d.run(ctx, f); err != nil {
				return err
			}
			sample, err := s.analyse(f)
			if err != nil {
				return err
			}
			sample.tokenCalls = len(s.st.graph.TokenRequests()) - tokens
			samples = append(samples, sample)
		}
		floor, err := s.measureFloor(ctx, cfg.Samples, cfg.SlackLatency)
		if err != nil {
			return err
		}
		reportTrips(r, cfg, samples, floor)
		return nil
	})
}

// analyse reads flow f's calls off the stand-ins' records. f ran alone,
// so every call from its /tap to its card's last redraw is its own.
func (s *session) analyse(f *flow) (tripSample, error) {
	graph := graphSpans(s.st.graph.Requests(), s.cfg.GraphLatency)
	calls := s.st.slack.Calls()
	slack := slackSpans(calls, s.cfg.SlackLatency)
	card, ok := holding(slack, "chat.postMessage", f.cardAt)
	if !ok {
		return tripSample{}, fmt.Errorf("flow %d: the fake Slack has no chat.postMessage for the card", f.n)
	}
	pass, ok := holding(slack, "chat.postEphemeral", f.passAt)
	if !ok {
		return tripSample{}, fmt.Errorf("flow %d: the fake Slack has no chat.postEphemeral for the pass", f.n)
	}
	out := tripSample{beforeCard: rounds(between(graph, f.sent, card.start))}
	// The card's last redraw may still be under way: count Slack calls
	// by when they started.
	for _, c := range calls {
		if !c.Start.Before(f.clicked) && !c.Start.After(f.doneAt) {
			out.afterClick = append(out.afterClick, c.Method)
			if !c.Start.After(pass.start) {
				out.beforePass++
			}
		}
	}
	out.path = criticalPath(between(append(graph, slack...), f.clicked, pass.end), pass)
	out.elapsed = pass.end.Sub(f.clicked)
	out.pathLatency = latencyOf(out.path)
	out.overhead = out.elapsed - out.pathLatency
	out.beyondHeld = out.elapsed - heldOf(out.path)
	if s.cfg.Timelines != nil {
		s.printTimeline(f, append(graph, slack...))
	}
	return out, nil
}

// printTimeline writes every call of flow f, from its /tap on, as
// milliseconds after the /tap and after Approve.
func (s *session) printTimeline(f *flow, spans []span) {
	w := s.cfg.Timelines
	fmt.Fprintf(w, "flow %d: /tap at 0 ms, card at %.1f ms, Approve at %.1f ms, pass at %.1f ms (start … end, ms after the /tap):\n",
		f.n, msAfter(f.sent, f.cardAt), msAfter(f.sent, f.clicked), msAfter(f.sent, f.passAt))
	for _, sp := range between(spans, f.sent, f.doneAt.Add(time.Minute)) {
		fmt.Fprintf(w, "  %9.1f … %9.1f  %s %s\n", msAfter(f.sent, sp.start), msAfter(f.sent, sp.end), sp.service, sp.name)
	}
}

func msAfter(from, t time.Time) float64 { return float64(t.Sub(from)) / float64(time.Millisecond) }

// reportTrips prints the three rows the samples answer.
func reportTrips(r *report, cfg Config, samples []tripSample, floor []floorSample) {
	var roundCounts, callCounts, beforePass, onPath, slackOnPath, after, tokens []int
	var elapsed, overhead, beyondHeld []time.Duration
	for _, s := range samples {
		roundCounts = append(roundCounts, len(s.beforeCard))
		n := 0
		for _, rd := range s.beforeCard {
			n += len(rd)
		}
		callCounts = append(callCounts, n)
		beforePass = append(beforePass, s.beforePass)
		onPath = append(onPath, len(s.path))
		slackOnPath = append(slackOnPath, countService(s.path, "Slack"))
		after = append(after, len(s.afterClick))
		tokens = append(tokens, s.tokenCalls)
		elapsed = append(elapsed, s.elapsed)
		overhead = append(overhead, s.overhead)
		beyondHeld = append(beyondHeld, s.beyondHeld)
	}
	first := samples[0]
	lat := fmt.Sprintf("Graph %s and Slack %s per call, %d flows one after another", cfg.GraphLatency, cfg.SlackLatency, len(samples))
	tokenNote := ""
	if medianInt(tokens) > 0 {
		tokenNote = fmt.Sprintf("; plus %s token request(s)", spread(tokens))
	}
	r.row(RowTrips, "%s (%s Graph calls, %s side by side%s; first flow: %s; %s)",
		spread(roundCounts), spread(callCounts), spread(diff(callCounts, roundCounts)), tokenNote, roundNames(first.beforeCard), lat)
	r.row(RowSlackCall, "%s, %s of them on the critical path (%s Slack calls after Approve up to the card's last redraw: %s; critical path: %s; %s)",
		spread(beforePass), spread(slackOnPath), spread(after), strings.Join(first.afterClick, ", "), names(first.path, " → "), lat)
	var commit, graph, slack, floorTotal []time.Duration
	for _, f := range floor {
		commit, graph, slack, floorTotal = append(commit, f.commit), append(graph, f.graph), append(slack, f.slack), append(floorTotal, f.total())
	}
	r.row(RowOverhead, "p50 %s, p99 %s (Approve→pass p50 %s, p99 %s, less the stand-ins' latency on the %s calls of the critical path; less the time the stand-ins held those calls, as they timed them: p50 %s, p99 %s; %s). "+
		"The machine's floor for those steps, a bare Go program making one durable bbolt commit, one Graph call and one Slack call to the same stand-ins after the same idle pause: p50 %s (commit %s, Graph %s and Slack %s beyond the time held), p99 %s; tapbot's own beyond that floor: p50 %s",
		ms(percentile(overhead, 50)), ms(percentile(overhead, 99)), ms(percentile(elapsed, 50)), ms(percentile(elapsed, 99)), spread(onPath),
		ms(percentile(beyondHeld, 50)), ms(percentile(beyondHeld, 99)), lat,
		ms(percentile(floorTotal, 50)), ms(percentile(commit, 50)), ms(percentile(graph, 50)), ms(percentile(slack, 50)), ms(percentile(floorTotal, 99)),
		ms(max(percentile(beyondHeld, 50)-percentile(floorTotal, 50), 0)))
}

func countService(spans []span, service string) int {
	n := 0
	for _, s := range spans {
		if s.service == service {
			n++
		}
	}
	return n
}

// diff is a[i] − b[i] for each i.
func diff(a, b []int) []int {
	out := make([]int, len(a))
	for i := range a {
		out[i] = a[i] - b[i]
	}
	return out
}
