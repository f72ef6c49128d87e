package approvals

import "fmt"

// ReplacePolicy makes p the policy of every operation that starts from now
// and audits the change as one EventPolicyReloaded event by the bot with
// detail (say which file and which content, never the content: it names
// people). The event is written first: when it cannot be, the running
// policy stays and the error says why. Replacements are serialised, so the
// audit log lists them in the order they took effect.
func (s *Service) ReplacePolicy(p Policy, detail string) error {
	s.replacing.Lock()
	defer s.replacing.Unlock()
	ev := Event{Time: s.now().UTC(), Type: EventPolicyReloaded, Actor: BotActor, Tenant: s.tenantID, Detail: detail}
	if err := s.store.Record(ev); err != nil {
		return fmt.Errorf("audit the policy change: %w", err)
	}
	s.SetPolicy(p)
	return nil
}
