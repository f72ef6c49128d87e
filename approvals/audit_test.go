package approvals

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	testAuditKey  = []byte("0123456789abcdef0123456789abcdef-test-key")
	otherAuditKey = []byte("fedcba9876543210fedcba9876543210-other-key")
)

// openKeyed opens a new store at path chained with key (nil: unkeyed).
func openKeyed(t *testing.T, path string, key []byte) *BoltStore {
	t.Helper()
	s, err := Open(path, WithAuditKey(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// recordN appends n events that belong to no request.
func recordN(t *testing.T, s *BoltStore, n int) {
	t.Helper()
	for i := range n {
		if err := s.Record(Event{Time: time.Now(), Type: EventRevoked, Actor: "slack:U1", Detail: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
	}
}

// rewrite lets edit change the event at seq from and recomputes every
// sha256 hash from there on, as anyone who can write the file can.
func rewrite(t *testing.T, s *BoltStore, from uint64, edit func(ev *Event)) {
	t.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		return rewriteEvents(tx, func(ev *Event) {
			if ev.Seq == from {
				edit(ev)
			}
		}, from)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rewriteEvents applies edit to every event and re-hashes the chain from
// seq from on (never: 0).
func rewriteEvents(tx *bolt.Tx, edit func(ev *Event), from uint64) error {
	b := tx.Bucket(bucketAudit)
	var events []Event
	if err := b.ForEach(func(_, v []byte) error {
		var ev Event
		err := json.Unmarshal(v, &ev)
		events = append(events, ev)
		return err
	}); err != nil {
		return err
	}
	prev := ""
	for _, ev := range events {
		edit(&ev)
		if from != 0 && ev.Seq >= from {
			ev.PrevHash = prev
			ev.Hash = chainHash(ev)
		}
		prev = ev.Hash
		v, _ := json.Marshal(ev)
		if err := b.Put(seqKey(ev.Seq), v); err != nil {
			return err
		}
	}
	return nil
}

func wantChainBreak(t *testing.T, err error, seq uint64, reason string) {
	t.Helper()
	var ce *ChainError
	if !errors.As(err, &ce) || ce.Seq != seq || !strings.Contains(ce.Reason, reason) {
		t.Fatalf("verify = %v, want a break at event %d saying %q", err, seq, reason)
	}
}

func TestKeyedAuditCatchesAnEditRechainedWithSHA256(t *testing.T) {
	s := openKeyed(t, filepath.Join(t.TempDir(), "tapbot.db"), testAuditKey)
	defer s.Close()
	recordN(t, s, 4)
	if rep, err := s.VerifyAudit(); err != nil || rep != 4 {
		t.Fatalf("untouched keyed log: %d %v", rep, err)
	}
	rewrite(t, s, 2, func(ev *Event) { ev.Actor = "slack:UEVIL" })
	_, err := s.VerifyAudit()
	wantChainBreak(t, err, 2, "MAC does not match")
}

func TestAuditHeadShowsEventsCutFromTheEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tapbot.db")
	s := openKeyed(t, path, testAuditKey)
	recordN(t, s, 5)
	head, err := s.AuditHead()
	if err != nil || head.Seq != 5 || len(head.MAC) != 64 {
		t.Fatalf("head %+v %v", head, err)
	}
	recordN(t, s, 1)
	rep, err := s.VerifyAuditLog(VerifyOptions{Head: &head})
	if err != nil || rep.AfterHead != 1 || !rep.MACsProven {
		t.Fatalf("intact log with an earlier head: %+v %v", rep, err)
	}

	cut := func(seqs ...uint64) {
		_ = s.db.Update(func(tx *bolt.Tx) error {
			for _, seq := range seqs {
				_ = tx.Bucket(bucketAudit).Delete(seqKey(seq))
			}
			return nil
		})
	}
	cut(6, 5)
	if _, err := s.VerifyAudit(); err != nil {
		t.Fatalf("without the head a cut end looks whole, yet verify says %v", err)
	}
	_, err = s.VerifyAuditLog(VerifyOptions{Head: &head})
	wantChainBreak(t, err, 5, "the published head is event 5 but the log ends at event 4: event 5 was cut off")

	// The bot carries on after the cut: event 5 exists again, but not the
	// one the head was taken from.
	s.Close()
	s = openKeyed(t, path, testAuditKey)
	defer s.Close()
	recordN(t, s, 2)
	_, err = s.VerifyAuditLog(VerifyOptions{Head: &head})
	wantChainBreak(t, err, 5, "not the log the head was taken from")
}

func TestAuditVerifiedWithTheWrongKeyFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tapbot.db")
	s := openKeyed(t, path, testAuditKey)
	recordN(t, s, 3)
	s.Close()

	if _, err := Open(path, WithAuditKey(otherAuditKey)); err == nil || !strings.Contains(err.Error(), "not the key this database's audit log was written with") {
		t.Fatalf("open with another key: %v", err)
	}
	s = openKeyed(t, path, nil)
	defer s.Close()
	_, err := s.VerifyAuditLog(VerifyOptions{Key: otherAuditKey})
	wantChainBreak(t, err, 1, "not the audit key the log was written with")
	if _, err := s.VerifyAuditLog(VerifyOptions{Key: testAuditKey}); err != nil {
		t.Fatalf("the right key: %v", err)
	}
}

func TestKeyedAuditLogIsNotProvenOrExtendedWithoutTheKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tapbot.db")
	s := openKeyed(t, path, testAuditKey)
	recordN(t, s, 2)
	s.Close()

	s = openKeyed(t, path, nil)
	defer s.Close()
	_, err := s.VerifyAudit()
	var ue *UnprovenError
	if !errors.As(err, &ue) || ue.From != 1 || ue.To != 2 {
		t.Fatalf("verify without the key = %v, want it unproven", err)
	}
	if err := s.Record(Event{Type: EventRevoked, Actor: "slack:U1"}); err == nil || !strings.Contains(err.Error(), "TAPBOT_AUDIT_KEY") {
		t.Fatalf("unkeyed append to a keyed log: %v", err)
	}
	head, _ := s.AuditHead()
	if _, err := s.VerifyAuditLog(VerifyOptions{Head: &head}); ErrorCode(err) != EINVALID {
		t.Fatalf("a head without the key: %v", err)
	}
}

func TestKeyedChainingCannotBeMovedOrStripped(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(tx *bolt.Tx) error
		seq    uint64
		reason string
	}{
		{"the record of where keying began is removed", func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyKeyedFrom) },
			3, "carries a MAC"},
		{"the MACs are stripped", stripMACs, 3, "has no MAC although keyed chaining began at event 3"},
		{"the MACs are stripped and keying is said to begin later", func(tx *bolt.Tx) error {
			if err := stripMACs(tx); err != nil {
				return err
			}
			return tx.Bucket(bucketMeta).Put(keyKeyedFrom, []byte("99"))
		}, 5, "keyed chaining began at event 99 but the log ends at event 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openKeyed(t, filepath.Join(t.TempDir(), "tapbot.db"), nil)
			defer s.Close()
			recordN(t, s, 2)
			s.chain = NewAuditChain(testAuditKey)
			recordN(t, s, 2)
			if err := s.db.Update(tc.tamper); err != nil {
				t.Fatal(err)
			}
			_, err := s.VerifyAuditLog(VerifyOptions{Key: testAuditKey})
			wantChainBreak(t, err, tc.seq, tc.reason)
		})
	}
}

