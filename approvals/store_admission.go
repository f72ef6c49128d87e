package approvals

import (
	"iter"
	"strings"
	"time"
	"unicode"
)

// Others is what a new or re-issued request is admitted against (Create,
// UpdateAdmitted): the other requests, read through the store's indexes
// inside the transaction that writes the request, so no concurrent write
// slips between the check and the write. It sees every unfinished request
// and every request created since its since; never the request being
// written. It is valid only during the call it is handed to.
type Others struct {
	view  AdmissionView
	self  string    // the request being written
	since time.Time // finished requests created before since are not seen
	err   error     // the first error view gave; the store fails with it
}

// AdmissionView is what a Store reads Others from: its indexes, inside the
// transaction that writes the request, held so that no other transaction
// can add to what it answers until that one commits. Each yields what it
// finds in order and stops when asked to; an error ends it.
type AdmissionView interface {
	// OpenForTarget yields the unfinished requests for the target with id
	// targetID, in the order of request ids.
	OpenForTarget(targetID string) iter.Seq2[*Request, error]
	// CreatedForTarget yields the requests for the target with id targetID
	// created at or after since, oldest first (of two created at the same
	// instant, the smaller id first).
	CreatedForTarget(targetID string, since time.Time) iter.Seq2[*Request, error]
	// RaisedBy yields the ids of the requests raised strictly after after,
	// by p's chat account or, when p names one, by p's Entra user (FoldID
	// equal), that are unfinished or were created at or after since. An id
	// may come twice.
	RaisedBy(p Principal, after, since time.Time) iter.Seq2[string, error]
}

// NewOthers is the view a store hands admit while it writes the request
// with id self: view's answers, without self, and the finished requests
// created before since left out. After admit returns, the store fails the
// transaction with Err if that is not nil.
func NewOthers(view AdmissionView, self string, since time.Time) *Others {
	return &Others{view: view, self: self, since: since}
}

// Err is the first error the store gave the view. Admission answered
// without what the store could not read, so a store does not commit after
// one.
func (o *Others) Err() error { return o.err }

// OpenFor returns the first unfinished request for the target with id
// targetID, in the order of request ids, that keep accepts; nil when there
// is none.
func (o *Others) OpenFor(targetID string, keep func(*Request) bool) (*Request, error) {
	return o.first(o.view.OpenForTarget(targetID), keep)
}

// CreatedFor returns the oldest request for the target with id targetID
// created since the view's since that keep accepts (of two created at the
// same instant, the smaller id); nil when there is none.
func (o *Others) CreatedFor(targetID string, keep func(*Request) bool) (*Request, error) {
	return o.first(o.view.CreatedForTarget(targetID, o.since), keep)
}

// first returns the first request of found other than the view's own that
// keep accepts.
func (o *Others) first(found iter.Seq2[*Request, error], keep func(*Request) bool) (*Request, error) {
	for r, err := range found {
		if err != nil {
			return nil, o.fail(err)
		}
		if r.ID != o.self && keep(r) {
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
	for id, err := range o.view.RaisedBy(p, after, o.since) {
		if err != nil {
			o.fail(err)
			break
		}
		if id != o.self {
			seen[id] = true
		}
	}
	return len(seen)
}

func (o *Others) fail(err error) error {
	if o.err == nil {
		o.err = err
	}
	return err
}

// FoldID maps s to one representative of the strings strings.EqualFold
// holds equal to it: every rune becomes the smallest rune of its simple
// case folding orbit (invalid bytes become U+FFFD, as EqualFold reads
// them). So two Entra ids match in an index of FoldID values exactly when
// Principal.Same would match them; every store indexes requesters so.
func FoldID(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}
