package approvals

import (
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// AuditHead is the end of the audit log as published outside the database
// (the Slack audit channel, tapbot's log): the sequence number and MAC of
// its last event. Nobody without the audit key can make another log whose
// event Seq has that MAC, so a log that still holds it was neither cut
// short of it nor rewritten up to it.
type AuditHead struct {
	Seq uint64
	MAC string
}

// String is the head as "tapbot audit verify --head" takes it: SEQ:MAC.
func (h AuditHead) String() string { return strconv.FormatUint(h.Seq, 10) + ":" + h.MAC }

// ParseAuditHead reads a head written as SEQ:MAC. Returns EINVALID, saying
// what is wrong, for anything else.
func ParseAuditHead(s string) (AuditHead, error) {
	seq, mac, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil || n == 0 {
		return AuditHead{}, Errorf(EINVALID, "%q is not an audit head: write it as SEQ:MAC, e.g. 42:3f9a… as the audit channel or the \"audit head\" log line shows it", s)
	}
	mac = strings.ToLower(mac)
	if b, err := hex.DecodeString(mac); err != nil || len(b) != 32 {
		return AuditHead{}, Errorf(EINVALID, "the MAC of audit head %q is not 64 hexadecimal digits; copy it whole", s)
	}
	return AuditHead{Seq: n, MAC: mac}, nil
}

// VerifyOptions is what VerifyAuditLog is given to prove more than the
// hash chain.
type VerifyOptions struct {
	Key  []byte     // the audit key; nil: the store's own (WithAuditKey), if any
	Head *AuditHead // a head published earlier; needs the key
}

// AuditReport is what VerifyAuditLog checked.
type AuditReport struct {
	Events     int       // events in the log, every one checked
	KeyedFrom  uint64    // the first event chained with the audit key; 0: none is
	MACsProven bool      // a key was given and every keyed event's MAC matched it
	Head       AuditHead // the log's last event
	Requests   int       // requests whose stored state matched the state their events lead to
	AfterHead  int       // with VerifyOptions.Head: events appended after it
}

// ChainError says where the audit chain is broken.
type ChainError struct {
	Seq    uint64 // the first event that does not fit
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit log broken at event %d: %s", e.Seq, e.Reason)
}

// RequestMismatchError names a stored request that its audit events do
// not account for: it was edited, added or removed outside tapbot.
type RequestMismatchError struct {
	RequestID string
	Reason    string
}

func (e *RequestMismatchError) Error() string {
	return fmt.Sprintf("request %s does not match the audit log: %s", e.RequestID, e.Reason)
}

// UnprovenError says the log is consistent but holds keyed events whose
// MACs were not checked, for want of the key: anyone who can write the
// file could have rewritten it, hashes and all.
type UnprovenError struct {
	From, To uint64 // the keyed events
}

func (e *UnprovenError) Error() string {
	return fmt.Sprintf("audit log not proven: events %d..%d carry MACs that only the audit key can check; give it as TAPBOT_AUDIT_KEY or TAPBOT_AUDIT_KEY_FILE", e.From, e.To)
}

// AuditSnapshot is one consistent read of a store for AuditChain.Verify:
// no transaction commits into it while it is read.
type AuditSnapshot interface {
	// KeyedFrom is the sequence number of the first event chained with the
	// audit key, 0 when none is.
	KeyedFrom() (uint64, error)
	// Events calls fn with each event's sequence number, as the store
	// orders it, and its JSON, in that order, until fn fails.
	Events(fn func(seq uint64, raw []byte) error) error
	// Requests calls fn with each stored request's JSON, in the byte order
	// of request ids, until fn fails.
	Requests(fn func(raw []byte) error) error
}

// Verify walks the whole audit log and the stored requests of snap. It
// returns a *ChainError naming the first event that was edited, removed,
// inserted or re-chained (with the key: any event whose MAC does not match,
// so a rewrite that recomputed every sha256 hash shows too), a *ChainError
// when opts.Head is no longer in the log or differs, a *RequestMismatchError
// naming the first request whose stored state its events do not lead to,
// and, when all that holds but keyed events could not be checked without
// the key, an *UnprovenError. opts.Key nil means the chain's own key. The
// report is filled in either way.
func (c AuditChain) Verify(snap AuditSnapshot, opts VerifyOptions) (AuditReport, error) {
	key := opts.Key
	if key == nil {
		key = c.key
	}
	if opts.Head != nil && key == nil {
		return AuditReport{}, Errorf(EINVALID, "checking a published head needs the audit key: give it as TAPBOT_AUDIT_KEY or TAPBOT_AUDIT_KEY_FILE")
	}
	from, err := snap.KeyedFrom()
	if err != nil {
		return AuditReport{}, err
	}
	w := &auditWalk{key: key, from: from, want: 1, states: map[string]State{}, seen: map[string]bool{}}
	if opts.Head != nil {
		w.headSeq = opts.Head.Seq
	}
	err = w.run(snap, opts.Head)
	return w.report(), err
}

// auditWalk is one pass over the log, oldest event first.
type auditWalk struct {
	key      []byte
	from     uint64 // keyed chaining began here; 0: never
	want     uint64 // the sequence number the next event must have
	prevHash string
	prevMAC  string
	last     Event
	headSeq  uint64 // the published head to look out for; 0: none
	headMAC  string // the MAC found at headSeq
	states   map[string]State
	seen     map[string]bool // requests with events
	requests int
}

func (w *auditWalk) run(snap AuditSnapshot, head *AuditHead) error {
	if err := snap.Events(w.step); err != nil {
		return err
	}
	if end := w.want - 1; w.from > end {
		return &ChainError{Seq: w.want, Reason: fmt.Sprintf("keyed chaining began at event %d but the log ends at event %d: the keyed events were cut off", w.from, end)}
	}
	if head != nil {
		if err := w.checkHead(*head); err != nil {
			return err
		}
	}
	if err := w.checkRequests(snap); err != nil {
		return err
	}
	if w.from != 0 && w.key == nil {
		return &UnprovenError{From: w.from, To: w.last.Seq}
	}
	return nil
}

func (w *auditWalk) report() AuditReport {
	rep := AuditReport{Events: int(w.want - 1), KeyedFrom: w.from, Head: AuditHead{Seq: w.last.Seq, MAC: w.last.MAC}, Requests: w.requests}
	rep.MACsProven = w.from != 0 && w.key != nil
	if w.headSeq != 0 && w.last.Seq > w.headSeq {
		rep.AfterHead = int(w.last.Seq - w.headSeq)
	}
	return rep
}

// step checks one event: its place, its hash, its MAC; then replays it.
func (w *auditWalk) step(seq uint64, v []byte) error {
	var ev Event
	if err := json.Unmarshal(v, &ev); err != nil {
		return &ChainError{Seq: seq, Reason: "unreadable event"}
	}
	switch {
	case seq != w.want || ev.Seq != seq:
		return &ChainError{Seq: seq, Reason: fmt.Sprintf("expected event %d here; events were removed or renumbered", w.want)}
	case ev.PrevHash != w.prevHash:
		return &ChainError{Seq: seq, Reason: "does not link to the event before it"}
	case chainHash(ev) != ev.Hash:
		return &ChainError{Seq: seq, Reason: "its content does not match its hash; it was edited"}
	}
	if err := w.checkMAC(ev); err != nil {
		return err
	}
	if seq == w.headSeq {
		w.headMAC = ev.MAC
	}
	w.replay(ev)
	w.prevHash, w.prevMAC, w.last, w.want = ev.Hash, ev.MAC, ev, w.want+1
	return nil
}

// checkMAC proves a keyed event's MAC, when there is a key to prove it
// with, and that no event's MAC was stripped or added.
func (w *auditWalk) checkMAC(ev Event) error {
	keyed := w.from != 0 && ev.Seq >= w.from
	switch {
	case !keyed && ev.MAC != "":
		return &ChainError{Seq: ev.Seq, Reason: "it carries a MAC, but the database records keyed chaining as beginning later or never: that record was changed"}
	case !keyed:
		return nil
	case ev.MAC == "":
		return &ChainError{Seq: ev.Seq, Reason: fmt.Sprintf("it has no MAC although keyed chaining began at event %d: the MAC was removed", w.from)}
	case w.key == nil:
		return nil
	}
	prev := w.prevMAC
	if ev.Seq == w.from {
		prev = ""
	}
	if !hmac.Equal([]byte(auditMAC(w.key, prev, ev)), []byte(ev.MAC)) {
		return &ChainError{Seq: ev.Seq, Reason: "its MAC does not match: it was edited (and the hashes after it recomputed), or this is not the audit key the log was written with"}
	}
	return nil
}

// checkHead proves that the log still holds the published head.
func (w *auditWalk) checkHead(h AuditHead) error {
	end := w.want - 1
	switch {
	case h.Seq > end:
		return &ChainError{Seq: end + 1, Reason: fmt.Sprintf("the published head is event %d but the log ends at event %d: %s cut off", h.Seq, end, span(end+1, h.Seq))}
	case w.headMAC == "":
		return &ChainError{Seq: h.Seq, Reason: "the published head names it, but it has no MAC"}
	case !hmac.Equal([]byte(w.headMAC), []byte(h.MAC)):
		return &ChainError{Seq: h.Seq, Reason: "its MAC is not the published head's: this is not the log the head was taken from (it was rewritten or restored from an older copy), or the head was mistyped"}
	}
	return nil
}

// replay follows the state of ev's request.
func (w *auditWalk) replay(ev Event) {
	if ev.RequestID == "" {
		return
	}
	w.seen[ev.RequestID] = true
	w.states[ev.RequestID] = eventState(ev) // "": unknown, not compared
}

// eventState is the state a request is in after ev. Events since schema 3
// say so; older ones are read by their type.
func eventState(ev Event) State {
	if ev.State != "" {
		return ev.State
	}
	switch ev.Type {
	case EventRaised:
		return StatePending
	case EventReissued:
		return StateIssuing
	case EventReminded:
		return StatePending
	case EventApproved:
		var n, of int
		if _, err := fmt.Sscanf(ev.Detail, "approval %d of %d", &n, &of); err != nil {
			return ""
		}
		if n >= of {
			return StateApproved
		}
		return StatePending
	case EventDenied, EventCancelled, EventExpired, EventIssuing, EventIssued, EventDelivered, EventFailed, EventRevoked:
		return State(ev.Type)
	}
	return ""
}

// checkRequests compares every stored request, in id order, with the state
// its events lead to, and looks for events of requests no longer stored.
func (w *auditWalk) checkRequests(snap AuditSnapshot) error {
	err := snap.Requests(func(v []byte) error {
		var r Request
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode request: %w", err)
		}
		want, seen := w.states[r.ID], w.seen[r.ID]
		delete(w.seen, r.ID)
		switch {
		case !seen:
			return &RequestMismatchError{RequestID: r.ID, Reason: "it has no audit events; it was added outside tapbot"}
		case want != "" && want != r.State:
			return &RequestMismatchError{RequestID: r.ID, Reason: fmt.Sprintf("it is stored as %s but its audit events leave it %s; it was edited outside tapbot", r.State, want)}
		case want != "":
			w.requests++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(w.seen) > 0 {
		gone := slices.Sorted(maps.Keys(w.seen))
		return &RequestMismatchError{RequestID: gone[0], Reason: "it has audit events but is not in the database; it was deleted"}
	}
	return nil
}

// span names events from..to: "event 5 was" or "events 5..7 were".
func span(from, to uint64) string {
	if from == to {
		return fmt.Sprintf("event %d was", from)
	}
	return fmt.Sprintf("events %d..%d were", from, to)
}
