package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/pgtest"
)

func TestAKeySeenByOneReplicaIsRefusedByEveryOther(t *testing.T) {
	url := pgtest.URL(t)
	one, other := openForLeases(t, url), openForLeases(t, url)
	key := []byte("v0=signature-bytes")
	for _, tc := range []struct {
		name string
		s    *Store
		kind string
		want bool
	}{
		{"first sighting", one, "slack-signature", true},
		{"again on another replica", other, "slack-signature", false},
		{"again on the same replica", one, "slack-signature", false},
		{"the same bytes of another kind", other, "teams-activity", true},
	} {
		first, err := tc.s.FirstSeen(tc.kind, key, 10*time.Minute)
		if err != nil || first != tc.want {
			t.Fatalf("%s: FirstSeen = %v, %v; want %v", tc.name, first, err, tc.want)
		}
	}
	if _, err := one.pool.Exec(context.Background(), "UPDATE tapbot_seen SET expires_at = now() - interval '1 second'"); err != nil {
		t.Fatal(err)
	}
	if first, err := other.FirstSeen("slack-signature", key, 10*time.Minute); err != nil || !first {
		t.Fatalf("a key past its time: FirstSeen = %v, %v; want it new again", first, err)
	}
}
