package approvals

import (
	"context"
	"time"
)

// Reminder is what a chat front-end implements, besides Notifier, to
// re-announce a pending request to its approvers: in the card's thread on
// Slack, as a reply to the card on Teams. mentions are the keys of the
// policy's ReminderMentions (people and groups), for the front-end to
// mention those it can; an error means the reminder was not shown.
type Reminder interface {
	Remind(ctx context.Context, r *Request, mentions []string) error
}

// RemindDue reminds the approvers of every pending request that has passed
// half its time to live and was not reminded yet, once per request: the
// reminder is recorded (an EventReminded) before it is posted, so a restart
// or a failed post does not remind twice. Requests of a platform whose
// front-end cannot remind, and those whose card was never posted, are left
// alone. It returns how many it reminded. The sweeper calls it.
func (s *Service) RemindDue(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.store.ListOpen(func(r *Request) bool { return remindDue(r, now) })
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		rem, ok := s.notifiers[d.Requester.Platform].(Reminder)
		if !ok {
			continue
		}
		r, err := s.store.Update(d.ID, func(r *Request) (Change, error) {
			at := s.now()
			if !remindDue(r, at) {
				return Change{}, stateError(r) // decided or reminded meanwhile: leave it
			}
			r.RemindedAt = at
			return Change{Events: []Event{eventFor(EventReminded, r, Principal{}, at, "halfway through the request lifetime")}}, nil
		})
		if err != nil {
			continue
		}
		n++
		if err := rem.Remind(ctx, r, s.scopeOf(r).ReminderMentions); err != nil {
			s.log.Warn("approvers not reminded", "request", r.ID, "err", err)
			continue
		}
		s.log.Info("approvers reminded", "request", r.ID)
	}
	return n, nil
}

// remindDue reports whether r waits for approval, has passed half its time
// to live without a reminder, and has a card to remind of.
func remindDue(r *Request, now time.Time) bool {
	if r.State != StatePending || !r.RemindedAt.IsZero() || r.Card.ID == "" || !now.Before(r.ExpiresAt) {
		return false
	}
	half := r.CreatedAt.Add(r.ExpiresAt.Sub(r.CreatedAt) / 2)
	return !now.Before(half)
}
