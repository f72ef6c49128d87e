package auditship

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/tapbot/tapbot/approvals"
)

// Lines writes each event as one Record in JSON and a newline, in a single
// Write, so that a log shipper reading tapbot's stdout (where nothing else
// is written: logs go to stderr) gets one event per line.
type Lines struct {
	Store approvals.Store // where requests are read
	W     io.Writer

	mu sync.Mutex
}

// Ship writes ev; it is an approvals.Follower's Handle. It fails only when
// the request cannot be read or the writer fails.
func (l *Lines) Ship(_ context.Context, ev approvals.Event) error {
	rec, err := RecordOf(l.Store, ev)
	if err != nil {
		return err
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode audit record %d: %w", ev.Seq, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.W.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write audit record %d to stdout: %w", ev.Seq, err)
	}
	return nil
}
