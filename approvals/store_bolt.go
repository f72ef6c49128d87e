package approvals

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout of the bbolt file this build writes. Open
// migrates older files forward and refuses newer ones.
const SchemaVersion = 4

var (
	bucketMeta     = []byte("meta")
	bucketRequests = []byte("requests")
	bucketAudit    = []byte("audit")
	bucketRefs     = []byte("refs")
	bucketOpen     = []byte("open")   // ids of requests not in a final state
	bucketByTime   = []byte("bytime") // creation time (unix ns, big endian) + id
	keySchema      = []byte("schema")
	keyApp         = []byte("app")
	keyKeyedFrom   = []byte("audit-keyed-from") // seq of the first event chained with the audit key (audit.go)
	appMarker      = []byte("tapbot")
)

// migrations[v] upgrades a database at schema v to v+1, inside one
// transaction. Add an entry here when SchemaVersion grows.
var migrations = map[int]func(tx *bolt.Tx) error{
	1: indexRequests, // schema 2: the open and by-time indexes
	2: keyedAudit,    // schema 3: audit events may carry a MAC and the request's state
	3: indexPeople,   // schema 4: requests by target, by requester, by Entra user (store_bolt_index.go)
}

// keyedAudit changes no data: events written so far keep their sha256
// chain and verify as they are. The schema number is what matters: a tapbot
// older than schema 3 would append events without a MAC to a keyed log, so
// it must refuse this file, and does ("upgrade tapbot").
func keyedAudit(*bolt.Tx) error { return nil }

// indexRequests builds the open and by-time indexes from the requests, so
// that the sweeper and each new request read what is recent or unfinished
// instead of every request ever made.
func indexRequests(tx *bolt.Tx) error { return buildIndexes(tx, bucketOpen, bucketByTime) }

// BoltStore is the Store in one bbolt file: nothing to install, one
// process. bbolt allows one writer: every method that changes something is
// one step of a serialisable read-write transaction, which it may share
// with the steps of other requests that waited meanwhile
// (store_bolt_commit.go). A step is all or nothing and sees every step
// before it, which is what makes the state machine's compare-and-set safe
// against concurrent clicks; a method returns once its step is durable.
type BoltStore struct {
	Signals // the observer and the audit followers (store.go)

	db    *bolt.DB
	path  string
	chain AuditChain // with the audit key (WithAuditKey), if any

	queue writeQueue // the steps waiting for the writer (store_bolt_commit.go)
}

var _ Store = (*BoltStore)(nil)

// ErrInUse is what Open's error wraps when another process (a running
// tapbot serve) holds the database file.
var ErrInUse = errors.New("database file locked")

