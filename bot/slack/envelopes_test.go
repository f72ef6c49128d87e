package slack

import (
	"context"
	"testing"
	"time"
)

func TestRedeliveryWaitsForTheFirstDeliverysAnswer(t *testing.T) {
	s := newServedEnvelopes()
	now := time.Date(2025, 3, 1, 14, 0, 0, 0, time.UTC)
	first, isFirst := s.take("env-1", now)
	if !isFirst {
		t.Fatal("the first delivery is taken for a re-delivery")
	}
	again, isFirst := s.take("env-1", now.Add(time.Second))
	if isFirst || again != first {
		t.Fatal("the re-delivery is taken for a first delivery")
	}
	got := make(chan any, 1)
	go func() { got <- again.wait(context.Background()) }()
	first.settle("the first reply")
	if reply := <-got; reply != "the first reply" {
		t.Fatalf("re-delivery answered %v, want the first reply", reply)
	}
	if _, isFirst := s.take("env-2", now); !isFirst {
		t.Fatal("another envelope is taken for a re-delivery")
	}
}

func TestRedeliveryWaitGivesUpWithItsContext(t *testing.T) {
	a, _ := newServedEnvelopes().take("env-1", time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if reply := a.wait(ctx); reply != nil {
		t.Fatalf("wait = %v, want nil (an empty ack)", reply)
	}
}

func TestEnvelopesAreForgottenAfterTheWindowAndWithoutAnID(t *testing.T) {
	s := newServedEnvelopes()
	now := time.Date(2025, 3, 1, 14, 0, 0, 0, time.UTC)
	s.take("env-1", now)
	if _, isFirst := s.take("env-1", now.Add(envelopeWindow+time.Minute)); !isFirst {
		t.Fatal("an envelope is remembered beyond the window")
	}
	s.take("", now)
	if _, isFirst := s.take("", now); !isFirst {
		t.Fatal("an envelope without an id is taken for a re-delivery")
	}
	if len(s.byID) != 1 {
		t.Fatalf("%d envelopes remembered, want 1", len(s.byID))
	}
}
