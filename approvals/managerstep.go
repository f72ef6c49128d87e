package approvals

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ManagerAsker is a Notifier that can ask a target's manager to confirm a
// request (the manager step). A notifier that is not one asks nobody; when
// no notifier is one, every manager is unreachable.
type ManagerAsker interface {
	// AskManager asks manager privately to confirm that r is for their
	// employee and that the employee asked for it, with Confirm and
	// Reject buttons that call Service.ManagerDecide. It finds the manager
	// on its platform (Slack: by the manager's mail or UPN with
	// users.lookupByEmail; Teams: by Entra object id, where the bot can
	// reach them) and returns whom it asked and where the ask is. Returns
	// ENOTFOUND when the manager cannot be reached on this platform. It may
	// be called again for the same request after a restart.
	AskManager(ctx context.Context, r *Request, manager Person) (ManagerContact, error)
}

// ManagerContact is whom a ManagerAsker asked, and where.
type ManagerContact struct {
	// Principal is the manager's chat account. Its EntraID, when the
	// front-end leaves it empty, is taken to be the manager's: the
	// front-end found the account by the manager's directory entry.
	Principal Principal
	Message   MessageRef // the ask, for the front-end to update after the answer
}

// errUnchanged, returned by a step's change inside its transaction, leaves
// the request as it is: the step moved on meanwhile, or the event repeats
// one already applied.
var errUnchanged = errors.New("unchanged")

// updateStep applies fn to pending request id in one transaction and
// appends one event of type typ by actor (nil: the bot) with the detail fn
// returns. fn returning errUnchanged writes nothing; updateStep then
// returns the request as stored and errUnchanged.
func (s *Service) updateStep(ctx context.Context, id string, actor *Principal, typ string, fn func(r *Request) (string, error)) (*Request, error) {
	r, err := s.updatePending(ctx, id, func(r *Request) (Change, error) {
		detail, err := fn(r)
		if err != nil {
			return Change{}, err
		}
		r.UpdatedAt = s.now()
		var who Principal
		if actor != nil {
			who = *actor
		}
		return Change{Events: []Event{eventFor(typ, r, who, r.UpdatedAt, detail)}}, nil
	})
	if errors.Is(err, errUnchanged) {
		r, _ = s.store.Get(id)
	}
	return r, err
}

// askManager asks r's manager in chat and records whom it asked; when
// nobody can be asked it applies the policy (managerUnreachable).
func (s *Service) askManager(ctx context.Context, r *Request) (*Request, error) {
	manager := r.Verify.Manager.Manager
	contact, platform, why := s.reachManager(ctx, r, manager)
	if why != "" {
		return s.managerUnreachable(ctx, r, why)
	}
	asked, err := s.updateStep(ctx, r.ID, nil, EventManagerAsked, func(r *Request) (string, error) {
		m := r.Verify.Manager
		if m.State != ManagerNotAsked {
			return "", errUnchanged
		}
		m.State, m.Asked, m.Message, m.At = ManagerAsked, &contact.Principal, contact.Message, s.now()
		return fmt.Sprintf("asked %s in %s to confirm", personLabel(manager), platformTitle(platform)), nil
	})
	if err != nil {
		if errors.Is(err, errUnchanged) {
			return asked, nil
		}
		return asked, err
	}
	s.log.Info("manager asked", append(s.logTenant(asked), "request", asked.ID, "platform", platform)...)
	s.refresh(ctx, asked, EventManagerAsked, fmt.Sprintf("tapbot asked %s, the manager of %s, in %s to confirm request %s. Approvers can approve it once they have.",
		personName(manager), asked.Target.UPN, platformTitle(platform), asked.ID))
	return asked, nil
}

