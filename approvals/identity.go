package approvals

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Identity is who a technician is in Entra, as far as tapbot can tell.
type Identity struct {
	EntraID string // object id of their Entra user; "" when none is known
	Email   string // the address their chat platform verified; "" when none
}

func (id Identity) known() bool { return id.EntraID != "" || id.Email != "" }

// owns reports whether t is the Entra account of the person id describes.
func (id Identity) owns(t Target) bool {
	return (id.EntraID != "" && strings.EqualFold(id.EntraID, t.ID)) ||
		(id.Email != "" && strings.EqualFold(id.Email, t.UPN))
}

// Identities tells who technicians are in Entra, so that one person is one
// identity across Slack and Teams and a technician's own account is known
// when it is the target of a request. internal/identity implements it: a Teams
// user's id is their Entra object id; a Slack user is matched to Entra by
// the e-mail address Slack verified.
type Identities interface {
	// Identify returns what is known of p, the zero Identity when nothing
	// is. An error means tapbot could not ask.
	Identify(ctx context.Context, p Principal) (Identity, error)
	// Members returns the people in a chat platform's group, named by group
	// key ("slack-group:S0123"); nil for a key it does not serve.
	Members(ctx context.Context, groupKey string) ([]Principal, error)
}

// Roster is implemented by an Authorizer that can list whom it allows, as
// principal and group keys, so that tapbot can refuse passes for the
// accounts of the technicians it knows.
type Roster interface {
	Technicians() (requesters, approvers []string)
}

// identify fills in p.EntraID and returns what is known of p; without
// Identities nothing is.
func (s *Service) identify(ctx context.Context, pol *scope, p Principal) (Principal, Identity, error) {
	if pol.Identities == nil {
		return p, Identity{}, nil
	}
	id, err := pol.Identities.Identify(ctx, p)
	if err != nil {
		return p, Identity{}, fmt.Errorf("identify %s: %w", p.Key(), err)
	}
	p.EntraID = id.EntraID
	return p, id, nil
}

// identifyBoth fills in the Entra ids of an approver and of the requester,
// whose id is looked up again only when the stored request lacks it (stored
// before tapbot recorded it, or unknown then).
func (s *Service) identifyBoth(ctx context.Context, pol *scope, requester, approver Principal) (Principal, Principal, error) {
	approver, _, err := s.identify(ctx, pol, approver)
	if err != nil || requester.EntraID != "" {
		return requester, approver, err
	}
	requester, _, err = s.identify(ctx, pol, requester)
	return requester, approver, err
}

// checkWhoseAccount refuses a pass for the account of the requester or of
// any technician tapbot knows: its holder could sign in as that technician
// and, where the Entra account is the tapbot identity (Teams), approve
// requests as them. It returns the requester with their Entra id filled in
// and, when the policy's break-glass process allows such a target, the
// exception to show. Returns EFORBIDDEN saying why.
func (s *Service) checkWhoseAccount(ctx context.Context, pol *scope, requester Principal, t Target) (Principal, string, error) {
	requester, id, err := s.identify(ctx, pol, requester)
	if err != nil {
		return requester, "", err
	}
	reads := newTargetReads(ctx, pol.graph, t)
	defer reads.stop()
	return s.whoseAccount(ctx, pol, requester, id, t, reads)
}

// whoseAccount is checkWhoseAccount for a requester already identified as
// id, with the target's groups from reads (draft starts them ahead).
func (s *Service) whoseAccount(ctx context.Context, pol *scope, requester Principal, id Identity, t Target, reads *targetReads) (Principal, string, error) {
	var err error
	if pol.Identities != nil && !id.known() {
		return requester, "", Errorf(EFORBIDDEN, "tapbot cannot tell who you are in Entra: your chat account shows no verified e-mail address, so tapbot cannot make sure the pass is not for your own account, and refuses. Ask the tapbot operator to run tapbot doctor (on Slack the app needs the users:read.email scope).")
	}
	why := "is your own account"
	if !id.owns(t) {
		if why, err = s.technicianAccount(ctx, pol, t, reads); err != nil || why == "" {
			return requester, "", err
		}
	}
	process := pol.AllowTechnicianTargets
	if process == "" {
		return requester, "", Errorf(EFORBIDDEN, "%s %s. tapbot does not issue passes for technicians' own accounts: the holder could sign in as that technician and approve requests in their name. An administrator can create one in the Entra admin center if it is really needed.", t.UPN, why)
	}
	return requester, fmt.Sprintf("%s %s; allowed under the break-glass process %q.", t.UPN, why, process), nil
}

