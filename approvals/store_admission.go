package approvals

import (
	"bytes"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Others is what a new or re-issued request is admitted against (Create,
// UpdateAdmitted): the other requests, read through the indexes inside
// the transaction that writes the request, so no concurrent write slips
// between the check and the write. It sees every unfinished request and
// every request created since its since; never the request being written.
// It is valid only during the call it is handed to.
type Others struct {
	tx    *bolt.Tx
	self  string    // the request being written
	since time.Time // finished requests created before since are not seen
}

// OpenFor returns the first unfinished request for the target with id
// targetID, in the order of request ids, that keep accepts; nil when there
// is none.
func (o *Others) OpenFor(targetID string, keep func(*Request) bool) (*Request, error) {
	prefix := lengthPrefixed(nil, targetID)
	return o.first(bucketOpenByTarget, prefix, prefix, 0, keep)
}

// CreatedFor returns the oldest request for the target with id targetID
// created since the view's since that keep accepts (of two created at the
// same instant, the smaller id); nil when there is none.
func (o *Others) CreatedFor(targetID string, keep func(*Request) bool) (*Request, error) {
	prefix := lengthPrefixed(nil, targetID)
	return o.first(bucketByTarget, prefix, append(bytes.Clone(prefix), timeKey(o.since, "")...), 8, keep)
}

// first walks the index bucket's keys under prefix from start and returns
// the first request other than the view's own that keep accepts. A key is
// prefix, skip bytes (a time), then the request id.
func (o *Others) first(bucket, prefix, start []byte, skip int, keep func(*Request) bool) (*Request, error) {
	reqs := o.tx.Bucket(bucketRequests)
	c := o.tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		id := string(k[len(prefix)+skip:])
		if id == o.self {
			continue
		}
		r, err := getRequest(reqs, id)
		if err != nil {
			return nil, err
		}
		if keep(r) {
			return r, nil
		}
	}
	return nil, nil
}

// RaisedBy counts the requests the view sees that someone who is
// certainly p (Principal.Same) raised after after. It reads index keys
// only: the requester's chat account, and their Entra user when p names
// one.
func (o *Others) RaisedBy(p Principal, after time.Time) int {
	seen := map[string]bool{}
	count := func(bucket, prefix []byte) {
		from := timeKey(after, "")
		open := o.tx.Bucket(bucketOpen)
		since := timeKey(o.since, "")
		c := o.tx.Bucket(bucket).Cursor()
		for k, _ := c.Seek(append(bytes.Clone(prefix), from...)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			at, id := k[len(prefix):len(prefix)+8], string(k[len(prefix)+8:])
			if bytes.Equal(at, from) || id == o.self || seen[id] { // at after is not after it
				continue
			}
			if bytes.Compare(at, since) >= 0 || open.Get([]byte(id)) != nil {
				seen[id] = true
			}
		}
	}
	count(bucketByRequester, lengthPrefixed(lengthPrefixed(nil, p.Platform), p.ID))
	if p.EntraID != "" {
		count(bucketByEntra, lengthPrefixed(nil, foldKey(p.EntraID)))
	}
	return len(seen)
}
