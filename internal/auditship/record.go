// Package auditship ships tapbot's audit log to where security teams look:
// one JSON line per event on stdout for a log shipper, and an HTTPS webhook
// (a SIEM's HTTP input, Splunk HEC). Every event becomes a Record, whose
// layout deploy/siem documents; approvals.Follower hands the events over,
// at least once and in order.
package auditship

import (
	"fmt"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// Schema names the layout of Record. Fields are added under the same name;
// a field is never renamed, retyped or dropped without a new schema name.
const Schema = "tapbot.audit/v1"

// Person is a technician as a Record names them.
type Person struct {
	ID      string `json:"id"` // principal key ("slack:U0123ABCD", "teams:<object id>"), or "tapbot" for the bot itself
	Name    string `json:"name,omitempty"`
	EntraID string `json:"entraId,omitempty"` // object id of their Entra user, when tapbot knew it
}

// Approver is one approval a request had when the event happened.
type Approver struct {
	Person
	At time.Time `json:"at"`
}

// Record is one audit event as tapbot ships it: the event itself, with its
// place in the chain (seq, hash, mac), and the people behind it from the
// request it belongs to. It never holds a pass: events hold none.
type Record struct {
	Schema          string     `json:"schema"`
	Time            time.Time  `json:"time"`
	Event           string     `json:"event"`
	Seq             uint64     `json:"seq"`
	RequestID       string     `json:"requestId,omitempty"`
	Tenant          string     `json:"tenant,omitempty"`
	TenantName      string     `json:"tenantName,omitempty"` // the customer tenant's configured name, in MSP mode
	Requester       *Person    `json:"requester,omitempty"`
	Approvers       []Approver `json:"approvers,omitempty"`
	Actor           Person     `json:"actor"`
	TargetUPN       string     `json:"targetUpn,omitempty"`
	TargetID        string     `json:"targetId,omitempty"`
	LifetimeMinutes int        `json:"lifetimeMinutes,omitempty"`
	UsableOnce      *bool      `json:"usableOnce,omitempty"` // present with lifetimeMinutes
	StartDateTime   *time.Time `json:"startDateTime,omitempty"`
	MethodID        string     `json:"methodId,omitempty"`
	Detail          string     `json:"detail,omitempty"`
	State           string     `json:"state,omitempty"`
	Hash            string     `json:"hash"`
	PrevHash        string     `json:"prevHash"`
	MAC             string     `json:"mac,omitempty"`
}

// NewRecord is ev as a Record; r is the request ev belongs to, or nil when
// it belongs to none (a revoke by UPN) or the request is gone. Approvers
// are those r had at ev's time, so a record sent late says what was true
// when the event happened.
func NewRecord(ev approvals.Event, r *approvals.Request) Record {
	rec := Record{
		Schema: Schema, Time: ev.Time.UTC(), Event: ev.Type, Seq: ev.Seq,
		RequestID: ev.RequestID, Tenant: ev.Tenant, TenantName: ev.TenantName, Actor: Person{ID: ev.Actor, Name: ev.ActorName},
		TargetUPN: ev.TargetUPN, TargetID: ev.TargetID, LifetimeMinutes: ev.LifetimeMinutes,
		MethodID: ev.MethodID, Detail: ev.Detail, State: string(ev.State),
		Hash: ev.Hash, PrevHash: ev.PrevHash, MAC: ev.MAC,
	}
	if ev.LifetimeMinutes > 0 {
		once := ev.UsableOnce
		rec.UsableOnce = &once
	}
	if r == nil {
		return rec
	}
	requester := person(r.Requester)
	rec.Requester = &requester
	for _, a := range r.Approvals {
		if !a.At.After(ev.Time) {
			rec.Approvers = append(rec.Approvers, Approver{Person: person(a.By), At: a.At.UTC()})
		}
	}
	if p, ok := actorOf(ev, r); ok {
		rec.Actor = person(p)
	}
	rec.StartDateTime = startOf(ev, r)
	return rec
}

// RecordOf is NewRecord with ev's request read from store.
func RecordOf(store approvals.Store, ev approvals.Event) (Record, error) {
	if ev.RequestID == "" {
		return NewRecord(ev, nil), nil
	}
	r, err := store.Get(ev.RequestID)
	if approvals.ErrorCode(err) == approvals.ENOTFOUND {
		return NewRecord(ev, nil), nil
	}
	if err != nil {
		return Record{}, fmt.Errorf("read request %s of audit event %d: %w", ev.RequestID, ev.Seq, err)
	}
	return NewRecord(ev, r), nil
}

func person(p approvals.Principal) Person {
	return Person{ID: p.Key(), Name: p.Name, EntraID: p.EntraID}
}

// actorOf finds the event's actor among the people of r, who carry their
// Entra ids; the event itself holds only the principal key and name.
func actorOf(ev approvals.Event, r *approvals.Request) (approvals.Principal, bool) {
	people := []approvals.Principal{r.Requester}
	for _, a := range r.Approvals {
		people = append(people, a.By)
	}
	for _, p := range []*approvals.Principal{r.DecidedBy, r.RevokedBy} {
		if p != nil {
			people = append(people, *p)
		}
	}
	for _, p := range people {
		if p.Key() == ev.Actor {
			return p, true
		}
	}
	return approvals.Principal{}, false
}

// startOf is when the pass of ev starts: as Graph gave it for the
// request's current pass, else as the requester asked; nil for a pass
// valid at once.
func startOf(ev approvals.Event, r *approvals.Request) *time.Time {
	var t time.Time
	switch {
	case ev.MethodID != "" && ev.MethodID == r.MethodID && !r.PassStart.IsZero():
		t = r.PassStart
	case !r.StartAt.IsZero():
		t = r.StartAt
	default:
		return nil
	}
	t = t.UTC()
	return &t
}