// technicianAccount returns why t is the account of a technician tapbot
// knows — a listed requester or approver, or a member of a listed group —
// or "" when it is none of theirs. If tapbot cannot tell, the error says so
// and the request is refused (fail closed).
func (s *Service) technicianAccount(ctx context.Context, pol *scope, t Target, reads *targetReads) (string, error) {
	roster := s.roster(pol)
	if roster == nil {
		return "", nil
	}
	requesters, approvers := roster.Technicians()
	m := &accountMatch{s: s, pol: pol, t: t, seen: map[string]bool{}, groups: reads.groups}
	for _, l := range []struct {
		verb string
		keys []string
	}{{"request", requesters}, {"approve", approvers}} {
		for _, key := range l.keys {
			why, err := m.check(ctx, key, l.verb)
			if err != nil || why != "" {
				return why, err
			}
		}
	}
	return "", nil
}

// accountMatch compares one target with the technicians behind roster
// keys, reading the target's Entra groups at most once.
type accountMatch struct {
	s      *Service
	pol    *scope // the scope of the operation that compares
	t      Target
	seen   map[string]bool          // principal keys already compared
	groups func() ([]string, error) // the target's groups, read once (targetReads)
}

// check returns why the target belongs to the technician(s) behind key,
// who may do verb, or "".
func (m *accountMatch) check(ctx context.Context, key, verb string) (string, error) {
	kind, id, _ := strings.Cut(key, ":")
	switch {
	case kind == "entra-group":
		return m.inEntraGroup(id, verb)
	case strings.HasSuffix(kind, "-group"):
		return m.inChatGroup(ctx, key, verb)
	}
	owns, err := m.owns(ctx, Principal{Platform: kind, ID: id})
	if err != nil || !owns {
		return "", err
	}
	return fmt.Sprintf("is the account of %s, who may %s passes", key, verb), nil
}

func (m *accountMatch) inEntraGroup(group, verb string) (string, error) {
	groups, err := m.groups()
	if err != nil {
		return "", fmt.Errorf("groups of target %s: %w", m.t.UPN, err)
	}
	if !slices.ContainsFunc(groups, func(g string) bool { return strings.EqualFold(g, group) }) {
		return "", nil
	}
	return fmt.Sprintf("is in the Entra group %s, whose members may %s passes", group, verb), nil
}

func (m *accountMatch) inChatGroup(ctx context.Context, key, verb string) (string, error) {
	if m.pol.Identities == nil {
		return "", nil
	}
	members, err := m.pol.Identities.Members(ctx, key)
	if err != nil {
		return "", fmt.Errorf("members of %s: %w", key, err)
	}
	for _, p := range members {
		owns, err := m.owns(ctx, p)
		if err != nil {
			return "", err
		}
		if owns {
			return fmt.Sprintf("is the account of %s, a member of %s, whose members may %s passes", p.Key(), key, verb), nil
		}
	}
	return "", nil
}

// owns reports whether the target is p's own account; a person already
// compared is not asked about again.
func (m *accountMatch) owns(ctx context.Context, p Principal) (bool, error) {
	if m.seen[p.Key()] {
		return false, nil
	}
	m.seen[p.Key()] = true
	_, id, err := m.s.identify(ctx, m.pol, p)
	return id.owns(m.t), err
}

// checkDistinct refuses by unless tapbot is sure they are neither the
// requester of r nor someone whose approval r already counts: the same
// person on Slack and on Teams is one approver, and never the requester's
// second.
func checkDistinct(r *Request, by Principal) error {
	switch {
	case by.Same(r.Requester):
		return Errorf(EFORBIDDEN, "You can't approve your own request; another approver has to.")
	case !by.Distinct(r.Requester):
		return Errorf(EFORBIDDEN, "tapbot cannot tell whether you are the requester of %s: they asked on %s, you approve on %s, and tapbot could not match both accounts to Entra users. An approver on %s has to approve it (the tapbot operator can check the matching with tapbot doctor).",
			r.ID, r.Requester.Platform, by.Platform, r.Requester.Platform)
	}
	for _, a := range r.Approvals {
		switch {
		case a.By.Same(by):
			return Errorf(ECONFLICT, "You have already approved %s; it needs %d more approval(s) from other approvers.", r.ID, r.ApprovalsRequired-len(r.Approvals))
		case !a.By.Distinct(by):
			return Errorf(EFORBIDDEN, "tapbot cannot tell whether you already approved %s on %s, so your approval cannot count as another one. An approver on %s has to approve it.", r.ID, a.By.Platform, a.By.Platform)
		}
	}
	return nil
}

// raisedDetail is the audit detail of a new request: its reason, and the
// exception it was let through under, if any.
func raisedDetail(r *Request) string {
	if r.Exception == "" {
		return r.Reason
	}
	if r.Reason == "" {
		return "exception: " + r.Exception
	}
	return r.Reason + "; exception: " + r.Exception
}
