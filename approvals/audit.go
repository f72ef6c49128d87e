package approvals

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Audit event types.
const (
	EventRaised    = "raised"
	EventApproved  = "approved" // one approver's yes; the request may still need more
	EventDenied    = "denied"
	EventCancelled = "cancelled"
	EventExpired   = "expired"
	EventIssuing   = "issuing" // about to call Graph
	EventIssued    = "issued"
	EventDelivered = "delivered"
	EventFailed    = "failed"
	EventRevoked   = "revoked"
	EventReissued  = "reissued"
	EventReminded  = "reminded" // the approvers were reminded of a pending request (remind.go)
	// EventPolicyReloaded belongs to no request: the running policy was
	// replaced (Service.ReplacePolicy).
	EventPolicyReloaded = "policy-reloaded"
)

// Event is one line of the audit log. It never holds a pass. Hash covers
// every other field but MAC, and PrevHash, so the log is a chain: changing or
// removing an event breaks every hash after it. Anyone can recompute a hash,
// so once the store has an audit key (WithAuditKey) each event also carries
// MAC, an HMAC only the key's holder can compute (auditMAC).
//
// The JSON names are read by operators' scripts (tapbot audit export): add
// fields, never rename them.
type Event struct {
	Seq             uint64    `json:"seq"`
	Time            time.Time `json:"time"`
	Type            string    `json:"type"`
	Actor           string    `json:"actor"` // principal key, or "tapbot" for the bot itself
	ActorName       string    `json:"actorName,omitempty"`
	RequestID       string    `json:"requestId,omitempty"`
	Tenant          string    `json:"tenant,omitempty"`     // the tenant's Entra id
	TenantName      string    `json:"tenantName,omitempty"` // its configured name (MSP mode); empty for the single tenant
	TargetUPN       string    `json:"targetUpn,omitempty"`
	TargetID        string    `json:"targetId,omitempty"`
	LifetimeMinutes int       `json:"lifetimeMinutes,omitempty"`
	UsableOnce      bool      `json:"usableOnce,omitempty"`
	MethodID        string    `json:"methodId,omitempty"`
	Detail          string    `json:"detail,omitempty"`
	State           State     `json:"state,omitempty"` // the request's state after the event; events before schema 3 lack it
	PrevHash        string    `json:"prevHash"`
	Hash            string    `json:"hash"`
	MAC             string    `json:"mac,omitempty"` // hex HMAC-SHA256; empty before keyed chaining began
}

// BotActor is the actor of events the bot causes on its own (expiry, issuing).
const BotActor = "tapbot"

// eventFor fills an event with what the request says about itself.
func eventFor(typ string, r *Request, actor Principal, at time.Time, detail string) Event {
	ev := Event{
		Time: at.UTC(), Type: typ, Actor: actor.Key(), ActorName: actor.Name,
		RequestID: r.ID, Tenant: r.Tenant, TenantName: r.TenantName, TargetUPN: r.Target.UPN, TargetID: r.Target.ID,
		LifetimeMinutes: r.LifetimeMinutes, UsableOnce: r.UsableOnce, MethodID: r.MethodID,
		Detail: detail,
	}
	if actor.ID == "" {
		ev.Actor = BotActor
	}
	return ev
}

// chainHash is the hash of ev (with Hash and MAC empty) chained to
// ev.PrevHash. Events written before MAC existed hash as they always did:
// their MAC and State are empty and omitted.
func chainHash(ev Event) string {
	ev.Hash, ev.MAC = "", ""
	b, _ := json.Marshal(ev) // a struct of plain fields always marshals
	sum := sha256.Sum256(append([]byte(ev.PrevHash), b...))
	return hex.EncodeToString(sum[:])
}

// auditMAC is HMAC-SHA256(key, prevMAC || ev as JSON without its MAC), hex.
// ev's JSON holds its sequence number, its hash and PrevHash, so the MAC
// seals the event, its place and the whole hash chain before it; prevMAC
// chains the MACs themselves. The first keyed event has prevMAC "".
func auditMAC(key []byte, prevMAC string, ev Event) string {
	ev.MAC = ""
	b, _ := json.Marshal(ev)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(prevMAC))
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// normalized is ev as it reads back from the database. Hash and MAC are
// computed on it, so that what JSON changes on the way (invalid UTF-8 in a
// reason becomes U+FFFD) cannot make an untouched event fail verification.
func normalized(ev Event) (Event, error) {
	b, err := json.Marshal(ev)
	if err != nil {
		return ev, fmt.Errorf("encode audit event: %w", err)
	}
	var out Event
	if err := json.Unmarshal(b, &out); err != nil {
		return ev, fmt.Errorf("decode audit event: %w", err)
	}
	return out, nil
}

