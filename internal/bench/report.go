package bench

import (
	"fmt"
	"io"
)

// report prints the rows and remembers which it printed.
type report struct {
	out     io.Writer
	printed map[string]bool
}

// row prints "label: figure (parameters)".
func (r *report) row(label, format string, args ...any) {
	r.printed[label] = true
	fmt.Fprintf(r.out, "%s: %s\n", label, fmt.Sprintf(format, args...))
}

// method says how the figures were taken.
func (r *report) method(cfg Config) {
	graph := "HTTP/1.1 only"
	if cfg.GraphHTTP2 {
		graph = "HTTP/2 offered"
	}
	fmt.Fprintf(r.out, `How:
  - tapbot serve runs as a child process, live Graph mode, against graphtest (HTTPS, %s, its certificate in
    SSL_CERT_FILE) and slacktest (plain HTTP, so Slack's TLS costs tapbot nothing here); /tap and Approve reach it
    as signed HTTP requests. Each part starts a fresh tapbot and database and first runs one flow with no latency,
    so the Graph token, the technicians' identities and the connections are warm. The stand-ins run in this
    process and share the machine's CPUs with tapbot.
  - acks: the time from sending a /tap to reading its answer, all %d sent at once.
  - round trips: the Graph calls that graphtest saw between the /tap and the card's chat.postMessage; calls that
    overlap in time are one round trip ("+" joins them, "→" separates rounds).
  - critical path: walking back from the chat.postEphemeral that shows the pass, each step is the Graph or Slack
    call that ended last before the current one started. Overhead = (end of that chat.postEphemeral − Approve sent)
    − the latency the stand-ins added to the calls on the path (Graph %s, Slack %s each).
  - flows: %d flows, %d at a time, each /tap → card → Approve → pass → the card's last redraw, stand-ins at %s per
    call. passes/s = passes shown ÷ time from the first /tap to the last pass; lost = no pass; duplicated = a flow
    shown more than one pass or Graph asked for more than one. TLS connections are those graphtest accepted
    (Graph and the token endpoint) during the flows; CPU is utime+stime of /proc/<pid>/stat over the flows;
    RSS is VmRSS just after start and VmHWM after the flows (/proc/<pid>/status).
  - store: %s. A PostgreSQL server on this machine shares its CPUs with tapbot and the stand-ins, and its
    CPU is not in "bot CPU per issued pass".
`, graph, cfg.Concurrency, cfg.GraphLatency, cfg.SlackLatency, cfg.Flows, cfg.Concurrency, cfg.FlowLatency, cfg.storeName())
}
