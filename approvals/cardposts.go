package approvals

import (
	"context"
	"sync"
)

// cardPosts knows the approval cards this process is posting whose place
// (MessageRef) is not recorded yet. A decision can be clicked on a card the
// instant chat has it, before its place is stored; committed then, and the
// process killed before the place is, the restarted tapbot would finish the
// request but never find the card to redraw it, and the card would offer
// its buttons forever. So a decision waits for the card's place to be
// recorded first (issue 13): both are in the store, or neither.
type cardPosts struct {
	mu      sync.Mutex
	posting map[string]chan struct{} // by request id, closed once recorded or failed
}

func newCardPosts() *cardPosts { return &cardPosts{posting: map[string]chan struct{}{}} }

// begin marks request id's card as being posted until done is called.
func (c *cardPosts) begin(id string) (done func()) {
	ch := make(chan struct{})
	c.mu.Lock()
	c.posting[id] = ch
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		if c.posting[id] == ch {
			delete(c.posting, id)
		}
		c.mu.Unlock()
		close(ch)
	}
}

// wait returns once request id's card is not being posted, at once when it
// is not. Returns EUNAVAILABLE when ctx ends first: nothing may be decided
// on a card whose place could still be lost.
func (c *cardPosts) wait(ctx context.Context, id string) error {
	c.mu.Lock()
	ch := c.posting[id]
	c.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return Errorf(EUNAVAILABLE, "Request %s's approval card is still being posted, so nothing was decided. Press the button again in a moment.", id)
	}
}
