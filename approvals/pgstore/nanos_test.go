package pgstore

import (
	"math"
	"testing"
	"time"
)

func TestTimesBeyondNanosecondsSortAtTheEnds(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		t    time.Time
		want int64
	}{
		{"the zero time", time.Time{}, math.MinInt64},
		{"year 3000", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64},
		{"now", now, now.UnixNano()},
	} {
		if got := nanos(tc.t); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
