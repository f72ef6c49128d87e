package approvals

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
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

// appendAudit gives ev the next sequence number, links it to the last event
// and, when the store has an audit key, MACs it; the first keyed event is
// recorded in the meta bucket. A store without the key refuses to extend a
// log whose keyed chaining has begun: an unkeyed event there would look the
// same as a forged one.
func (s *Store) appendAudit(tx *bolt.Tx, ev Event) error {
	last, err := lastEvent(tx)
	if err != nil {
		return err
	}
	ev.Seq, ev.PrevHash, ev.Hash, ev.MAC = last.Seq+1, last.Hash, "", ""
	from := keyedFrom(tx)
	switch {
	case s.key == nil && from != 0:
		return Errorf(EINTERNAL, "the audit log is chained with an audit key since event %d, and tapbot was started without it; set TAPBOT_AUDIT_KEY (or TAPBOT_AUDIT_KEY_FILE) to that key", from)
	case s.key != nil && from == 0:
		if err := tx.Bucket(bucketMeta).Put(keyKeyedFrom, []byte(strconv.FormatUint(ev.Seq, 10))); err != nil {
			return err
		}
		from = ev.Seq
	}
	if ev, err = normalized(ev); err != nil {
		return err
	}
	ev.Hash = chainHash(ev)
	if s.key != nil {
		prevMAC := last.MAC
		if ev.Seq == from {
			prevMAC = ""
		}
		ev.MAC = auditMAC(s.key, prevMAC, ev)
	}
	v, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode audit event: %w", err)
	}
	return tx.Bucket(bucketAudit).Put(seqKey(ev.Seq), v)
}

// lastEvent is the newest audit event; Seq 0 when the log is empty.
func lastEvent(tx *bolt.Tx) (Event, error) {
	var last Event
	k, v := tx.Bucket(bucketAudit).Cursor().Last()
	if k == nil {
		return last, nil
	}
	if err := json.Unmarshal(v, &last); err != nil {
		return last, fmt.Errorf("decode last audit event: %w", err)
	}
	last.Seq = binary.BigEndian.Uint64(k)
	return last, nil
}

// keyedFrom is the sequence number of the first event chained with the
// audit key, or 0 while none is.
func keyedFrom(tx *bolt.Tx) uint64 {
	n, _ := strconv.ParseUint(string(tx.Bucket(bucketMeta).Get(keyKeyedFrom)), 10, 64)
	return n
}

// checkAuditKey proves the store's key against the end of the log: the last
// event must carry the MAC the key gives it. It runs when a keyed store
// opens, so a wrong key stops tapbot at start instead of forking the chain.
func (s *Store) checkAuditKey(tx *bolt.Tx) error {
	from := keyedFrom(tx)
	if from == 0 {
		return nil
	}
	c := tx.Bucket(bucketAudit).Cursor()
	k, v := c.Last()
	var last, prev Event
	if k == nil || binary.BigEndian.Uint64(k) < from {
		return Errorf(EINTERNAL, "the audit log no longer reaches event %d, where keyed chaining began: events were cut off; run tapbot audit verify", from)
	}
	if err := json.Unmarshal(v, &last); err != nil {
		return fmt.Errorf("decode last audit event: %w", err)
	}
	if last.Seq > from {
		if _, pv := c.Prev(); pv != nil {
			_ = json.Unmarshal(pv, &prev) // an unreadable one just fails the MAC below
		}
	}
	if !hmac.Equal([]byte(auditMAC(s.key, prev.MAC, last)), []byte(last.MAC)) {
		return Errorf(EINTERNAL, "TAPBOT_AUDIT_KEY is not the key this database's audit log was written with, or its last event was edited; run tapbot audit verify with the right key")
	}
	return nil
}

// AuditKeyedFrom returns the sequence number of the first audit event
// chained with an audit key, or 0 when none is.
func (s *Store) AuditKeyedFrom() (uint64, error) {
	var n uint64
	err := s.db.View(func(tx *bolt.Tx) error { n = keyedFrom(tx); return nil })
	return n, err
}

// AuditHead returns the head of the audit log: its last event's sequence
// number and MAC (empty while the log is unkeyed; Seq 0 while it is empty).
// Published outside the database, it lets VerifyAuditLog prove later that
// nothing up to it was cut or rewritten.
func (s *Store) AuditHead() (AuditHead, error) {
	var h AuditHead
	err := s.db.View(func(tx *bolt.Tx) error {
		last, err := lastEvent(tx)
		h = AuditHead{Seq: last.Seq, MAC: last.MAC}
		return err
	})
	return h, err
}

// Audit returns the audit events at or after since, oldest first.
func (s *Store) Audit(since time.Time) ([]Event, error) {
	var out []Event
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAudit).ForEach(func(_, v []byte) error {
			var ev Event
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("decode audit event: %w", err)
			}
			if !ev.Time.Before(since) {
				out = append(out, ev)
			}
			return nil
		})
	})
	return out, err
}

// AuditAfter returns up to limit audit events with a sequence number above
// seq, oldest first. Followers of the log (the Slack mirror) keep the last
// seq they handled and ask for what came since.
func (s *Store) AuditAfter(seq uint64, limit int) ([]Event, error) {
	var out []Event
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Seek(seqKey(seq + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			var ev Event
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("decode audit event: %w", err)
			}
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}
