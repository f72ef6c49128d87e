package approvals

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// admitByScan is admit as it was before the indexes, kept as the
// reference: it walks every unfinished request and every request created
// since since, in that order.
func admitByScan(p Policy, r *Request, existing []*Request, now time.Time) error {
	raised := 0
	for _, o := range existing {
		sameTarget := o.Target.ID == r.Target.ID
		switch {
		case sameTarget && isOpen(o, now):
			return Errorf(ECONFLICT, "Request %s for %s is already open (%s); decide or cancel it first.", o.ID, r.Target.UPN, o.State)
		case sameTarget && p.TargetCooldown > 0 && o.State == StateDelivered && now.Sub(o.UpdatedAt) < p.TargetCooldown:
			return Errorf(EFORBIDDEN, "A pass for %s was issued %s ago (%s); tapbot waits %s between passes for the same user. Check it with /tap status %s, or ask an approver to revoke it first.",
				r.Target.UPN, FormatMinutes(int(now.Sub(o.UpdatedAt).Minutes())), o.ID, FormatMinutes(int(p.TargetCooldown.Minutes())), r.Target.UPN)
		}
		if o.Requester.Same(r.Requester) && now.Sub(o.CreatedAt) < p.RequesterWindow {
			raised++
		}
	}
	if p.RequesterLimit > 0 && raised >= p.RequesterLimit {
		return Errorf(EFORBIDDEN, "You have raised %d requests in the last %s, the most tapbot allows; try again later or ask a colleague.", raised, FormatMinutes(int(p.RequesterWindow.Minutes())))
	}
	return nil
}

// The people a random store is made of: accounts that are one person
// through their Entra user (in differing case, and with the Kelvin sign,
// which strings.EqualFold holds equal to k), one account seen with and
// without its Entra user, and strangers.
var (
	randomTargets    = []string{"id-t0", "id-t1", "id-t2", "id-t3", "id-t4", "id-t5", "id-t6", "id-t7", "id-t8", "id-t9"}
	randomRequesters = []Principal{
		{Platform: "slack", ID: "U1"},
		{Platform: "slack", ID: "U1", EntraID: "e-k1"},
		{Platform: "teams", ID: "e-k1", EntraID: "E-K1"},
		{Platform: "teams", ID: "e-k1b", EntraID: "e-\u212a1"},
		{Platform: "slack", ID: "U2", EntraID: "e-2"},
		{Platform: "teams", ID: "U2"},
		{Platform: "slack", ID: "U3"},
	}
	allStates = []State{StatePending, StateApproved, StateIssuing, StateIssued, StateDelivered, StateDenied, StateCancelled, StateExpired, StateFailed, StateRevoked}
)

// randomState is mostly a final one, delivered most often: a store is
// mostly history, and a cooldown needs passes.
func randomState(rng *rand.Rand) State {
	if rng.IntN(4) == 0 {
		return allStates[rng.IntN(len(allStates))]
	}
	return []State{StateDelivered, StateDelivered, StateDenied, StateExpired}[rng.IntN(4)]
}

func randomRequest(rng *rand.Rand, i int, now time.Time) *Request {
	created := now.Add(-time.Duration(rng.IntN(6*60)) * time.Minute)
	if rng.IntN(8) == 0 {
		created = now.Add(-time.Hour) // on a window's edge
	}
	t := randomTargets[rng.IntN(len(randomTargets))]
	return &Request{
		ID: fmt.Sprintf("TAP-%02d%c", i, 'A'+rng.IntN(26)), State: randomState(rng),
		Requester: randomRequesters[rng.IntN(len(randomRequesters))],
		Target:    Target{ID: t, UPN: t + "@contoso.com"},
		CreatedAt: created, UpdatedAt: created.Add(time.Duration(rng.IntN(120)) * time.Minute),
		ExpiresAt: created.Add(30 * time.Minute),
	}
}

func randomPolicy(rng *rand.Rand) Policy {
	return Policy{
		RequestTTL: 30 * time.Minute, ReissueWindow: 10 * time.Minute,
		TargetCooldown:  []time.Duration{0, 30 * time.Minute, 2 * time.Hour}[rng.IntN(3)],
		RequesterLimit:  rng.IntN(4),
		RequesterWindow: []time.Duration{30 * time.Minute, time.Hour, 3 * time.Hour}[rng.IntN(3)],
	}
}

