package approvals

import (
	"context"
	"sync"
)

// Threader is a Notifier that also keeps a trail of a request's decisions
// under its card (a threaded reply on Slack, a reply in a Teams channel
// thread), so a channel reads who did what when. The service calls Decided
// once for each decision committed (event is the audit event type:
// EventApproved, EventDenied, EventCancelled, EventExpired, EventDelivered,
// EventFailed, EventRevoked), in the order they were committed, in the
// background and never before the pass is delivered. Unlike UpdateCard,
// whose redraws are coalesced, no decision is skipped. r is the request as
// it stood right after the decision. Decided must never mention a pass.
type Threader interface {
	Decided(ctx context.Context, r *Request, event string) error
}

// threadPosts posts each request's trail in order: the posts of one
// request run one after another on the service's workers, those of
// different requests side by side.
type threadPosts struct {
	run func(f func(ctx context.Context))

	mu     sync.Mutex
	queues map[string][]func(ctx context.Context) // by request id, while posting
}

func newThreadPosts(run func(f func(ctx context.Context))) *threadPosts {
	return &threadPosts{run: run, queues: map[string][]func(ctx context.Context){}}
}

// add queues f behind request id's earlier posts.
func (t *threadPosts) add(id string, f func(ctx context.Context)) {
	t.mu.Lock()
	q, busy := t.queues[id]
	t.queues[id] = append(q, f)
	t.mu.Unlock()
	if !busy {
		t.run(func(ctx context.Context) { t.drain(ctx, id) })
	}
}

// drain posts request id's queue until it is empty.
func (t *threadPosts) drain(ctx context.Context, id string) {
	for {
		t.mu.Lock()
		q := t.queues[id]
		if len(q) == 0 {
			delete(t.queues, id)
			t.mu.Unlock()
			return
		}
		f := q[0]
		t.queues[id] = q[1:]
		t.mu.Unlock()
		f(ctx)
	}
}

// thread adds events of r, as it stands now, to the trail under its card,
// when its platform keeps one and the card exists. It returns at once. A
// decision made in the instant between posting the card and recording
// where it is finds the card's place when its reply is posted.
func (s *Service) thread(r *Request, events ...string) {
	if r == nil {
		return
	}
	n, err := s.notifier(r)
	if err != nil {
		return // refresh logs a stranded request
	}
	th, ok := n.(Threader)
	if !ok {
		return
	}
	snap := *r
	s.threads.add(r.ID, func(ctx context.Context) {
		if snap.Card.ID == "" {
			if cur, err := s.store.Get(snap.ID); err == nil {
				snap.Card = cur.Card
			}
		}
		if snap.Card.ID == "" {
			return // no card, no thread: the card is drawn with the decision when it is posted
		}
		for _, ev := range events {
			if err := th.Decided(ctx, &snap, ev); err != nil {
				s.log.Warn("decision not added to the card's thread", "request", snap.ID, "event", ev, "err", err)
			}
		}
	})
}
