package approvals

import "time"

// RequestsFor returns the requests in st for the Entra user targetID that
// are unfinished or were created since since, oldest first. It reads
// through ListRecent, so the indexes, not every request; /tap status uses
// it to show a user's open requests and which request made each of their
// passes.
func RequestsFor(st Store, targetID string, since time.Time) ([]*Request, error) {
	if targetID == "" {
		return nil, nil
	}
	return st.ListRecent(since, func(r *Request) bool { return r.Target.ID == targetID })
}
