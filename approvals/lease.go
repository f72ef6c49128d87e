package approvals

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
)

// Leaser divides the work of replicas that share one store. Each replica
// holds a liveness lease under its own id (Replica) for as long as it runs
// and can reach the store; a request it works on records that id as its
// Owner, set in the same transaction that starts the work. Named leases
// (Hold) give background loops — the expiry sweeper, the audit followers,
// taking over the requests of dead replicas — to one replica at a time.
//
// BoltStore's is SoleLeaser: one process holds the file, so it is the only
// replica there is. pgstore.Leases keeps the leases in PostgreSQL.
type Leaser interface {
	// Replica is this replica's id. It changes when the replica lost its
	// liveness lease and took a new one: the requests owned under the old
	// id are then the other replicas' to finish, and this one's work on
	// them stops at its next transition (Service checks the owner).
	Replica() string
	// Alive reports whether this replica's liveness lease still holds as
	// far as the replica can tell: its last renewal has not run out.
	// Without it the Service starts no side effect of a request (creating
	// or delivering a pass), since another replica may be taking the
	// request over.
	Alive() bool
	// Live returns the ids of the replicas whose liveness lease holds now.
	// A request whose owner is not among them is an orphan that TakeOver
	// finishes.
	Live() (map[string]bool, error)
	// Hold runs fn whenever this replica holds the lease named name, until
	// ctx ends. fn's context ends when the lease is lost (this replica
	// could not renew it in time and another took it) or ctx ends; fn
	// should then return, and Hold waits to take the lease again. Only one
	// replica runs fn of a name at a time, as long as each fn stops when
	// its context ends.
	Hold(ctx context.Context, name string, fn func(ctx context.Context))
}

// SoleLeaser is the Leaser of a store that one process holds alone
// (BoltStore): this process is the only live replica, always alive, and
// holds every lease. The owners its earlier runs recorded are gone, so
// every request they left unfinished is an orphan.
type SoleLeaser struct{ id string }

var _ Leaser = (*SoleLeaser)(nil)

// NewSoleLeaser returns the Leaser of a process that is the only replica.
func NewSoleLeaser() *SoleLeaser { return &SoleLeaser{id: NewReplicaID()} }

// Replica is the id of this process.
func (l *SoleLeaser) Replica() string { return l.id }

// Alive is always true: there is no other replica to take anything over.
func (l *SoleLeaser) Alive() bool { return true }

// Live is this process alone.
func (l *SoleLeaser) Live() (map[string]bool, error) { return map[string]bool{l.id: true}, nil }

// Hold runs fn at once: this process holds every lease.
func (l *SoleLeaser) Hold(ctx context.Context, _ string, fn func(ctx context.Context)) { fn(ctx) }

// NewReplicaID returns a fresh replica id: the host's name (a Kubernetes
// pod's name) and a random part, so that logs say which pod owned what and
// a restarted process never reuses its old id.
func NewReplicaID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "tapbot"
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return strings.ToLower(host) + "-" + strings.ToLower(string(b))
}
