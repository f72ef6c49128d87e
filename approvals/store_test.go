package approvals

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpenCreatesPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tapbot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestSecondOpenOfSameFileFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tapbot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = Open(path)
	if err == nil || !strings.Contains(err.Error(), "in use by another tapbot process") {
		t.Fatalf("second open: %v", err)
	}
}

func TestOpenRefusesFilesThatAreNotOurs(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err })
	db.Close()
	newer := filepath.Join(dir, "newer.db")
	s, err := Open(newer)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, []byte("99")) })
	s.Close()

	for path, want := range map[string]string{
		garbage: "not a tapbot database",
		foreign: "not a tapbot database",
		newer:   "upgrade tapbot",
	} {
		_, err := Open(path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", filepath.Base(path), err, want)
		}
	}
}

func TestAuditChainShowsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(b *bolt.Bucket) error
		badSeq uint64
	}{
		{"edited event", func(b *bolt.Bucket) error {
			var ev Event
			_ = json.Unmarshal(b.Get(seqKey(2)), &ev)
			ev.Actor = "slack:UEVIL"
			v, _ := json.Marshal(ev)
			return b.Put(seqKey(2), v)
		}, 2},
		{"deleted event", func(b *bolt.Bucket) error { return b.Delete(seqKey(2)) }, 3},
		{"rehashed edit", func(b *bolt.Bucket) error {
			var ev Event
			_ = json.Unmarshal(b.Get(seqKey(2)), &ev)
			ev.Detail = "forged"
			ev.Hash = chainHash(ev) // the next event still links to the old hash
			v, _ := json.Marshal(ev)
			return b.Put(seqKey(2), v)
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(filepath.Join(t.TempDir(), "tapbot.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for i := range 4 {
				if err := s.Record(Event{Time: time.Now(), Type: EventRevoked, Actor: "slack:U1", Detail: string(rune('a' + i))}); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := s.VerifyAudit(); err != nil || n != 4 {
				t.Fatalf("untouched chain: %d %v", n, err)
			}
			if err := s.db.Update(func(tx *bolt.Tx) error { return tt.tamper(tx.Bucket(bucketAudit)) }); err != nil {
				t.Fatal(err)
			}
			_, err = s.VerifyAudit()
			var ce *ChainError
			if !errors.As(err, &ce) || ce.Seq != tt.badSeq {
				t.Fatalf("verify = %v, want break at %d", err, tt.badSeq)
			}
		})
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("TAPRocks!")
	for _, out := range []string{s.String(), s.GoString(), func() string { b, _ := json.Marshal(struct{ S Secret }{s}); return string(b) }()} {
		if strings.Contains(out, "TAPRocks") {
			t.Fatalf("secret printed: %s", out)
		}
	}
	if s.Reveal() != "TAPRocks!" {
		t.Fatal("Reveal lost the secret")
	}
}

func TestSchemaOneFileIsMigratedWithItsIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := []*Request{
		{ID: "TAP-OPEN01", State: StatePending, CreatedAt: time.Now()},
		{ID: "TAP-DONE01", State: StateDelivered, CreatedAt: time.Now()},
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket(bucketMeta)
		_ = meta.Put(keyApp, appMarker)
		_ = meta.Put(keySchema, []byte("1"))
		reqs, _ := tx.CreateBucket(bucketRequests)
		for _, r := range old {
			v, _ := json.Marshal(r)
			_ = reqs.Put([]byte(r.ID), v)
		}
		_, err := tx.CreateBucket(bucketAudit)
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	open, err := s.ListOpen(nil)
	if err != nil || len(open) != 1 || open[0].ID != "TAP-OPEN01" {
		t.Fatalf("open after migration: %v %v", open, err)
	}
	_ = s.db.View(func(tx *bolt.Tx) error {
		if v, want := string(tx.Bucket(bucketMeta).Get(keySchema)), strconv.Itoa(SchemaVersion); v != want {
			t.Errorf("schema %s after migration, want %s", v, want)
		}
		if n := tx.Bucket(bucketByTime).Stats().KeyN; n != 2 {
			t.Errorf("by-time index has %d entries, want 2", n)
		}
		return nil
	})
}

func TestOpenOfAFileHeldByAnotherTapbotSaysSoToCallers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tapbot.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(path); !errors.Is(err, ErrInUse) || ErrorCode(err) != EINTERNAL {
		t.Fatalf("second open: %v, want one wrapping ErrInUse", err)
	}
}
