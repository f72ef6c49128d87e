package approvals

import (
	"context"
	"testing"
)

// TestDecisionWaitsForTheCardsPlaceToBeRecorded protects the crash tests'
// approved point: an approval clicked on a card chat already shows, before
// tapbot has stored where the card is, must not be committed ahead of the
// card's place, or a crash in between leaves a card nobody can redraw.
func TestDecisionWaitsForTheCardsPlaceToBeRecorded(t *testing.T) {
	h := newHarness(t, nil)
	posted, release := make(chan struct{}), make(chan struct{})
	h.chat.postHook = func(*Request) {
		close(posted)
		<-release
	}
	raised := make(chan error, 1)
	go func() {
		_, err := h.svc.Raise(context.Background(), RaiseInput{ID: "TAP-CARD01", Requester: req1, UPN: "alice@contoso.com"})
		raised <- err
	}()
	<-posted // chat has the card; its place is not returned yet

	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.svc.Approve(gone, "TAP-CARD01", appr1); ErrorCode(err) != EUNAVAILABLE {
		t.Fatalf("approval while the card's place is unknown: %v, want EUNAVAILABLE", err)
	}
	if r, _ := h.store.Get("TAP-CARD01"); r.State != StatePending || len(r.Approvals) != 0 {
		t.Fatalf("approval committed before the card's place: %s with %d approvals", r.State, len(r.Approvals))
	}

	approved := make(chan error, 1)
	go func() {
		_, err := h.svc.Approve(context.Background(), "TAP-CARD01", appr1)
		approved <- err
	}()
	close(release)
	if err := <-raised; err != nil {
		t.Fatal(err)
	}
	if err := <-approved; err != nil {
		t.Fatal(err)
	}
	if h.card("TAP-CARD01") != StateDelivered {
		t.Fatalf("card shows %s, want delivered", h.card("TAP-CARD01"))
	}
}

// TestCardPostsWaitOnlyWhileAPostIsInFlight: a decision on a request whose
// card is not being posted never waits, even with its context gone.
func TestCardPostsWaitOnlyWhileAPostIsInFlight(t *testing.T) {
	c := newCardPosts()
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.wait(gone, "TAP-1"); err != nil {
		t.Fatalf("no post in flight: %v", err)
	}
	done := c.begin("TAP-1")
	if err := c.wait(gone, "TAP-1"); ErrorCode(err) != EUNAVAILABLE {
		t.Fatalf("post in flight: %v, want EUNAVAILABLE", err)
	}
	if err := c.wait(gone, "TAP-2"); err != nil {
		t.Fatalf("another request's post made it wait: %v", err)
	}
	done()
	if err := c.wait(gone, "TAP-1"); err != nil {
		t.Fatalf("post recorded: %v", err)
	}
}
