package slack

import (
	"context"
	"sync"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// envelopeWindow is how long a served Socket Mode envelope is remembered.
// Slack re-sends an envelope it got no ack for a few times within some
// minutes (Events API: at once, after one and after five minutes); ten
// minutes outlasts them all.
const envelopeWindow = 10 * time.Minute

// The kinds of keys in the replay memory replicas share.
const (
	replaySignatures = "slack-signature" // the signatures of signed HTTP requests
	replayEnvelopes  = "slack-envelope"  // the ids of Socket Mode envelopes
)

// servedEnvelopes remembers the Socket Mode envelopes the bot has acted on,
// by envelope id, and how it answered each. Slack re-sends an envelope
// whose ack it did not get, with the same id: such a re-delivery must get
// the same answer and must not act again (raise a second request, press a
// button twice). The memory is the process's: a restart forgets it. Slack
// spreads envelopes, and their re-deliveries, over every connection of the
// app (up to 10), so replicas each with their own connection also share
// which envelope ids were taken (share).
type servedEnvelopes struct {
	mu        sync.Mutex
	byID      map[string]*envelopeAnswer
	lastSweep time.Time
	shared    approvals.Replays // nil: this process's memory only
}

// share makes s also claim each envelope in m, which every replica of the
// store consults.
func (s *servedEnvelopes) share(m approvals.Replays) { s.shared = m }

// elsewhere reports whether another replica already took envelope id, as
// far as the shared memory tells. When it cannot tell, the envelope is
// acted on here: a re-delivery acted on twice is refused by the request's
// own rules (one open request per target, one approval per approver),
// while an envelope acted on nowhere is lost.
func (s *servedEnvelopes) elsewhere(id string) (bool, error) {
	if s.shared == nil || id == "" {
		return false, nil
	}
	first, err := s.shared.FirstSeen(replayEnvelopes, []byte(id), envelopeWindow)
	return err == nil && !first, err
}

// envelopeAnswer is the acknowledgement of one envelope; ready is closed
// once reply is set.
type envelopeAnswer struct {
	at    time.Time
	ready chan struct{}
	reply any
}

func newServedEnvelopes() *servedEnvelopes {
	return &servedEnvelopes{byID: map[string]*envelopeAnswer{}}
}

// take returns the answer of envelope id, seen at now, and whether this is
// its first delivery; the caller of a first delivery must settle the
// answer once it knows it. An envelope without an id is never taken for a
// re-delivery. Answers older than the window are dropped at most once per
// window, as bot.ReplayGuard does.
func (s *servedEnvelopes) take(id string, now time.Time) (*envelopeAnswer, bool) {
	a := &envelopeAnswer{at: now, ready: make(chan struct{})}
	if id == "" {
		return a, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastSweep) > envelopeWindow {
		for k, old := range s.byID {
			if now.Sub(old.at) > envelopeWindow {
				delete(s.byID, k)
			}
		}
		s.lastSweep = now
	}
	if first, seen := s.byID[id]; seen {
		return first, false
	}
	s.byID[id] = a
	return a, true
}

// settle records reply as the answer and releases re-deliveries waiting
// for it. Call it exactly once.
func (a *envelopeAnswer) settle(reply any) {
	a.reply = reply
	close(a.ready)
}

// wait returns the answer of the first delivery once it is known, or nil
// (an empty ack) when ctx ends first.
func (a *envelopeAnswer) wait(ctx context.Context) any {
	select {
	case <-a.ready:
		return a.reply
	case <-ctx.Done():
		return nil
	}
}
