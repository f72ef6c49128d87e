package approvals

import "context"

// FormPolicy is what a request form offers before anyone has typed a user:
// the bounds of the tenant's Temporary Access Pass policy when there is
// only one tenant, and the reason rule of the global policy.
type FormPolicy struct {
	// TAP is the single tenant's Temporary Access Pass policy; nil with
	// several tenants (the target, and so the tenant, is not known yet) and
	// when Graph did not answer, in which case Raise applies the bounds.
	TAP    *TAPPolicy
	Multi  bool       // several tenants: the form cannot know whose bounds apply
	Reason ReasonRule // the global policy's; a tenant may tighten it, which CheckReason applies
}

// FormPolicy reads what a request form should offer. It never fails: when
// the single tenant's policy cannot be read before ctx ends, TAP is nil and
// the form offers a fixed set the tenant's bounds are applied to later.
func (s *Service) FormPolicy(ctx context.Context) FormPolicy {
	fp := FormPolicy{Multi: s.tenants.Multi(), Reason: s.pol().Reason}
	if fp.Multi {
		return fp
	}
	pol := s.scopeFor(s.tenants.All()[0])
	fp.Reason = pol.Reason
	tp, err := pol.graph.TAPPolicy(ctx)
	if err != nil {
		s.log.Warn("TAP policy not read for the request form; offering the fixed choices", "err", err)
		return fp
	}
	fp.TAP = &tp
	return fp
}

// CheckReason applies the reason rule of the tenant upn lives in to reason,
// as Raise will, without asking Graph. A UPN no tenant has is left for Raise
// to refuse, so that an outsider learns nothing of the tenants. Returns
// EINVALID saying what the reason lacks.
func (s *Service) CheckReason(upn, reason string) error {
	pol, err := s.route(upn)
	if err != nil {
		return nil
	}
	return pol.checkReason(reason)
}
