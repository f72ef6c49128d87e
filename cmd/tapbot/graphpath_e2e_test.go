package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// heldCalls waits for n Graph calls to be held at the gate at once and
// returns their paths, sorted. A call that never comes fails the test
// after a generous wait: it means it waited for one of those held, so
// they were not one round trip.
func (e *env) heldCalls(g *graphtest.Gate, n int) []string {
	e.t.Helper()
	var paths []string
	deadline := time.After(20 * time.Second)
	for len(paths) < n {
		select {
		case r := <-g.Arrived():
			paths = append(paths, strings.TrimPrefix(r.Path, "/v1.0"))
		case <-deadline:
			e.t.Fatalf("only %d of %d Graph calls in flight at once: %v\nlogs:\n%s", len(paths), n, paths, e.logs.String())
		}
	}
	slices.Sort(paths)
	return paths
}

// countPaths counts the paths containing part.
func countPaths(paths []string, part string) int {
	n := 0
	for _, p := range paths {
		if strings.Contains(p, part) {
			n++
		}
	}
	return n
}

func TestRaiseTakesTwoRoundTripsToGraphBeforeTheCard(t *testing.T) {
	e := startEnv(t, map[string]string{"TAPBOT_POLICY_FILE": policyFile(t, `
protect:
  - name: directory role holders
    anyDirectoryRole: true
    refuse: true
  - name: finance
    groups: ["`+graphtest.DemoGroupFinance+`"]
    approvalsRequired: 2
`)})
	// The first raise fetches what later ones reuse: the token, the
	// tenant's TAP policy, who the technicians are.
	e.command(requester, "alice@contoso.com 1h new phone")
	e.card()
	calls := len(e.graph.Requests())

	// Each round's calls are held at a gate until all have arrived; the
	// next gate is up before the last is released, so no call slips by.
	round1 := e.graph.Hold()
	e.command(requester, "carol@contoso.com 1h new laptop")
	if got, want := e.heldCalls(round1, 2), []string{
		"/users/carol@contoso.com", "/users/carol@contoso.com/authentication/temporaryAccessPassMethods",
	}; !slices.Equal(got, want) {
		t.Fatalf("first round %v, want the user and their passes (the policy is remembered)", got)
	}
	round2 := e.graph.Hold()
	round1.Release()
	second := e.heldCalls(round2, 5)
	for part, want := range map[string]int{
		"/transitiveMemberOf/graph.directoryRole": 1, "/roleAssignments": 1, "/roleEligibilityScheduleInstances": 1,
		"/privilegedAccess/group/eligibilityScheduleInstances": 1, "/transitiveMemberOf/graph.group": 1,
	} {
		if n := countPaths(second, part); n != want {
			t.Errorf("second round %v has %d calls to %s, want %d", second, n, part, want)
		}
	}
	// A third round would be held here, and the card would never come.
	round3 := e.graph.Hold()
	round2.Release()
	card := e.card()
	round3.Release()
	if !strings.Contains(shown(card), "carol@contoso.com") || !strings.Contains(shown(card), "0 of 2") {
		t.Fatalf("card %s, want carol's, asking for the finance rule's two approvals", shown(card))
	}
	if n := len(e.graph.Requests()) - calls; n != 7 {
		t.Errorf("%d Graph calls for the second raise, want the 7 of its two rounds", n)
	}
	if n := countPaths(paths(e.graph.Requests()), "/authenticationMethodConfigurations/TemporaryAccessPass"); n != 1 {
		t.Errorf("two raises read the TAP policy %d times, want once", n)
	}
}

func paths(rs []graphtest.Recorded) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Path
	}
	return out
}
