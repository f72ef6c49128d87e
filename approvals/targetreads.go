package approvals

import (
	"context"
	"strings"
	"sync"
	"time"
)

// targetReads are the reads about one target that the protect rules and
// the technician check need: its directory roles and its groups. Each is
// read at most once, when a check first asks for it, or ahead of the
// checks (start), side by side, so that they cost one round trip rather
// than one each. The checks still take the answers in their own order, so
// a check that decides before a read is needed is not changed by that
// read's failure.
type targetReads struct {
	roles  func() ([]DirectoryRole, error)
	groups func() ([]string, error)
	// facts are read only for a policy that verifies (startFacts); nil
	// until then.
	facts func() (TargetFacts, error)

	ctx   context.Context
	graph Directory
	t     Target

	cancel  context.CancelFunc
	started sync.WaitGroup
}

// newTargetReads prepares the reads about t from graph under ctx; call
// stop when the checks are done.
func newTargetReads(ctx context.Context, graph Directory, t Target) *targetReads {
	ctx, cancel := context.WithCancel(ctx)
	return &targetReads{
		roles:  sync.OnceValues(func() ([]DirectoryRole, error) { return graph.UserDirectoryRoles(ctx, t.ID) }),
		groups: sync.OnceValues(func() ([]string, error) { return graph.UserGroups(ctx, t.ID) }),
		cancel: cancel,
		ctx:    ctx, graph: graph, t: t,
	}
}

// startFacts begins reading the target's facts (methods registered since
// since among them) beside the other reads. A Graph client that is no
// FactFinder gives facts that are all unchecked.
func (tr *targetReads) startFacts(since time.Time) {
	ff, ok := tr.graph.(FactFinder)
	if !ok {
		tr.facts = func() (TargetFacts, error) { return noFacts(), nil }
		return
	}
	tr.facts = sync.OnceValues(func() (TargetFacts, error) { return ff.TargetFacts(tr.ctx, tr.t.ID, since) })
	tr.started.Go(func() { _, _ = tr.facts() })
}

// noFactFinder says why facts are unchecked when the Graph client cannot
// read them.
const noFactFinder = "this tapbot's Graph client does not read it"

// noFacts are facts of which nothing could be checked.
func noFacts() TargetFacts {
	c := Checked{Why: noFactFinder}
	return TargetFacts{Phones: c, ManagerRead: c, Risk: Risk{Checked: c}, Methods: Methods{Checked: c}}
}

// start begins, side by side, the reads the checks under pol will need:
// roles when a protect rule names roles, groups when one names groups or
// the technicians include an Entra group.
func (tr *targetReads) start(pol *scope, roster Roster) {
	var roles, groups bool
	for _, rule := range pol.Protect {
		roles = roles || rule.needsRoles()
		groups = groups || len(rule.Groups) > 0
	}
	groups = groups || namesEntraGroup(roster)
	if roles {
		tr.started.Go(func() { _, _ = tr.roles() })
	}
	if groups {
		tr.started.Go(func() { _, _ = tr.groups() })
	}
}

// stop ends the reads no check waited for, and waits until they have.
func (tr *targetReads) stop() {
	tr.cancel()
	tr.started.Wait()
}

// needsRoles reports whether the rule is about directory roles.
func (rule ProtectRule) needsRoles() bool {
	return rule.AnyDirectoryRole || len(rule.DirectoryRoles) > 0
}

// namesEntraGroup reports whether the roster lists an Entra group, whose
// members the technician check compares with the target's groups.
func namesEntraGroup(roster Roster) bool {
	if roster == nil {
		return false
	}
	requesters, approvers := roster.Technicians()
	for _, key := range append(requesters, approvers...) {
		if strings.HasPrefix(key, "entra-group:") {
			return true
		}
	}
	return false
}