// stripMACs removes every event's MAC; the sha256 chain does not cover it.
func stripMACs(tx *bolt.Tx) error {
	return rewriteEvents(tx, func(ev *Event) { ev.MAC = "" }, 0)
}

func TestRequestsThatTheirEventsDoNotAccountForFailVerify(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(tx *bolt.Tx) error
		id     string
		reason string
	}{
		{"state edited to delivered without events", func(tx *bolt.Tx) error {
			return editRequest(tx, "TAP-EDIT01", func(r *Request) { r.State = StateDelivered })
		}, "TAP-EDIT01", "stored as delivered but its audit events leave it pending"},
		{"request added without events", func(tx *bolt.Tx) error {
			v, _ := json.Marshal(Request{ID: "TAP-ADDED1", State: StateApproved})
			return tx.Bucket(bucketRequests).Put([]byte("TAP-ADDED1"), v)
		}, "TAP-ADDED1", "no audit events"},
		{"request deleted", func(tx *bolt.Tx) error { return tx.Bucket(bucketRequests).Delete([]byte("TAP-EDIT01")) },
			"TAP-EDIT01", "not in the database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openKeyed(t, filepath.Join(t.TempDir(), "tapbot.db"), testAuditKey)
			defer s.Close()
			raiseStored(t, s, "TAP-EDIT01")
			raiseStored(t, s, "TAP-OTHER1")
			approveStored(t, s, "TAP-OTHER1", "approval 1 of 1", StateApproved)
			if rep, err := s.VerifyAuditLog(VerifyOptions{}); err != nil || rep.Requests != 2 {
				t.Fatalf("untouched: %+v %v", rep, err)
			}
			if err := s.db.Update(tc.tamper); err != nil {
				t.Fatal(err)
			}
			_, err := s.VerifyAudit()
			var me *RequestMismatchError
			if !errors.As(err, &me) || me.RequestID != tc.id || !strings.Contains(me.Reason, tc.reason) {
				t.Fatalf("verify = %v, want request %s named: %q", err, tc.id, tc.reason)
			}
		})
	}
}