// reachManager asks manager through the front-ends, the requester's first.
// It returns whom it asked and on which platform, or why nobody could be
// asked.
func (s *Service) reachManager(ctx context.Context, r *Request, manager Person) (ManagerContact, string, string) {
	askers := s.managerAskers(r.Requester.Platform)
	if len(askers) == 0 {
		return ManagerContact{}, "", "no chat platform of this tapbot can ask managers"
	}
	var tried, failures []string
	for _, a := range askers {
		c, err := a.asker.AskManager(ctx, r, manager)
		if err == nil {
			if c.Principal.EntraID == "" {
				c.Principal.EntraID = manager.ID
			}
			if why := s.wrongContact(r, manager, c); why != "" {
				return ManagerContact{}, "", why
			}
			return c, a.platform, ""
		}
		tried = append(tried, platformTitle(a.platform))
		if ErrorCode(err) != ENOTFOUND {
			s.log.Warn("manager not asked", "request", r.ID, "platform", a.platform, "err", err)
			failures = append(failures, ErrorMessage(err))
		}
	}
	why := fmt.Sprintf("tapbot could not reach %s, the manager of %s, in %s", personName(manager), r.Target.UPN, strings.Join(tried, " or "))
	if len(failures) > 0 {
		why += " (" + strings.Join(failures, "; ") + ")"
	}
	return ManagerContact{}, "", why
}

// wrongContact says why the account a front-end asked cannot confirm: it
// is the requester's, or another Entra user's than the manager's.
func (s *Service) wrongContact(r *Request, manager Person, c ManagerContact) string {
	switch {
	case c.Principal.Same(r.Requester) || isEntraUser(r.Requester, c.Principal.EntraID):
		return fmt.Sprintf("%s, the manager of %s, is the requester, and nobody confirms their own request", personName(manager), r.Target.UPN)
	case !strings.EqualFold(c.Principal.EntraID, manager.ID):
		return fmt.Sprintf("the %s account tapbot found for %s, the manager of %s, belongs to another Entra user", platformTitle(c.Principal.Platform), personName(manager), r.Target.UPN)
	}
	return ""
}

// managerUnreachable applies the policy the request was raised under when
// its manager cannot be asked: a callback stands in, or the request ends
// failed and the error says why (the caller tells the requester).
func (s *Service) managerUnreachable(ctx context.Context, r *Request, why string) (*Request, error) {
	fallback := r.Verify.Manager.IfUnreachable == ManagerUnreachableCallback
	reason := "the manager could not be asked to confirm: " + why
	out, err := s.updateStep(ctx, r.ID, nil, EventManagerUnreachable, func(r *Request) (string, error) {
		m := r.Verify.Manager
		if m.State != ManagerNotAsked {
			return "", errUnchanged
		}
		m.State, m.Why, m.Fallback, m.At = ManagerUnreachable, why, fallback, s.now()
		if fallback {
			r.Verify.requireCallback(true)
			return why + "; an approver must call the user back instead", nil
		}
		r.State, r.FailureReason = StateFailed, reason
		return why, nil
	})
	if err != nil {
		if errors.Is(err, errUnchanged) {
			return out, nil
		}
		return out, err
	}
	s.log.Warn("manager unreachable", append(s.logTenant(out), "request", out.ID, "fallback", fallback)...)
	s.thread(out, EventManagerUnreachable)
	if fallback {
		s.refresh(ctx, out, EventManagerUnreachable, fmt.Sprintf("Request %s for %s: %s. Instead, an approver has to call the user back on a number from the directory before approving.", out.ID, out.Target.UPN, why))
		return out, nil
	}
	s.refresh(ctx, out, "", "")
	return out, Errorf(EFORBIDDEN, "Request %s for %s is closed: %s, and tapbot's policy needs the manager to confirm. Nothing was issued. Ask %s to open a chat with tapbot (or fix the manager in Entra ID), then raise the request again.",
		out.ID, out.Target.UPN, why, personName(r.Verify.Manager.Manager))
}

