package approvals

import bolt "go.etcd.io/bbolt"

// Export runs fn with everything the store holds, as stored, in one read
// transaction: requests in id order, audit events in sequence order,
// references by name (StoreSnapshot). Writers go on meanwhile and fn sees
// none of their changes. It returns fn's error.
func (s *BoltStore) Export(fn func(snap StoreSnapshot) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(boltAudit{tx}) })
}

// Refs is StoreSnapshot.Refs over the refs bucket.
func (b boltAudit) Refs(fn func(name string, value []byte) error) error {
	return b.tx.Bucket(bucketRefs).ForEach(func(k, v []byte) error { return fn(string(k), v) })
}
