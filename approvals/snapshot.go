package approvals

// StoreSnapshot is everything a store holds, read as stored in one
// consistent view: the audit log and the requests that AuditChain.Verify
// reads (AuditSnapshot), and the references and the followers' cursors
// besides. It is what tapbot migrate copies from one store into another
// (BoltStore.Export, pgstore.Store.Import), byte for byte, so that the copy
// verifies exactly as its source: no event is chained again.
//
// The bytes handed to a callback are the store's own and valid only until
// it returns; a callback that keeps them copies them.
type StoreSnapshot interface {
	AuditSnapshot
	// Refs calls fn with each reference's name (kind/key as PutRef stores
	// it, or a follower's name) and value, in the byte order of names,
	// until fn fails.
	Refs(fn func(name string, value []byte) error) error
}
