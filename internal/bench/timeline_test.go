package bench

import (
	"testing"
	"time"
)

// at makes a span of name from a to b milliseconds after t0.
func at(name string, a, b int) span {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	return span{name: name, start: t0.Add(time.Duration(a) * time.Millisecond), end: t0.Add(time.Duration(b) * time.Millisecond), latency: 100 * time.Millisecond}
}

func TestRoundsJoinCallsThatOverlap(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spans []span
		want  string
	}{
		{"one after another", []span{at("a", 0, 100), at("b", 101, 200), at("c", 201, 300)}, "a → b → c"},
		{"side by side", []span{at("a", 0, 100), at("b", 101, 200), at("c", 102, 205), at("d", 103, 199), at("e", 206, 300)}, "a → b + c + d → e"},
		{"starting as another ends waits for it", []span{at("a", 0, 100), at("b", 100, 200)}, "a → b"},
		{"none", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := roundNames(rounds(tc.spans)); got != tc.want {
				t.Errorf("rounds = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCriticalPathLeavesOutCallsBesideIt(t *testing.T) {
	pass := at("pass", 400, 500)
	spans := []span{
		at("update", 0, 100),
		at("open", 101, 200),
		at("redraw", 105, 190), // side by side with open: not waited for
		at("graph", 201, 300),
		at("notice", 201, 250), // ended before graph did: graph is what pass waited for
		at("open2", 301, 399),
		pass,
	}
	got := criticalPath(spans, pass)
	if want := "update → open → graph → open2 → pass"; names(got, " → ") != want {
		t.Fatalf("critical path = %q, want %q", names(got, " → "), want)
	}
	if latencyOf(got) != 500*time.Millisecond {
		t.Errorf("latency on the path = %v, want 500ms", latencyOf(got))
	}
}

func TestBetweenKeepsOnlyCallsInsideTheWindow(t *testing.T) {
	spans := []span{at("before", 0, 50), at("inside", 60, 90), at("straddles", 80, 120), at("early", 55, 70)}
	from, to := at("", 55, 100).start, at("", 55, 100).end
	if got := names(between(spans, from, to), ","); got != "early,inside" {
		t.Errorf("between = %q, want early,inside (by start)", got)
	}
}

func TestGraphPathHidesTheUser(t *testing.T) {
	for in, want := range map[string]string{
		"/v1.0/users/alice@contoso.com":                              "/users/{user}",
		"/v1.0/users/0b3a/authentication/temporaryAccessPassMethods": "/users/{user}/authentication/temporaryAccessPassMethods",
		"/v1.0" + policyPath:                                         "TAP policy",
		"/v1.0/roleManagement/directory/roleAssignments":             "/roleManagement/directory/roleAssignments",
	} {
		if got := graphPath(in); got != want {
			t.Errorf("graphPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(101-i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 1: time.Millisecond} {
		if got := percentile(ds, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if percentile(nil, 99) != 0 {
		t.Error("the percentile of nothing is not 0")
	}
}

func TestSpreadShowsOneValueOrTheRange(t *testing.T) {
	if got := spread([]int{4, 4, 4}); got != "4" {
		t.Errorf("spread = %q, want 4", got)
	}
	if got := spread([]int{4, 6, 5}); got != "5 (median; 4–6)" {
		t.Errorf("spread = %q", got)
	}
}
