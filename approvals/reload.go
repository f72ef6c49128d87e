package approvals

import "fmt"

// EventPolicyReloaded is the audit event of a policy put in force while
// tapbot runs; it names no request.
const EventPolicyReloaded = "policy-reloaded"

// ReloadPolicy puts p in force (see SetPolicy) and records that in the
// audit log, with source (e.g. the policy file and a digest of its content)
// as the event's detail. The policy is in force only once the event is
// recorded: a reload the audit log does not show never happens.
func (s *Service) ReloadPolicy(p Policy, source string) error {
	ev := Event{Time: s.now().UTC(), Type: EventPolicyReloaded, Actor: BotActor, Tenant: s.tenantID, Detail: source}
	if err := s.store.Record(ev); err != nil {
		return fmt.Errorf("audit policy reload: %w", err)
	}
	s.SetPolicy(p)
	s.log.Info("policy reloaded", "source", source)
	return nil
}