// ManagerDecide records the answer of request id's manager: confirm, or
// reject, which ends the request denied with the manager as DecidedBy. by
// must be the manager — the chat account tapbot asked, or an account
// tapbot knows to be the manager's Entra user (a Teams id; a Slack user
// through Identities) — and never the requester. The card is redrawn, the
// requester told and the answer added to the card's thread. Returns
// EFORBIDDEN for anyone else, EINVALID when the request asks no manager,
// ECONFLICT when the manager already answered or the request is no longer
// pending, ENOTFOUND for an unknown id.
func (s *Service) ManagerDecide(ctx context.Context, id string, by Principal, confirm bool) (*Request, error) {
	cur, err := s.store.Get(id)
	if err != nil {
		return nil, err
	}
	if cur.Verify == nil || cur.Verify.Manager == nil || !cur.Verify.Manager.Required {
		return cur, Errorf(EINVALID, "Request %s does not ask for a manager's confirmation.", id)
	}
	if by, err = s.identifyManager(ctx, cur, by); err != nil {
		return cur, err
	}
	typ, reason := EventManagerConfirmed, ""
	if !confirm {
		typ, reason = EventManagerRejected, "manager rejected: "+nameOf(&by)+" says the user did not ask for this pass"
	}
	r, err := s.updatePending(ctx, id, func(r *Request) (Change, error) {
		m := r.Verify.Manager
		if m.State != ManagerAsked {
			return Change{}, managerAnswered(r)
		}
		now := s.now()
		m.State, m.By, m.At, r.UpdatedAt = ManagerConfirmed, &by, now, now
		detail := personLabel(m.Manager) + " confirmed that the user asked for this pass"
		if !confirm {
			m.State, detail = ManagerRejected, reason
			r.State, r.DecidedBy, r.DecisionReason = StateDenied, &by, reason
		}
		return Change{Events: []Event{eventFor(typ, r, by, now, detail)}}, nil
	})
	if err != nil {
		return r, err
	}
	s.log.Info("manager answered", append(s.logTenant(r), "request", r.ID, "by", by.Key(), "confirmed", confirm)...)
	s.refresh(ctx, r, typ, managerAnswerText(r, confirm))
	s.thread(r, typ)
	return r, nil
}

// identifyManager returns by, with their Entra id where tapbot can tell
// it, when by may answer for r's manager; EFORBIDDEN otherwise.
func (s *Service) identifyManager(ctx context.Context, r *Request, by Principal) (Principal, error) {
	m := r.Verify.Manager
	asked := m.Asked != nil && by.Platform == m.Asked.Platform && by.ID == m.Asked.ID
	if asked && by.EntraID == "" {
		by.EntraID = m.Asked.EntraID
	}
	if !asked {
		var err error
		if by, _, err = s.identify(ctx, s.scopeOf(r), by); err != nil {
			return by, err
		}
	}
	if by.Same(r.Requester) || (by.EntraID != "" && isEntraUser(r.Requester, by.EntraID)) {
		return by, Errorf(EFORBIDDEN, "You asked for %s yourself; %s, the manager of %s, has to confirm it.", r.ID, personName(m.Manager), r.Target.UPN)
	}
	if !asked && !isEntraUser(by, m.Manager.ID) {
		return by, Errorf(EFORBIDDEN, "Only %s, the manager of %s in Entra ID, can confirm or reject %s.", personName(m.Manager), r.Target.UPN, r.ID)
	}
	return by, nil
}

// managerAnswered explains why a manager's answer came too late.
func managerAnswered(r *Request) error {
	m := r.Verify.Manager
	switch m.State {
	case ManagerConfirmed:
		return Errorf(ECONFLICT, "%s already confirmed %s.", nameOf(m.By), r.ID)
	case ManagerNotAsked, ManagerUnreachable:
		return Errorf(ECONFLICT, "Request %s is not waiting for its manager.", r.ID)
	}
	return stateError(r)
}

// managerAnswerText tells the requester what the manager answered.
func managerAnswerText(r *Request, confirm bool) string {
	m := r.Verify.Manager
	if !confirm {
		return fmt.Sprintf("%s, the manager of %s, rejected request %s: they say the user did not ask for a pass. The request is closed and nothing was issued; treat the call that asked for it as suspicious.",
			personName(m.Manager), r.Target.UPN, r.ID)
	}
	text := fmt.Sprintf("%s, the manager of %s, confirmed request %s.", personName(m.Manager), r.Target.UPN, r.ID)
	if slices.Contains(r.Verify.Pending(), StepVerifiedID) {
		return text + " It still waits for the user's Verified ID check."
	}
	return text + " Approvers can approve it now."
}

// personLabel names a directory person with their UPN, for the audit log.
func personLabel(p Person) string {
	name := personName(p)
	if p.UPN != "" && p.UPN != name {
		return name + " (" + p.UPN + ")"
	}
	return name
}
