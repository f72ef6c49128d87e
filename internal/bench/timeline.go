package bench

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// span is one call tapbot made to a stand-in, as the stand-in timed it.
type span struct {
	service    string // "Graph" or "Slack"
	name       string // "chat.update", "GET /users/{user}", …
	start, end time.Time
	latency    time.Duration // what the stand-in added to it
}

// graphSpans are the finished Graph calls, each costing latency.
func graphSpans(reqs []graphtest.Recorded, latency time.Duration) []span {
	var out []span
	for _, r := range reqs {
		if !r.End.IsZero() {
			out = append(out, span{service: "Graph", name: r.Method + " " + graphPath(r.Path), start: r.Start, end: r.End, latency: latency})
		}
	}
	return out
}

// slackSpans are the finished Slack calls, each costing latency.
func slackSpans(calls []slacktest.Call, latency time.Duration) []span {
	var out []span
	for _, c := range calls {
		if !c.End.IsZero() {
			out = append(out, span{service: "Slack", name: c.Method, start: c.Start, end: c.End, latency: latency})
		}
	}
	return out
}

var (
	userSegment = regexp.MustCompile(`^/users/[^/]+`)
	policyPath  = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"
)

// graphPath names a Graph path without the user it is about.
func graphPath(p string) string {
	p = strings.TrimPrefix(p, "/v1.0")
	if p == policyPath {
		return "TAP policy"
	}
	return userSegment.ReplaceAllString(p, "/users/{user}")
}

// between returns the spans that started at or after from and ended at or
// before to, by start.
func between(spans []span, from, to time.Time) []span {
	var out []span
	for _, s := range spans {
		if !s.start.Before(from) && !s.end.After(to) {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b span) int { return a.start.Compare(b.start) })
	return out
}

// holding returns the first span named name that was under way at t: the
// call during which a stand-in recorded a message.
func holding(spans []span, name string, t time.Time) (span, bool) {
	for _, s := range spans {
		if s.name == name && !s.start.After(t) && !s.end.Before(t) {
			return s, true
		}
	}
	return span{}, false
}

// rounds groups spans (sorted by start) into round trips: a call that
// starts before every call of the current round has ended goes side by
// side with them; one that starts after waits for them and opens the next
// round.
func rounds(spans []span) [][]span {
	var out [][]span
	var roundEnd time.Time
	for _, s := range spans {
		if len(out) == 0 || !s.start.Before(roundEnd) {
			out = append(out, nil)
			roundEnd = s.end
		}
		out[len(out)-1] = append(out[len(out)-1], s)
		if s.end.After(roundEnd) {
			roundEnd = s.end
		}
	}
	return out
}

// criticalPath walks back from last through spans: each step is the call
// that ended last before the current one started, i.e. the one it waited
// for. Calls made side by side with the chain, or after it, are left out.
// The path is returned in time order and ends with last.
func criticalPath(spans []span, last span) []span {
	path := []span{last}
	cur := last
	for {
		var prev span
		found := false
		for _, s := range spans {
			if !s.end.After(cur.start) && s.end.Before(cur.end) && (!found || s.end.After(prev.end)) {
				prev, found = s, true
			}
		}
		if !found {
			break
		}
		path = append(path, prev)
		cur = prev
	}
	slices.Reverse(path)
	return path
}

// latencyOf adds up what the stand-ins added to spans.
func latencyOf(spans []span) time.Duration {
	var d time.Duration
	for _, s := range spans {
		d += s.latency
	}
	return d
}

// heldOf is how long the stand-ins held spans, by their own clocks.
func heldOf(spans []span) time.Duration {
	var d time.Duration
	for _, s := range spans {
		d += s.end.Sub(s.start)
	}
	return d
}

// names lists the spans' names joined by sep.
func names(spans []span, sep string) string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.name
	}
	return strings.Join(out, sep)
}

// roundNames lists rounds as "a → b + c → d": + joins calls side by side.
func roundNames(rs [][]span) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = names(r, " + ")
	}
	return strings.Join(out, " → ")
}