// AuditChain appends events to an audit log and proves it: the sha256
// hash chain, the keyed MAC and their verification, written once for
// every Store implementation, so that a log verifies the same whichever
// store kept it. A store only keeps the events, in one total order, and
// hands the chain its end (AuditTail, AuditEnd) or a consistent read of it
// (AuditSnapshot).
type AuditChain struct {
	key []byte // the audit key (WithAuditKey); nil: events are hash-chained only
}

// NewAuditChain is the chain of a store opened with key; nil or empty: no
// key.
func NewAuditChain(key []byte) AuditChain {
	if len(key) == 0 {
		return AuditChain{}
	}
	return AuditChain{key: bytes.Clone(key)}
}

// Keyed reports whether the chain has an audit key.
func (c AuditChain) Keyed() bool { return c.key != nil }

// AuditTail is the end of an audit log inside a store's write transaction,
// held so that no other transaction appends until this one commits: the
// one place where a store orders the chain.
type AuditTail interface {
	// Last is the newest event as stored, with its sequence number as the
	// store orders it; the zero Event (Seq 0) when the log is empty.
	Last() (Event, error)
	// KeyedFrom is the sequence number of the first event chained with the
	// audit key, 0 while none is.
	KeyedFrom() (uint64, error)
	// SetKeyedFrom records that keyed chaining begins at seq.
	SetKeyedFrom(seq uint64) error
	// Put stores ev, whose JSON is raw, as event ev.Seq, after Last.
	Put(ev Event, raw []byte) error
}

// Append stamps ev with the state r is committed in when ev is r's (nil r:
// an event of no request), then appends a copy of ev to t: the next
// sequence number, linked to the last event and, when the chain has a key,
// MACed; the first keyed event is recorded as where keying began. A chain
// without the key refuses to extend a log whose keyed chaining has begun:
// an unkeyed event there would look the same as a forged one.
func (c AuditChain) Append(t AuditTail, r *Request, ev *Event) error {
	if r != nil {
		withState(r, ev)
	}
	last, err := t.Last()
	if err != nil {
		return err
	}
	e := *ev
	e.Seq, e.PrevHash, e.Hash, e.MAC = last.Seq+1, last.Hash, "", ""
	from, err := t.KeyedFrom()
	if err != nil {
		return err
	}
	switch {
	case c.key == nil && from != 0:
		return Errorf(EINTERNAL, "the audit log is chained with an audit key since event %d, and tapbot was started without it; set TAPBOT_AUDIT_KEY (or TAPBOT_AUDIT_KEY_FILE) to that key", from)
	case c.key != nil && from == 0:
		if err := t.SetKeyedFrom(e.Seq); err != nil {
			return err
		}
		from = e.Seq
	}
	if e, err = normalized(e); err != nil {
		return err
	}
	e.Hash = chainHash(e)
	if c.key != nil {
		prevMAC := last.MAC
		if e.Seq == from {
			prevMAC = ""
		}
		e.MAC = auditMAC(c.key, prevMAC, e)
	}
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit event: %w", err)
	}
	return t.Put(e, v)
}

// withState stamps an event of r with the state r is committed in, so that
// tapbot audit verify can replay the events and compare.
func withState(r *Request, ev *Event) {
	if ev.RequestID == r.ID {
		ev.State = r.State
	}
}

// AuditEnd is the end of an audit log as a store reads it when it opens.
type AuditEnd interface {
	// KeyedFrom is the sequence number of the first event chained with the
	// audit key, 0 while none is.
	KeyedFrom() (uint64, error)
	// LastTwo returns the newest event's sequence number as the store
	// orders it and its JSON, and the JSON of the event before it: 0 and
	// nil when the log is empty, nil prev when nothing is before it.
	LastTwo() (seq uint64, last, prev []byte, err error)
}

// CheckKey proves the chain's key against the end of the log: the last
// event must carry the MAC the key gives it. A keyed store calls it when it
// opens, so a wrong key stops tapbot at start instead of forking the
// chain.
func (c AuditChain) CheckKey(end AuditEnd) error {
	from, err := end.KeyedFrom()
	if err != nil || from == 0 || c.key == nil {
		return err
	}
	seq, lastRaw, prevRaw, err := end.LastTwo()
	if err != nil {
		return err
	}
	var last, prev Event
	if lastRaw == nil || seq < from {
		return Errorf(EINTERNAL, "the audit log no longer reaches event %d, where keyed chaining began: events were cut off; run tapbot audit verify", from)
	}
	if err := json.Unmarshal(lastRaw, &last); err != nil {
		return fmt.Errorf("decode last audit event: %w", err)
	}
	if last.Seq > from && prevRaw != nil {
		_ = json.Unmarshal(prevRaw, &prev) // an unreadable one just fails the MAC below
	}
	if !hmac.Equal([]byte(auditMAC(c.key, prev.MAC, last)), []byte(last.MAC)) {
		return Errorf(EINTERNAL, "TAPBOT_AUDIT_KEY is not the key this database's audit log was written with, or its last event was edited; run tapbot audit verify with the right key")
	}
	return nil
}
