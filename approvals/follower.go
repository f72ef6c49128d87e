package approvals

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// followBatch is how many events a follower reads per transaction.
const followBatch = 100

// Follower hands every audit event, oldest first, to a destination outside
// the database (the Slack audit channel, a SIEM, stdout) and keeps in the
// store a cursor named Name: the sequence number of the last event Handle
// took. So delivery is at least once, in order, and survives restarts; an
// event is handed twice only when tapbot dies between Handle returning and
// the cursor being saved. Followers of one store with distinct names do not
// hold each other back. Two followers must not share a name.
type Follower struct {
	Store Store
	// Name is the cursor's reference in the store (PutRef's kind + "/" +
	// key), e.g. "slack-audit-mirror/C0123".
	Name string
	// Handle delivers one event; an error ends the round, and the event is
	// handed again once the backoff has passed. Its context is not cancelled
	// when the follower stops, so that an event in flight at a clean stop is
	// finished instead of abandoned and sent again at the next start: Handle
	// bounds its own time.
	Handle func(ctx context.Context, ev Event) error
	// Interval is how often the follower looks for a due retry, and for
	// events it was not woken for; it must be positive.
	Interval time.Duration
	// Backoff spaces out retries after failures; the zero Backoff retries
	// at the next look.
	Backoff Backoff
	// Now is the clock the backoff is measured on; nil: time.Now.
	Now func() time.Time
	// Failed, if set, is told of each failed round and when the next
	// attempt is due.
	Failed func(err error, retryIn time.Duration)
}

// Backoff doubles the wait after each consecutive failure, from Min up to
// Max.
type Backoff struct {
	Min, Max time.Duration
}

// after is the wait after the given number of consecutive failures (1 or
// more).
func (b Backoff) after(failures int) time.Duration {
	d := b.Min
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Followers starts followers of Store's audit log; it is what the Slack
// audit mirror takes.
type Followers struct {
	Store Store
}

// Follow runs a Follower of the store named name until ctx ends (see
// Follower): the whole of what a front-end needs to follow the audit log.
func (fs Followers) Follow(ctx context.Context, name string, interval time.Duration, handle func(context.Context, Event) error, failed func(error, time.Duration)) {
	f := Follower{Store: fs.Store, Name: name, Interval: interval, Handle: handle, Failed: failed}
	f.Run(ctx)
}

// Follow is Followers.Follow on s.
func (s *BoltStore) Follow(ctx context.Context, name string, interval time.Duration, handle func(context.Context, Event) error, failed func(error, time.Duration)) {
	Followers{s}.Follow(ctx, name, interval, handle, failed)
}

// Run follows the log until ctx ends: at once, whenever events are
// appended, and every Interval; after a failure not before the backoff has
// passed on the follower's clock.
func (f *Follower) Run(ctx context.Context) {
	tick := time.NewTicker(f.Interval)
	defer tick.Stop()
	var failures int
	var retryAt time.Time
	for {
		appended := f.Store.Appended() // taken before reading, so no append is missed
		if failures == 0 || !f.now().Before(retryAt) {
			err := f.drain(ctx)
			switch {
			case err == nil:
				failures = 0
			case ctx.Err() == nil:
				failures++
				wait := f.Backoff.after(failures)
				retryAt = f.now().Add(wait)
				if f.Failed != nil {
					f.Failed(err, wait)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-appended:
		}
	}
}

func (f *Follower) now() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

// drain hands every event after the cursor to Handle, moving the cursor
// past each one Handle took, until the log ends, Handle fails or ctx ends.
func (f *Follower) drain(ctx context.Context) error {
	for ctx.Err() == nil {
		cursor, err := f.Store.AuditCursor(f.Name)
		if err != nil {
			return err
		}
		events, err := f.Store.AuditAfter(cursor, followBatch)
		if err != nil || len(events) == 0 {
			return err
		}
		for _, ev := range events {
			if ctx.Err() != nil {
				return nil
			}
			if err := f.Handle(context.WithoutCancel(ctx), ev); err != nil {
				return fmt.Errorf("audit event %d: %w", ev.Seq, err)
			}
			if err := f.Store.SetAuditCursor(f.Name, ev.Seq); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendNotice wakes followers when audit events are committed, so that
// they take each event as it is appended instead of at their next look.
// The zero value is ready to use.
type appendNotice struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed at the next notify.
func (n *appendNotice) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

// notify wakes everyone waiting.
func (n *appendNotice) notify() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
}
