package slacktest

import (
	"fmt"
	"time"
)

// triggerLifetime is how long Slack accepts a trigger id after handing it
// out: "expire after 3 seconds".
const triggerLifetime = 3 * time.Second

// trigger is a trigger id the fake handed out with an interaction.
type trigger struct {
	user    string // who acted: the modal it opens is theirs
	view    string // the modal the interaction happened in, "" outside one
	issued  time.Time
	used    bool // exchanged by views.open or views.push
	expired bool // ExpireTriggerID
}

// newTrigger hands out a trigger id for an interaction by user inside view
// ("" for one outside a modal), shaped like Slack's; s.mu held.
func (s *Server) newTrigger(user, view string) string {
	id := fmt.Sprintf("%d.%d.%s", tsEpoch+s.nextSeq(), 42, randomHex(8))
	s.triggers[id] = &trigger{user: user, view: view, issued: s.now()}
	return id
}

// ExpireTriggerID makes the trigger id refuse every later views.open and
// views.push with expired_trigger_id, as Slack does 3 seconds after handing
// it out (SetNow moves the clock instead). An unknown id is ignored.
func (s *Server) ExpireTriggerID(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.triggers[id]; ok {
		t.expired = true
	}
}

// exchangeTrigger spends trigger id on views.open or views.push, as Slack
// does: invalid_trigger_id for one it never handed out,
// exchanged_trigger_id for one already spent, expired_trigger_id for one
// older than 3 seconds. s.mu held.
func (s *Server) exchangeTrigger(id string) (*trigger, *apiError) {
	if id == "" {
		return nil, invalidArguments("[ERROR] missing required field: trigger_id")
	}
	t, ok := s.triggers[id]
	switch {
	case !ok:
		return nil, errCode("invalid_trigger_id")
	case t.used:
		return nil, errCode("exchanged_trigger_id")
	case t.expired || s.now().Sub(t.issued) > triggerLifetime:
		return nil, errCode("expired_trigger_id")
	}
	t.used = true
	return t, nil
}