// Open opens or creates the database at path with mode 0600. It fails fast
// with a clear message when another process holds the file (the error wraps
// ErrInUse), when the file is not a tapbot database, when it was written by
// a newer tapbot, or when an audit key (WithAuditKey) is not the one its
// audit log was written with.
func Open(path string, opts ...OpenOption) (s *BoltStore, err error) {
	defer func() {
		// bbolt may panic on a file that is not a database at all.
		if r := recover(); r != nil {
			s, err = nil, Errorf(EINTERNAL, "%s is not a tapbot database (it could not be read: %v)", path, r)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, &Error{Code: EINTERNAL, Message: fmt.Sprintf("database %s is in use by another tapbot process; stop it first or point TAPBOT_DB elsewhere", path), Err: ErrInUse}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return nil, Errorf(EINTERNAL, "%s is not a tapbot database or is corrupted (%v); restore it from a backup or point TAPBOT_DB elsewhere", path, err)
	case err != nil:
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := db.Update(prepare); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	s = &BoltStore{db: db, path: path, chain: NewAuditChain(OptionsOf(opts...).AuditKey)}
	if s.chain.Keyed() {
		if err := db.View(func(tx *bolt.Tx) error { return s.chain.CheckKey(boltAudit{tx}) }); err != nil {
			db.Close()
			return nil, fmt.Errorf("database %s: %w", path, err)
		}
	}
	return s, nil
}

// prepare creates the buckets of a new file, recognises a foreign one, and
// runs pending migrations.
func prepare(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if !empty {
			return Errorf(EINTERNAL, "the file holds data but is not a tapbot database")
		}
		var err error
		if meta, err = tx.CreateBucket(bucketMeta); err != nil {
			return err
		}
		if err := meta.Put(keyApp, appMarker); err != nil {
			return err
		}
		if err := meta.Put(keySchema, []byte("1")); err != nil {
			return err
		}
	}
	if !bytes.Equal(meta.Get(keyApp), appMarker) {
		return Errorf(EINTERNAL, "the file is a bbolt database of another program, not tapbot's")
	}
	version := 0
	if _, err := fmt.Sscan(string(meta.Get(keySchema)), &version); err != nil {
		return Errorf(EINTERNAL, "unreadable schema version %q", meta.Get(keySchema))
	}
	if version > SchemaVersion {
		return Errorf(EINTERNAL, "the database has schema %d but this tapbot knows only up to %d; upgrade tapbot", version, SchemaVersion)
	}
	for ; version < SchemaVersion; version++ {
		if err := migrations[version](tx); err != nil {
			return fmt.Errorf("migrate schema %d: %w", version, err)
		}
	}
	if err := meta.Put(keySchema, []byte(fmt.Sprint(SchemaVersion))); err != nil {
		return err
	}
	for _, b := range append([][]byte{bucketRequests, bucketAudit, bucketRefs}, indexBuckets...) {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	return nil
}

// Path is the file the store lives in.
func (s *BoltStore) Path() string { return s.path }

// Close is Store.Close: it releases the file.
func (s *BoltStore) Close() error { return s.db.Close() }

// Create is Store.Create.
func (s *BoltStore) Create(r *Request, ev Event, since time.Time, admit func(others *Others) error) error {
	err := s.do(&step{
		decide: func(tx *bolt.Tx) error {
			if tx.Bucket(bucketRequests).Get([]byte(r.ID)) != nil {
				return Errorf(ECONFLICT, "request %s exists already", r.ID)
			}
			if admit == nil {
				return nil
			}
			return admit(NewOthers(boltIndexes{tx}, r.ID, since))
		},
		write: func(tx *bolt.Tx) error {
			if err := putRequest(tx, r); err != nil {
				return err
			}
			if err := reindex(tx, nil, indexEntries(r)); err != nil {
				return err
			}
			return s.appendAudit(tx, r, &ev)
		},
	})
	if err == nil {
		s.Committed(r, ev)
	}
	return err
}

// Get is Store.Get.
func (s *BoltStore) Get(id string) (*Request, error) {
	var r *Request
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		r, err = getRequest(tx.Bucket(bucketRequests), id)
		return err
	})
	return r, err
}

// Update is Store.Update. fn runs again when the transaction it shared
// with other requests' changes failed and it is run alone.
func (s *BoltStore) Update(id string, fn func(r *Request) (Change, error)) (*Request, error) {
	return s.update(id, nil, func(r *Request, _ *Others) (Change, error) { return fn(r) })
}

// UpdateAdmitted is Store.UpdateAdmitted.
func (s *BoltStore) UpdateAdmitted(id string, since time.Time, fn func(r *Request, others *Others) (Change, error)) (*Request, error) {
	return s.update(id, &since, fn)
}