// fillRandomly raises n random requests through Create and then changes
// some through Update — states, and Entra ids learnt later — so that the
// indexes are kept by the code that keeps them in production.
func fillRandomly(t *testing.T, s *BoltStore, rng *rand.Rand, n int, now time.Time) []*Request {
	t.Helper()
	var reqs []*Request
	for i := range n {
		r := randomRequest(rng, i, now)
		if err := s.Create(r, Event{Time: now, Type: EventRaised, RequestID: r.ID}, now, nil); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, r)
	}
	for range n {
		id := reqs[rng.IntN(len(reqs))].ID
		_, err := s.Update(id, func(r *Request) (Change, error) {
			r.State = randomState(rng)
			r.UpdatedAt = r.UpdatedAt.Add(time.Duration(rng.IntN(30)) * time.Minute)
			if rng.IntN(3) == 0 {
				r.Requester = randomRequesters[rng.IntN(len(randomRequesters))]
			}
			return Change{}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return reqs
}

func TestAdmissionByIndexRefusesExactlyAsTheFullScanDid(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	refusals := map[string]int{}
	for seed := range 24 {
		rng := rand.New(rand.NewPCG(uint64(seed), 13))
		s, err := Open(filepath.Join(t.TempDir(), "tapbot.db"))
		if err != nil {
			t.Fatal(err)
		}
		s.db.NoSync = true // what is compared is the answer, not its durability
		reqs := fillRandomly(t, s, rng, 10+rng.IntN(50), now)
		for range 30 {
			p := randomPolicy(rng)
			at := now.Add(time.Duration(rng.IntN(20)) * time.Minute)
			since := at.Add(-p.lookback())
			if rng.IntN(3) == 0 {
				since = at.Add(-time.Duration(rng.IntN(7*60)) * time.Minute) // any since, not only the policy's
			}
			r := randomRequest(rng, 99, at) // a new request …
			if rng.IntN(2) == 0 {
				r = reqs[rng.IntN(len(reqs))] // … or a re-issue of a stored one
			}
			err := s.db.View(func(tx *bolt.Tx) error {
				existing, err := openOrSince(tx, since)
				if err != nil {
					return err
				}
				existing = slices.DeleteFunc(existing, func(o *Request) bool { return o.ID == r.ID })
				want := admitByScan(p, r, existing, at)
				got := p.admit(r, NewOthers(boltIndexes{tx}, r.ID, since), at)
				if fmt.Sprint(got) != fmt.Sprint(want) || ErrorCode(got) != ErrorCode(want) {
					t.Errorf("seed %d, %+v for %s by %+v at %s, since %s:\n got %v\nwant %v", seed, p, r.Target.ID, r.Requester, at, since, got, want)
				}
				if want != nil {
					refusals[ruleOf(want)]++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
	}
	t.Logf("refusals by rule: %v", refusals)
	for _, rule := range []string{"open", "cooldown", "rate limit"} {
		if refusals[rule] < 10 { // too few to have compared the rule
			t.Errorf("the %s rule refused %d times (%v)", rule, refusals[rule], refusals)
		}
	}
}

// ruleOf names the admission rule behind a refusal.
func ruleOf(err error) string {
	switch msg := ErrorMessage(err); {
	case strings.HasPrefix(msg, "Request "):
		return "open"
	case strings.HasPrefix(msg, "A pass "):
		return "cooldown"
	case strings.HasPrefix(msg, "You have raised"):
		return "rate limit"
	}
	return err.Error()
}

// indexSnapshot is every key of every index, by bucket.
func indexSnapshot(tx *bolt.Tx) map[string][]string {
	out := map[string][]string{}
	for _, b := range indexBuckets {
		_ = tx.Bucket(b).ForEach(func(k, _ []byte) error {
			out[string(b)] = append(out[string(b)], strconv.Quote(string(k)))
			return nil
		})
	}
	return out
}

func TestIndexesStayInStepWithTheRequests(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s, err := Open(filepath.Join(t.TempDir(), "tapbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.db.NoSync = true
	fillRandomly(t, s, rand.New(rand.NewPCG(7, 13)), 200, now)
	err = s.db.Update(func(tx *bolt.Tx) error {
		kept := indexSnapshot(tx)
		for _, b := range indexBuckets {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		if err := buildIndexes(tx, indexBuckets...); err != nil {
			return err
		}
		rebuilt := indexSnapshot(tx)
		for _, b := range indexBuckets {
			if k, r := kept[string(b)], rebuilt[string(b)]; !slices.Equal(k, r) {
				t.Errorf("index %s kept %d keys, rebuilt from the requests %d:\n kept %v\n rebuilt %v", b, len(k), len(r), k, r)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFoldKeyMatchesEqualFold(t *testing.T) {
	words := []string{"", "k", "K", "\u212a", "s", "S", "\u017f", "ß", "ẞ", "Σ", "σ", "ς", "e-K1", "E-\u212a1", "\xff", "\xfe", "\uFFFD", "İ", "i", "I", "ı", "ǅ", "ǆ", "Ǆ"}
	for _, a := range words {
		for _, b := range words {
			if got, want := FoldID(a) == FoldID(b), strings.EqualFold(a, b); got != want {
				t.Errorf("FoldID(%q) == FoldID(%q) is %v, strings.EqualFold says %v", a, b, got, want)
			}
		}
	}
}

func TestSchemaThreeFileGetsThePeopleIndexesAndAdmitsAsBefore(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "old.db")
	old := []*Request{ // by rita: an open request for alice, a pass for carol 10 minutes ago, one more request
		{ID: "TAP-OPEN01", State: StatePending, Target: Target{ID: "id-alice", UPN: "alice@contoso.com"}, Requester: req1, CreatedAt: now.Add(-5 * time.Minute), UpdatedAt: now.Add(-5 * time.Minute), ExpiresAt: now.Add(25 * time.Minute)},
		{ID: "TAP-DONE01", State: StateDelivered, Target: Target{ID: "id-carol", UPN: "carol@contoso.com"}, Requester: req1, CreatedAt: now.Add(-20 * time.Minute), UpdatedAt: now.Add(-10 * time.Minute)},
		{ID: "TAP-DENY01", State: StateDenied, Target: Target{ID: "id-user1", UPN: "user1@contoso.com"}, Requester: req1, CreatedAt: now.Add(-30 * time.Minute), UpdatedAt: now.Add(-29 * time.Minute)},
	}
	writeSchemaThree(t, path, old)

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = s.db.View(func(tx *bolt.Tx) error {
		if v := string(tx.Bucket(bucketMeta).Get(keySchema)); v != strconv.Itoa(SchemaVersion) {
			t.Errorf("schema %s after migration, want %d", v, SchemaVersion)
		}
		for b, want := range map[string]int{"open-by-target": 1, "by-target": 3, "by-requester": 3, "by-entra": 0} {
			if n := tx.Bucket([]byte(b)).Stats().KeyN; n != want {
				t.Errorf("index %s has %d keys, want %d", b, n, want)
			}
		}
		return nil
	})
	p := Policy{TargetCooldown: time.Hour, RequesterLimit: 3, RequesterWindow: time.Hour}.withDefaults()
	for _, tt := range []struct {
		target, upn string
		p           Policy
		want        string
	}{
		{"id-alice", "alice@contoso.com", p, "Request TAP-OPEN01 for alice@contoso.com is already open (pending); decide or cancel it first."},
		{"id-carol", "carol@contoso.com", p, "A pass for carol@contoso.com was issued 10m ago (TAP-DONE01); tapbot waits 1h between passes for the same user. Check it with /tap status carol@contoso.com, or ask an approver to revoke it first."},
		{"id-dave", "dave@contoso.com", p, "You have raised 3 requests in the last 1h, the most tapbot allows; try again later or ask a colleague."},
		{"id-dave", "dave@contoso.com", Policy{}.withDefaults(), "<nil>"},
	} {
		r := &Request{ID: "TAP-NEW001", Requester: req1, Target: Target{ID: tt.target, UPN: tt.upn}, State: StatePending, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(30 * time.Minute)}
		err := s.Create(r, Event{Time: now, Type: EventRaised, RequestID: r.ID}, now.Add(-tt.p.lookback()), func(o *Others) error { return tt.p.admit(r, o, now) })
		if got := ErrorMessage(err); err == nil && tt.want != "<nil>" || err != nil && got != tt.want {
			t.Errorf("raise for %s: %v, want %s", tt.upn, err, tt.want)
		}
	}
}

// writeSchemaThree writes reqs to a new file the way tapbot wrote schema 3:
// the requests with their open and by-time indexes, an empty audit log.
func writeSchemaThree(t *testing.T, path string, reqs []*Request) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket(bucketMeta)
		_ = meta.Put(keyApp, appMarker)
		_ = meta.Put(keySchema, []byte("3"))
		for _, b := range [][]byte{bucketRequests, bucketAudit, bucketRefs, bucketOpen, bucketByTime} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		for _, r := range reqs {
			v, _ := json.Marshal(r)
			_ = tx.Bucket(bucketRequests).Put([]byte(r.ID), v)
			_ = tx.Bucket(bucketByTime).Put(append(binaryTime(r.CreatedAt), r.ID...), nil)
			if !r.State.Final() {
				_ = tx.Bucket(bucketOpen).Put([]byte(r.ID), nil)
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
}

// binaryTime is schema 3's by-time key prefix, spelt out here so that the
// file stays what schema 3 wrote whatever timeKey becomes.
func binaryTime(t time.Time) []byte {
	n := uint64(t.UnixNano())
	return []byte{byte(n >> 56), byte(n >> 48), byte(n >> 40), byte(n >> 32), byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}
