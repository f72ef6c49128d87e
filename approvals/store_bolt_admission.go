package approvals

import (
	"bytes"
	"iter"
	"time"

	bolt "go.etcd.io/bbolt"
)

// boltIndexes answers Others from the indexes of schema 4 (store_bolt_index.go)
// inside the read-write transaction that writes the request: bbolt has one
// writer, so nothing can change them until it commits.
type boltIndexes struct {
	tx *bolt.Tx
}

func (b boltIndexes) OpenForTarget(targetID string) iter.Seq2[*Request, error] {
	prefix := lengthPrefixed(nil, targetID)
	return b.requests(bucketOpenByTarget, prefix, prefix, 0)
}

func (b boltIndexes) CreatedForTarget(targetID string, since time.Time) iter.Seq2[*Request, error] {
	prefix := lengthPrefixed(nil, targetID)
	return b.requests(bucketByTarget, prefix, append(bytes.Clone(prefix), timeKey(since, "")...), 8)
}

// requests walks the index bucket's keys under prefix from start and
// yields their requests. A key is prefix, skip bytes (a time), then the
// request id.
func (b boltIndexes) requests(bucket, prefix, start []byte, skip int) iter.Seq2[*Request, error] {
	return func(yield func(*Request, error) bool) {
		reqs := b.tx.Bucket(bucketRequests)
		c := b.tx.Bucket(bucket).Cursor()
		for k, _ := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			r, err := getRequest(reqs, string(k[len(prefix)+skip:]))
			if !yield(r, err) || err != nil {
				return
			}
		}
	}
}

// RaisedBy reads index keys only: the requester's chat account, and their
// Entra user when p names one.
func (b boltIndexes) RaisedBy(p Principal, after, since time.Time) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if !b.raisedIn(bucketByRequester, lengthPrefixed(lengthPrefixed(nil, p.Platform), p.ID), after, since, yield) {
			return
		}
		if p.EntraID != "" {
			b.raisedIn(bucketByEntra, lengthPrefixed(nil, FoldID(p.EntraID)), after, since, yield)
		}
	}
}

// raisedIn yields the ids under prefix in bucket (prefix, creation time,
// id) created after after that are open or created since since; false
// when yield asked to stop.
func (b boltIndexes) raisedIn(bucket, prefix []byte, after, since time.Time, yield func(string, error) bool) bool {
	from := timeKey(after, "")
	open := b.tx.Bucket(bucketOpen)
	sinceKey := timeKey(since, "")
	c := b.tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(append(bytes.Clone(prefix), from...)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		at, id := k[len(prefix):len(prefix)+8], k[len(prefix)+8:]
		if bytes.Equal(at, from) { // at after is not after it
			continue
		}
		if bytes.Compare(at, sinceKey) >= 0 || open.Get(id) != nil {
			if !yield(string(id), nil) {
				return false
			}
		}
	}
	return true
}
