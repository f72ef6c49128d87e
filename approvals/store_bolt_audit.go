package approvals

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The audit log in bbolt: the audit bucket holds each event's JSON under
// its sequence number (8 bytes, big endian), so the bucket's order is the
// chain's; the meta bucket records where keyed chaining began. The chain
// itself is AuditChain's (audit.go).

// boltAudit is the audit log inside one bbolt transaction: the tail
// AuditChain appends to (bbolt's one writer holds it), the end it checks
// at open, and the snapshot it verifies, which Export hands out whole
// (StoreSnapshot, store_bolt_export.go).
type boltAudit struct {
	tx *bolt.Tx
}

func (b boltAudit) Last() (Event, error) { return lastEvent(b.tx) }

func (b boltAudit) KeyedFrom() (uint64, error) { return keyedFrom(b.tx), nil }

func (b boltAudit) SetKeyedFrom(seq uint64) error {
	return b.tx.Bucket(bucketMeta).Put(keyKeyedFrom, []byte(strconv.FormatUint(seq, 10)))
}

func (b boltAudit) Put(ev Event, raw []byte) error {
	return b.tx.Bucket(bucketAudit).Put(seqKey(ev.Seq), raw)
}

func (b boltAudit) LastTwo() (seq uint64, last, prev []byte, err error) {
	c := b.tx.Bucket(bucketAudit).Cursor()
	k, v := c.Last()
	if k == nil {
		return 0, nil, nil, nil
	}
	_, pv := c.Prev()
	return binary.BigEndian.Uint64(k), v, pv, nil
}

func (b boltAudit) Events(fn func(seq uint64, raw []byte) error) error {
	return b.tx.Bucket(bucketAudit).ForEach(func(k, v []byte) error { return fn(binary.BigEndian.Uint64(k), v) })
}

func (b boltAudit) Requests(fn func(raw []byte) error) error {
	return b.tx.Bucket(bucketRequests).ForEach(func(_, v []byte) error { return fn(v) })
}

// appendAudit appends ev, an event of r (nil: of no request), to the
// chain inside tx.
func (s *BoltStore) appendAudit(tx *bolt.Tx, r *Request, ev *Event) error {
	return s.chain.Append(boltAudit{tx}, r, ev)
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

// AuditKeyedFrom is Store.AuditKeyedFrom.
func (s *BoltStore) AuditKeyedFrom() (uint64, error) {
	var n uint64
	err := s.db.View(func(tx *bolt.Tx) error { n = keyedFrom(tx); return nil })
	return n, err
}

// AuditHead is Store.AuditHead.
func (s *BoltStore) AuditHead() (AuditHead, error) {
	var h AuditHead
	err := s.db.View(func(tx *bolt.Tx) error {
		last, err := lastEvent(tx)
		h = AuditHead{Seq: last.Seq, MAC: last.MAC}
		return err
	})
	return h, err
}

// Audit is Store.Audit.
func (s *BoltStore) Audit(since time.Time) ([]Event, error) {
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

// AuditAfter is AuditLog.AuditAfter: followers of the log (the Slack
// mirror) keep the last seq they handled and ask for what came since.
func (s *BoltStore) AuditAfter(seq uint64, limit int) ([]Event, error) {
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

// VerifyAudit is VerifyAuditLog with the store's own key and no published
// head. It returns the number of events checked.
func (s *BoltStore) VerifyAudit() (int, error) {
	rep, err := s.VerifyAuditLog(VerifyOptions{})
	return rep.Events, err
}

// VerifyAuditLog is Store.VerifyAuditLog: AuditChain.Verify over one bbolt
// read transaction.
func (s *BoltStore) VerifyAuditLog(opts VerifyOptions) (AuditReport, error) {
	var rep AuditReport
	var verr error
	err := s.db.View(func(tx *bolt.Tx) error {
		rep, verr = s.chain.Verify(boltAudit{tx}, opts)
		return nil
	})
	if err != nil {
		return rep, err
	}
	return rep, verr
}

// AuditCursor is Store.AuditCursor.
func (s *BoltStore) AuditCursor(name string) (uint64, error) {
	var seq uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		seq = cursorIn(tx, name)
		return nil
	})
	return seq, err
}

// AuditLag is Store.AuditLag.
func (s *BoltStore) AuditLag(name string) (uint64, error) {
	var lag uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		last, err := lastEvent(tx)
		if c := cursorIn(tx, name); last.Seq > c {
			lag = last.Seq - c
		}
		return err
	})
	return lag, err
}

// cursorIn reads a follower's cursor: the decimal sequence number the Slack
// mirror has always stored, under the name as PutRef stores references.
func cursorIn(tx *bolt.Tx, name string) uint64 {
	seq, _ := strconv.ParseUint(string(tx.Bucket(bucketRefs).Get([]byte(name))), 10, 64)
	return seq
}

// SetAuditCursor is Store.SetAuditCursor.
func (s *BoltStore) SetAuditCursor(name string, seq uint64) error {
	return s.do(writeOnly(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRefs).Put([]byte(name), []byte(strconv.FormatUint(seq, 10)))
	}))
}
