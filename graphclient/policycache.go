package graphclient

import (
	"context"
	"sync"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// DefaultPolicyCacheTTL is how long a client reuses its tenant's Temporary
// Access Pass policy before it reads it again.
const DefaultPolicyCacheTTL = 5 * time.Minute

// policyCache remembers one tenant's Temporary Access Pass policy for a
// while: every raise needs it, and it changes rarely. Callers that ask
// while it is being read share that read. A failed read is not remembered,
// nor is a policy with passes turned off, so that turning them on takes
// effect at the next request. refresh reads it again at once, for when
// Graph's refusal of a pass shows that it has changed.
type policyCache struct {
	ttl time.Duration // 0: every call reads, though calls at the same time share a read
	now func() time.Time

	mu  sync.Mutex
	cur *policyRead // the read remembered or under way; nil: none
}

// policyRead is one read of the policy, shared by everyone who asked for it.
type policyRead struct {
	done    chan struct{} // closed when pol, err and expires are set
	pol     approvals.TAPPolicy
	err     error
	expires time.Time
}

// get returns the remembered policy, waits for the read under way, or
// starts one with fetch. The read runs on a context of its own, with ctx's
// values but not its end, so a caller that gives up does not fail the
// others waiting for the same read; fetch must bound it. A caller whose ctx
// ends stops waiting and gets ctx's error.
func (pc *policyCache) get(ctx context.Context, fetch func(context.Context) (approvals.TAPPolicy, error)) (approvals.TAPPolicy, error) {
	r := pc.read(ctx, fetch)
	select {
	case <-r.done:
		return r.pol, r.err
	case <-ctx.Done():
		return approvals.TAPPolicy{}, ctx.Err()
	}
}

// refresh forgets the remembered policy and reads it again.
func (pc *policyCache) refresh(ctx context.Context, fetch func(context.Context) (approvals.TAPPolicy, error)) (approvals.TAPPolicy, error) {
	pc.mu.Lock()
	pc.cur = nil
	pc.mu.Unlock()
	return pc.get(ctx, fetch)
}

func (pc *policyCache) read(ctx context.Context, fetch func(context.Context) (approvals.TAPPolicy, error)) *policyRead {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if r := pc.cur; r != nil && pc.usable(r) {
		return r
	}
	r := &policyRead{done: make(chan struct{})}
	pc.cur = r
	go func() {
		r.pol, r.err = fetch(context.WithoutCancel(ctx))
		r.expires = pc.now().Add(pc.ttl)
		close(r.done)
	}()
	return r
}

// usable reports whether r is under way, or finished, fresh and worth
// remembering. pc.mu is held.
func (pc *policyCache) usable(r *policyRead) bool {
	select {
	case <-r.done:
		return r.err == nil && r.pol.Enabled && pc.now().Before(r.expires)
	default:
		return true
	}
}
