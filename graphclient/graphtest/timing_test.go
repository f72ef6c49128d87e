package graphtest

import (
	"net/http"
	"testing"
	"time"
)

func TestRequestsShowWhenEachCallStartedAndEnded(t *testing.T) {
	f := newFixture(t)
	gate := f.s.Hold()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.call("GET", "/users/alice@contoso.com", nil)
	}()
	<-gate.Arrived()
	held := f.s.Requests()
	if len(held) != 1 || held[0].Start.IsZero() || !held[0].End.IsZero() {
		t.Fatalf("a call in flight is recorded as %+v, want a start and no end", held)
	}
	gate.Release()
	<-done
	f.s.SetLatency(20 * time.Millisecond)
	f.call("GET", "/users/alice@contoso.com", nil)
	reqs := f.s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("recorded %d calls, want 2", len(reqs))
	}
	first, second := reqs[0], reqs[1]
	if first.End.Before(first.Start) || !second.Start.After(first.End) {
		t.Errorf("calls made one after the other overlap: %+v", reqs)
	}
	if took := second.End.Sub(second.Start); took < 20*time.Millisecond {
		t.Errorf("a call with 20ms of latency took %v from start to end", took)
	}
}

func TestConnectionsCountsEveryConnectionAccepted(t *testing.T) {
	f := newFixture(t)
	before := f.s.Connections()
	if before < 1 {
		t.Fatalf("Connections = %d after a token request, want at least 1", before)
	}
	tr := f.s.Client().Transport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true
	client := &http.Client{Transport: tr}
	for range 3 {
		req, _ := http.NewRequest("GET", f.s.GraphURL()+"/users/alice@contoso.com", nil)
		req.Header.Set("Authorization", "Bearer "+f.token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := f.s.Connections() - before; got != 3 {
		t.Errorf("3 calls without keep-alive opened %d connections, want 3", got)
	}
}
