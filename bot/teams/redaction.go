package teams

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
)

// Where pending removals are stored (approvals.RefStore).
const (
	refRedactions = "teams-redactions"
	keyPending    = "pending"
)

// redactRetry is how long a failed removal waits before it is tried again.
const redactRetry = 30 * time.Second

// pendingRedaction is a delivered pass message that must lose its pass. It
// says where the message is and what to write instead; it never holds the
// pass.
type pendingRedaction struct {
	RequestID  string                       `json:"requestId"`
	ActivityID string                       `json:"activityId"`
	Ref        schema.ConversationReference `json:"ref"`
	Deadline   time.Time                    `json:"deadline"`
	Requester  string                       `json:"requester"` // Entra object id: only they may press Done
	TargetName string                       `json:"targetName"`
	TargetUPN  string                       `json:"targetUpn"`
	PassEnd    time.Time                    `json:"passEnd"`
	TenantName string                       `json:"tenantName,omitempty"` // MSP mode: the request's customer tenant
	Offered    bool                         `json:"offered,omitempty"`    // shown at a Show pass press: the card keeps Re-issue
}

// redactor keeps the pending removals in the store, so that a restart
// redoes them, and the signals of the timers waiting for them. A removal in
// flight is marked so that the timer and the Done button never both edit
// the message.
type redactor struct {
	store approvals.RefStore
	retry time.Duration

	mu       sync.Mutex
	inflight map[string]bool
	wake     map[string]chan struct{} // closed when the removal is done
	expected map[string]chan struct{} // closed when a pass message just sent has its removal stored
	quit     chan struct{}            // closed when the bot stops
	stopped  bool
}

func newRedactor() *redactor {
	return &redactor{
		retry: redactRetry, inflight: map[string]bool{}, wake: map[string]chan struct{}{},
		expected: map[string]chan struct{}{}, quit: make(chan struct{}),
	}
}

// expect marks the pass message of request id as being sent; the returned
// function ends that once its removal is stored (or the message failed).
// Done can be pressed as soon as Teams shows the message, which may be
// before the removal is stored.
func (r *redactor) expect(id string) (stored func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch := make(chan struct{})
	r.expected[id] = ch
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		close(ch)
		if r.expected[id] == ch {
			delete(r.expected, id)
		}
	}
}

// await waits until the removal of a pass message being sent is stored.
func (r *redactor) await(ctx context.Context, id string) {
	r.mu.Lock()
	ch, ok := r.expected[id]
	r.mu.Unlock()
	if !ok {
		return
	}
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// load returns the stored removals.
func (r *redactor) load() ([]pendingRedaction, error) {
	data, err := r.store.GetRef(refRedactions, keyPending)
	if err != nil {
		return nil, err
	}
	return decodeRemovals(data)
}

func decodeRemovals(data []byte) ([]pendingRedaction, error) {
	if len(data) == 0 {
		return nil, nil
	}
	var list []pendingRedaction
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("decode pending pass removals: %w", err)
	}
	return list, nil
}

// change replaces the stored removals with what fn makes of them, in one
// transaction of the store: replicas delivering and removing passes at
// once lose none of each other's removals.
func (r *redactor) change(fn func([]pendingRedaction) []pendingRedaction) error {
	return r.store.UpdateRef(refRedactions, keyPending, func(old []byte) ([]byte, error) {
		list, err := decodeRemovals(old)
		if err != nil {
			return nil, err
		}
		data, err := json.Marshal(fn(list))
		if err != nil {
			return nil, fmt.Errorf("encode pending pass removals: %w", err)
		}
		return data, nil
	})
}

// pending returns every stored removal.
func (r *redactor) pending() ([]pendingRedaction, error) { return r.load() }

// get returns the stored removal of request id.
func (r *redactor) get(id string) (pendingRedaction, bool, error) {
	list, err := r.pending()
	if i := slices.IndexFunc(list, func(p pendingRedaction) bool { return p.RequestID == id }); i >= 0 {
		return list[i], true, err
	}
	return pendingRedaction{}, false, err
}

// add stores a new removal, replacing an older one of the same request.
func (r *redactor) add(p pendingRedaction) error {
	return r.change(func(list []pendingRedaction) []pendingRedaction {
		list = slices.DeleteFunc(list, func(o pendingRedaction) bool { return o.RequestID == p.RequestID })
		return append(list, p)
	})
}

// begin claims the removal of request id for the caller and returns it; it
// returns false when there is none or another caller holds it.
func (r *redactor) begin(id string) (pendingRedaction, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inflight[id] {
		return pendingRedaction{}, false, nil
	}
	list, err := r.load()
	i := slices.IndexFunc(list, func(p pendingRedaction) bool { return p.RequestID == id })
	if err != nil || i < 0 {
		return pendingRedaction{}, false, err
	}
	r.inflight[id] = true
	return list[i], true, nil
}

// finish forgets removal p: the pass is gone from the chat. A removal of
// the same request stored since (a pass re-issued into the card while p
// was under way) stays, and its timer keeps waiting.
func (r *redactor) finish(p pendingRedaction) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.inflight, p.RequestID)
	var newer bool
	err := r.change(func(list []pendingRedaction) []pendingRedaction {
		newer = slices.ContainsFunc(list, func(o pendingRedaction) bool { return o.RequestID == p.RequestID && o.Deadline.After(p.Deadline) })
		if newer {
			return list
		}
		return slices.DeleteFunc(list, func(o pendingRedaction) bool { return o.RequestID == p.RequestID })
	})
	if err != nil || newer {
		return err
	}
	if ch, ok := r.wake[p.RequestID]; ok {
		close(ch)
		delete(r.wake, p.RequestID)
	}
	return nil
}