func editRequest(tx *bolt.Tx, id string, edit func(r *Request)) error {
	r, err := getRequest(tx.Bucket(bucketRequests), id)
	if err != nil {
		return err
	}
	edit(r)
	v, _ := json.Marshal(r)
	return tx.Bucket(bucketRequests).Put([]byte(id), v)
}

func raiseStored(t *testing.T, s *BoltStore, id string) {
	t.Helper()
	now := time.Now()
	r := &Request{ID: id, State: StatePending, CreatedAt: now, ApprovalsRequired: 1}
	if err := s.Create(r, Event{Time: now, Type: EventRaised, RequestID: id}, now, nil); err != nil {
		t.Fatal(err)
	}
}

func approveStored(t *testing.T, s *BoltStore, id, detail string, to State) {
	t.Helper()
	_, err := s.Update(id, func(r *Request) (Change, error) {
		r.State = to
		return Change{Events: []Event{{Time: time.Now(), Type: EventApproved, RequestID: id, Detail: detail}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuditEventWithInvalidUTF8StillVerifies(t *testing.T) {
	s := openKeyed(t, filepath.Join(t.TempDir(), "tapbot.db"), testAuditKey)
	defer s.Close()
	if err := s.Record(Event{Time: time.Now(), Type: EventRevoked, Actor: "slack:U1", Detail: "reason \xff\xfe"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyAudit(); err != nil {
		t.Fatalf("an untouched event with invalid UTF-8: %v", err)
	}
}

// eventV2 is Event as schema 2 wrote it, before State and MAC.
type eventV2 struct {
	Seq             uint64    `json:"seq"`
	Time            time.Time `json:"time"`
	Type            string    `json:"type"`
	Actor           string    `json:"actor"`
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

// writeSchemaTwo writes a database as a schema 2 tapbot left it: one
// delivered request and its five events, chained the old way.
func writeSchemaTwo(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	r := Request{ID: "TAP-OLD001", State: StateDelivered, CreatedAt: at, ApprovalsRequired: 1, MethodID: "m-1"}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket(bucketMeta)
		_ = meta.Put(keyApp, appMarker)
		_ = meta.Put(keySchema, []byte("2"))
		for _, b := range [][]byte{bucketRequests, bucketAudit, bucketRefs, bucketOpen, bucketByTime} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		v, _ := json.Marshal(r)
		_ = tx.Bucket(bucketRequests).Put([]byte(r.ID), v)
		_ = tx.Bucket(bucketByTime).Put(timeKey(r.CreatedAt, r.ID), nil)
		prev := ""
		for i, typ := range []string{EventRaised, EventApproved, EventIssuing, EventIssued, EventDelivered} {
			ev := eventV2{Seq: uint64(i + 1), Time: at.Add(time.Duration(i) * time.Minute), Type: typ, Actor: BotActor, RequestID: r.ID, PrevHash: prev}
			if typ == EventApproved {
				ev.Actor, ev.Detail = "slack:UAPP0001", "approval 1 of 1"
			}
			b, _ := json.Marshal(ev)
			sum := sha256.Sum256(append([]byte(prev), b...))
			ev.Hash = hex.EncodeToString(sum[:])
			v, _ := json.Marshal(ev)
			_ = tx.Bucket(bucketAudit).Put(seqKey(ev.Seq), v)
			prev = ev.Hash
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSchemaTwoDatabaseMigratesAndItsOldChainStillVerifies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	writeSchemaTwo(t, path)
	s := openKeyed(t, path, testAuditKey)
	defer s.Close()
	rep, err := s.VerifyAuditLog(VerifyOptions{})
	if err != nil || rep.Events != 5 || rep.KeyedFrom != 0 || rep.Requests != 1 {
		t.Fatalf("migrated schema 2 log: %+v %v", rep, err)
	}

	raiseStored(t, s, "TAP-NEW001")
	approveStored(t, s, "TAP-NEW001", "approval 1 of 1", StateApproved)
	rep, err = s.VerifyAuditLog(VerifyOptions{})
	if err != nil || rep.Events != 7 || rep.KeyedFrom != 6 || !rep.MACsProven || rep.Requests != 2 {
		t.Fatalf("old chain followed by keyed events: %+v %v", rep, err)
	}
	// The keyed events seal the old chain: rewriting an old event and
	// re-hashing everything after it breaks the first MAC.
	rewrite(t, s, 2, func(ev *Event) { ev.Actor = "slack:UEVIL" })
	_, err = s.VerifyAuditLog(VerifyOptions{})
	wantChainBreak(t, err, 6, "MAC does not match")
}
