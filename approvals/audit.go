package approvals

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
)

// Event is one line of the audit log. It never holds a pass. Hash covers
// every other field and PrevHash, so the log is a chain: changing or removing
// an event breaks every hash after it.
type Event struct {
	Seq             uint64    `json:"seq"`
	Time            time.Time `json:"time"`
	Type            string    `json:"type"`
	Actor           string    `json:"actor"` // principal key, or "tapbot" for the bot itself
	ActorName       string    `json:"actorName,omitempty"`
	RequestID       string    `json:"requestId,omitempty"`
	Tenant          string    `json:"tenant,omitempty"`
	TargetUPN       string    `json:"targetUpn,omitempty"`
	TargetID        string    `json:"targetId,omitempty"`
	LifetimeMinutes int       `json:"lifetimeMinutes,omitempty"`
	UsableOnce      bool      `json:"usableOnce,omitempty"`
	MethodID        string    `json:"methodId,omitempty"`
	Detail          string    `json:"detail,omitempty"`
	PrevHash        string    `json:"prevHash"`
	Hash            string    `json:"hash"`
}

// BotActor is the actor of events the bot causes on its own (expiry, issuing).
const BotActor = "tapbot"

// eventFor fills an event with what the request says about itself.
func eventFor(typ string, r *Request, actor Principal, at time.Time, detail string) Event {
	ev := Event{
		Time: at.UTC(), Type: typ, Actor: actor.Key(), ActorName: actor.Name,
		RequestID: r.ID, Tenant: r.Tenant, TargetUPN: r.Target.UPN, TargetID: r.Target.ID,
		LifetimeMinutes: r.LifetimeMinutes, UsableOnce: r.UsableOnce, MethodID: r.MethodID,
		Detail: detail,
	}
	if actor.ID == "" {
		ev.Actor = BotActor
	}
	return ev
}

// chainHash is the hash of ev (with Hash empty) chained to ev.PrevHash.
func chainHash(ev Event) string {
	ev.Hash = ""
	b, _ := json.Marshal(ev) // a struct of plain fields always marshals
	sum := sha256.Sum256(append([]byte(ev.PrevHash), b...))
	return hex.EncodeToString(sum[:])
}

// appendAudit gives ev the next sequence number and links it to the last event.
func appendAudit(tx *bolt.Tx, ev Event) error {
	b := tx.Bucket(bucketAudit)
	ev.PrevHash = ""
	if k, v := b.Cursor().Last(); k != nil {
		var last Event
		if err := json.Unmarshal(v, &last); err != nil {
			return fmt.Errorf("decode last audit event: %w", err)
		}
		ev.Seq = binary.BigEndian.Uint64(k)
		ev.PrevHash = last.Hash
	}
	ev.Seq++
	ev.Hash = chainHash(ev)
	v, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode audit event: %w", err)
	}
	return b.Put(seqKey(ev.Seq), v)
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

// ChainError says where the audit chain is broken.
type ChainError struct {
	Seq    uint64 // the first event that does not fit
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit log broken at event %d: %s", e.Seq, e.Reason)
}

// VerifyAudit walks the whole audit log and returns the number of events
// checked, and a *ChainError naming the first event that was edited, removed
// or inserted.
func (s *Store) VerifyAudit() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		prev, want := "", uint64(1)
		return tx.Bucket(bucketAudit).ForEach(func(k, v []byte) error {
			var ev Event
			seq := binary.BigEndian.Uint64(k)
			if err := json.Unmarshal(v, &ev); err != nil {
				return &ChainError{Seq: seq, Reason: "unreadable event"}
			}
			switch {
			case seq != want || ev.Seq != seq:
				return &ChainError{Seq: seq, Reason: fmt.Sprintf("expected event %d here; events were removed or renumbered", want)}
			case ev.PrevHash != prev:
				return &ChainError{Seq: seq, Reason: "does not link to the event before it"}
			case chainHash(ev) != ev.Hash:
				return &ChainError{Seq: seq, Reason: "its content does not match its hash; it was edited"}
			}
			prev, want = ev.Hash, want+1
			n++
			return nil
		})
	})
	return n, err
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