// busy reports whether the removal of request id is under way here.
func (r *redactor) busy(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inflight[id]
}

// abort releases the claim of begin after a failed attempt.
func (r *redactor) abort(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.inflight, id)
}

// superseded reports whether the removal of p gave way to a later one: a
// pass re-issued into the same card, whose own timer removes it in its own
// time.
func (r *redactor) superseded(p pendingRedaction) bool {
	cur, ok, err := r.get(p.RequestID)
	return err == nil && ok && cur.Deadline.After(p.Deadline)
}

// signal returns the channel closed when the removal of id is done.
func (r *redactor) signal(id string) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch, ok := r.wake[id]
	if !ok {
		ch = make(chan struct{})
		r.wake[id] = ch
	}
	return ch
}

// stop makes every timer stop waiting; the removals stay stored.
func (r *redactor) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.stopped {
		r.stopped = true
		close(r.quit)
	}
}

// Start redoes the pass removals a previous run left pending (at once for
// those past their time) and arranges that, when ctx ends, timers still
// waiting stop waiting; their removals stay stored for the next start, and
// a removal already under way finishes. Call it once after Attach, with the
// context whose end starts shutdown. It returns an error when the stored
// removals cannot be read. Replicas sharing a store call StartReplica
// instead, and leave the stored removals to FinishRemovals.
func (b *Bot) Start(ctx context.Context) error {
	b.StartReplica(ctx)
	return b.redoPending()
}

// StartReplica is Start without redoing the stored removals: the removals
// of the passes this replica delivers are timed here, and those of a
// replica that died before their time are done by whichever replica runs
// FinishRemovals.
func (b *Bot) StartReplica(ctx context.Context) {
	go func() {
		<-ctx.Done()
		b.red.stop()
	}()
}

// redoPending schedules every stored removal, at once for those past their
// time.
func (b *Bot) redoPending() error {
	list, err := b.red.pending()
	if err != nil {
		return fmt.Errorf("read pending pass removals: %w", err)
	}
	for _, p := range list {
		b.log.Info("pass removal resumed", "request", p.RequestID, "due", p.Deadline)
		b.schedule(p, p.Deadline)
	}
	return nil
}

// FinishRemovals does, until ctx ends, the pass removals nobody else is
// doing: at once every stored removal is scheduled (as Start does), then
// each removal overdue by more than the retry interval and not under way
// here is done — its replica died, or lost the database, before its time.
// One replica of those sharing a store runs it (the holder of a lease);
// should two remove one pass, both write the same "removed" card.
func (b *Bot) FinishRemovals(ctx context.Context) {
	if err := b.redoPending(); err != nil {
		b.log.Error("pending pass removals unreadable", "err", err)
	}
	tick := time.NewTicker(b.red.retry)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			b.removeOverdue(ctx)
		}
	}
}

// removeOverdue removes the passes overdue by more than the retry
// interval.
func (b *Bot) removeOverdue(ctx context.Context) {
	list, err := b.red.pending()
	if err != nil {
		b.log.Error("pending pass removals unreadable", "err", err)
		return
	}
	late := b.svc.Now().Add(-b.red.retry)
	for _, p := range list {
		if p.Deadline.Before(late) && !b.red.busy(p.RequestID) {
			b.log.Warn("pass removal overdue: removing it here", "request", p.RequestID, "due", p.Deadline)
			b.redact(ctx, p.RequestID)
		}
	}
}

// schedule removes the pass of p at the time at, through the service's
// GoWaiting so that shutdown waits for a removal under way; the wait for
// the time keeps no worker from the requests (Go).
func (b *Bot) schedule(p pendingRedaction, at time.Time) {
	done := b.red.signal(p.RequestID)
	b.svc.GoWaiting(func(ctx context.Context) {
		t := time.NewTimer(max(0, at.Sub(b.svc.Now())))
		defer t.Stop()
		select {
		case <-t.C:
		case <-done:
			return
		case <-b.red.quit:
			return
		case <-ctx.Done():
			return
		}
		if b.red.superseded(p) {
			return
		}
		b.redact(ctx, p.RequestID)
	})
}

// redact removes the pass of request id from its message now, unless
// someone else is doing it or it is done. A failure is retried after a
// while; a message Teams no longer has counts as done.
func (b *Bot) redact(ctx context.Context, id string) {
	p, ok, err := b.red.begin(id)
	if err != nil {
		b.log.Error("pending pass removals unreadable", "err", err)
		return
	}
	if !ok {
		return
	}
	if err := b.removePass(ctx, p); err != nil && !isNotFound(err) {
		b.red.abort(id)
		b.log.Error("PASS STILL VISIBLE in the requester's Teams chat; retrying", "request", id, "retry_in", b.red.retry, "err", err)
		b.schedule(p, b.svc.Now().Add(b.red.retry))
		return
	}
	if err := b.red.finish(p); err != nil {
		b.log.Error("pass removed but still listed as pending", "request", id, "err", err)
	}
	b.log.Info("pass removed from the requester's Teams chat", "request", id)
}

// removePass replaces the pass message with one that says the pass was
// removed (Bot Connector UpdateActivity through the library's adapter).
func (b *Bot) removePass(ctx context.Context, p pendingRedaction) error {
	act := outgoing(p.Ref, fmt.Sprintf("Temporary Access Pass for %s (request %s): removed", p.TargetUPN, p.RequestID), b.removedCard(p, b.svc.Now()))
	act.ID = p.ActivityID
	if err := b.adapter.UpdateActivity(ctx, act); err != nil {
		return teamsError("remove the pass from the chat", err)
	}
	return nil
}
