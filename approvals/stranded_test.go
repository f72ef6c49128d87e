package approvals

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRequestsOfAnUnconfiguredPlatformAreStrandedNotPanicked restarts the
// service on the same store without the Slack front-end its requests came
// from, as when an operator drops the Slack settings: Resume and the
// sweeper must report those requests and go on, create no pass nobody could
// be handed, still revoke a pass whose delivery is unconfirmed, and list
// what is left as stranded.
func TestRequestsOfAnUnconfiguredPlatformAreStrandedNotPanicked(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	approved := h.raise(t, RaiseInput{UPN: "user0@contoso.com"})
	issuing := h.raise(t, RaiseInput{UPN: "user1@contoso.com"})
	issued := h.raise(t, RaiseInput{UPN: "user2@contoso.com"})
	noCard := h.raise(t, RaiseInput{UPN: "user3@contoso.com"})
	pending := h.raise(t, RaiseInput{UPN: "user4@contoso.com"}) // has its card
	// What a previous run left half done (as TestResumeFinishesInterruptedRequests).
	for id, st := range map[string]State{approved.ID: StateApproved, issuing.ID: StateIssuing, issued.ID: StateIssued, noCard.ID: StatePending} {
		if _, err := h.store.Update(id, func(r *Request) (Change, error) {
			r.State = st
			if st == StateIssued {
				r.MethodID = "method-old"
			}
			if id == noCard.ID {
				r.Card = MessageRef{}
			}
			return Change{}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}

	teamsOnly := NewService(Config{
		Store: h.store, Tenant: h.tenant, TenantID: "contoso", Now: h.clock.Now,
		Policy:    Policy{Authorizer: NewStaticAuthorizer(nil, nil)},
		Notifiers: map[string]Notifier{"teams": newFakeNotifier()},
		Logger:    slog.New(slog.NewTextHandler(h.logs, nil)),
	})
	if err := teamsOnly.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]State{approved.ID: StateApproved, issuing.ID: StateIssuing, issued.ID: StateRevoked, noCard.ID: StatePending} {
		if got, _ := h.store.Get(id); got.State != want {
			t.Errorf("%s after Resume: state %s, want %s", id, got.State, want)
		}
	}
	if n := h.tenant.createdCount(); n != 0 {
		t.Fatalf("%d passes created for requests nobody can be handed a pass for", n)
	}
	if len(h.tenant.deleted) != 1 || h.tenant.deleted[0] != "method-old" {
		t.Fatalf("deleted %v, want the unconfirmed pass method-old", h.tenant.deleted)
	}

	h.clock.Advance(31 * time.Minute)
	if n, err := teamsOnly.ExpireDue(ctx); err != nil || n != 2 {
		t.Fatalf("ExpireDue = %d, %v; want the 2 pending requests expired", n, err)
	}
	if got, _ := h.store.Get(pending.ID); got.State != StateExpired {
		t.Fatalf("%s after the sweep: state %s, want expired", pending.ID, got.State)
	}
	stranded, err := teamsOnly.Stranded()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range stranded {
		ids = append(ids, r.ID)
	}
	want := []string{approved.ID, issuing.ID}
	slices.Sort(ids) // raised at the same instant: no order between them
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("stranded %v, want %v", ids, want)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "request stranded") || !strings.Contains(logs, "request="+approved.ID) {
		t.Fatalf("the stranded requests were not reported:\n%s", logs)
	}
	if again, _ := Stranded(h.store, "slack"); len(again) != 0 {
		t.Fatalf("with Slack configured %d requests are stranded, want none", len(again))
	}
}
