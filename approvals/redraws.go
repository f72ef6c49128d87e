package approvals

import (
	"context"
	"sync"
)

// maxDrawing bounds the cards drawn at once: a sweep that expires hundreds
// of requests must not send Slack hundreds of chat.update calls together
// (it would rate-limit them).
const maxDrawing = 8

// cardRedraws redraws approval cards in the background, so that no chat
// call to redraw a card stands between an approval and its pass. Each card
// is drawn by at most one goroutine at a time, always from the request as
// stored when the draw begins: redraws asked for while one is being drawn,
// or while the card is held, become a single draw of the latest state, and
// the last state is always drawn. At most maxDrawing cards are drawn at
// once.
type cardRedraws struct {
	ctx  context.Context
	draw func(ctx context.Context, id string)
	slot chan struct{} // one token per card being drawn

	mu      sync.Mutex
	cards   map[string]*cardRedraw // by request id, while asked for, drawing or held
	drawing sync.WaitGroup         // goroutines drawing
}

// cardRedraw is where one card's redraws stand.
type cardRedraw struct {
	dirty   bool // a redraw is asked for and not yet begun
	running bool // a goroutine draws the card
	holds   int  // holders that want it drawn only after they are done
}

func newCardRedraws(ctx context.Context, draw func(ctx context.Context, id string)) *cardRedraws {
	return &cardRedraws{ctx: ctx, draw: draw, slot: make(chan struct{}, maxDrawing), cards: map[string]*cardRedraw{}}
}

// redraw asks for request id's card to be drawn again, soon.
func (c *cardRedraws) redraw(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cr := c.entry(id)
	cr.dirty = true
	c.start(id, cr)
}

// hold keeps request id's card as it is until release is called: whatever
// redraws are asked for meanwhile are drawn once, after it. A card can be
// held by several callers at once.
func (c *cardRedraws) hold(id string) (release func()) {
	c.mu.Lock()
	c.entry(id).holds++
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			cr := c.cards[id]
			cr.holds--
			c.start(id, cr)
			c.forget(id, cr)
		})
	}
}

// wait returns when no card is being drawn and none is due to be, except
// those held.
func (c *cardRedraws) wait() { c.drawing.Wait() }

// entry is id's redraw state, created when missing; c.mu held.
func (c *cardRedraws) entry(id string) *cardRedraw {
	cr := c.cards[id]
	if cr == nil {
		cr = &cardRedraw{}
		c.cards[id] = cr
	}
	return cr
}

// start begins drawing id's card if that is asked for and nothing stops
// it; c.mu held.
func (c *cardRedraws) start(id string, cr *cardRedraw) {
	if !cr.dirty || cr.running || cr.holds > 0 {
		return
	}
	cr.running = true
	c.drawing.Add(1)
	go c.run(id, cr)
}

// run draws id's card until no redraw is asked for any more.
func (c *cardRedraws) run(id string, cr *cardRedraw) {
	defer c.drawing.Done()
	for {
		c.mu.Lock()
		if !cr.dirty || cr.holds > 0 {
			cr.running = false
			c.forget(id, cr)
			c.mu.Unlock()
			return
		}
		cr.dirty = false
		c.mu.Unlock()
		c.drawOne(id)
	}
}

// drawOne draws id's card when a slot is free. Once the service's context
// has ended nothing is drawn: Shutdown gave up waiting.
func (c *cardRedraws) drawOne(id string) {
	select {
	case c.slot <- struct{}{}:
	case <-c.ctx.Done():
		return
	}
	defer func() { <-c.slot }()
	c.draw(c.ctx, id)
}

// forget drops id's state once nothing is left of it; c.mu held.
func (c *cardRedraws) forget(id string, cr *cardRedraw) {
	if !cr.dirty && !cr.running && cr.holds == 0 {
		delete(c.cards, id)
	}
}