// update is Update and UpdateAdmitted; since is nil when fn needs no
// other requests.
func (s *BoltStore) update(id string, since *time.Time, fn func(r *Request, others *Others) (Change, error)) (*Request, error) {
	var r *Request
	var before []indexEntry
	var change Change
	err := s.do(&step{
		decide: func(tx *bolt.Tx) error {
			var err error
			if r, err = getRequest(tx.Bucket(bucketRequests), id); err != nil {
				return err
			}
			before = indexEntries(r)
			var others *Others
			if since != nil {
				others = NewOthers(boltIndexes{tx}, id, *since)
			}
			change, err = fn(r, others)
			return err
		},
		write: func(tx *bolt.Tx) error {
			if err := putRequest(tx, r); err != nil {
				return err
			}
			if err := reindex(tx, before, indexEntries(r)); err != nil {
				return err
			}
			for i := range change.Events {
				if err := s.appendAudit(tx, r, &change.Events[i]); err != nil {
					return err
				}
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	s.Committed(r, change.Events...)
	return r, change.Err
}

// List is Store.List.
func (s *BoltStore) List(keep func(*Request) bool) ([]*Request, error) {
	var out []*Request
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = decodeAll(tx.Bucket(bucketRequests), keep)
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, err
}

// ListOpen is Store.ListOpen; it reads the open index.
func (s *BoltStore) ListOpen(keep func(*Request) bool) ([]*Request, error) {
	var out []*Request
	err := s.db.View(func(tx *bolt.Tx) error {
		reqs := tx.Bucket(bucketRequests)
		return tx.Bucket(bucketOpen).ForEach(func(id, _ []byte) error {
			r, err := getRequest(reqs, string(id))
			if err != nil {
				return err
			}
			if keep == nil || keep(r) {
				out = append(out, r)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, err
}

// ListRecent is Store.ListRecent; it reads the open and by-time indexes.
func (s *BoltStore) ListRecent(since time.Time, keep func(*Request) bool) ([]*Request, error) {
	var out []*Request
	err := s.db.View(func(tx *bolt.Tx) error {
		all, err := openOrSince(tx, since)
		if err != nil {
			return err
		}
		out = slices.DeleteFunc(all, func(r *Request) bool { return !keep(r) })
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, err
}

// openOrSince returns the unfinished requests and those created since
// since, each once.
func openOrSince(tx *bolt.Tx, since time.Time) ([]*Request, error) {
	reqs := tx.Bucket(bucketRequests)
	seen := map[string]bool{}
	var out []*Request
	add := func(id string) error {
		if seen[id] {
			return nil
		}
		seen[id] = true
		r, err := getRequest(reqs, id)
		if err == nil {
			out = append(out, r)
		}
		return err
	}
	if err := tx.Bucket(bucketOpen).ForEach(func(id, _ []byte) error { return add(string(id)) }); err != nil {
		return nil, err
	}
	c := tx.Bucket(bucketByTime).Cursor()
	for k, _ := c.Seek(timeKey(since, "")); k != nil; k, _ = c.Next() {
		if err := add(string(k[8:])); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func decodeAll(b *bolt.Bucket, keep func(*Request) bool) ([]*Request, error) {
	var out []*Request
	err := b.ForEach(func(_, v []byte) error {
		r := new(Request)
		if err := json.Unmarshal(v, r); err != nil {
			return fmt.Errorf("decode request: %w", err)
		}
		if keep == nil || keep(r) {
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// Record is Store.Record.
func (s *BoltStore) Record(ev Event) error {
	err := s.do(writeOnly(func(tx *bolt.Tx) error { return s.appendAudit(tx, nil, &ev) }))
	if err == nil {
		s.Committed(nil, ev)
	}
	return err
}

// PutRef is RefStore.PutRef: a small platform value (a Teams conversation
// reference, a cache entry) under kind/key.
func (s *BoltStore) PutRef(kind, key string, value []byte) error {
	return s.do(writeOnly(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRefs).Put([]byte(kind+"/"+key), value)
	}))
}

// UpdateRef is RefStore.UpdateRef: fn decides inside the one writer's
// transaction, so no other change of kind/key comes between its read and
// its write.
func (s *BoltStore) UpdateRef(kind, key string, fn func(old []byte) ([]byte, error)) error {
	name := []byte(kind + "/" + key)
	var value []byte
	return s.do(&step{
		decide: func(tx *bolt.Tx) error {
			var err error
			value, err = fn(bytes.Clone(tx.Bucket(bucketRefs).Get(name)))
			return err
		},
		write: func(tx *bolt.Tx) error { return tx.Bucket(bucketRefs).Put(name, value) },
	})
}

// GetRef is RefStore.GetRef.
func (s *BoltStore) GetRef(kind, key string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketRefs).Get([]byte(kind + "/" + key)); v != nil {
			out = bytes.Clone(v)
		}
		return nil
	})
	return out, err
}

func getRequest(b *bolt.Bucket, id string) (*Request, error) {
	v := b.Get([]byte(id))
	if v == nil {
		return nil, Errorf(ENOTFOUND, "There is no request %s.", id)
	}
	r := new(Request)
	if err := json.Unmarshal(v, r); err != nil {
		return nil, fmt.Errorf("decode request %s: %w", id, err)
	}
	return r, nil
}

// putRequest saves r; the caller moves its index keys (reindex).
func putRequest(tx *bolt.Tx, r *Request) error {
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode request %s: %w", r.ID, err)
	}
	return tx.Bucket(bucketRequests).Put([]byte(r.ID), v)
}

func seqKey(seq uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	return k
}
