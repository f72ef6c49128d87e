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
	before := f.s.ConnsAccepted()
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
	if got := f.s.ConnsAccepted() - before; got != 3 {
		t.Errorf("3 calls without keep-alive opened %d connections, want 3", got)
	}
}

func TestHTTP2ServerSendsCallsSideBySideOverOneConnection(t *testing.T) {
	s := NewHTTP2Server()
	t.Cleanup(s.Close)
	DemoTenant(s)
	f := &fixture{t: t, s: s}
	_, body := f.tokenRequest(nil)
	f.token, _ = body["access_token"].(string)
	gate := s.Hold()
	done := make(chan string, 3)
	for range 3 {
		go func() {
			req, _ := http.NewRequest("GET", s.GraphURL()+"/users/alice@contoso.com", nil)
			req.Header.Set("Authorization", "Bearer "+f.token)
			resp, err := s.Client().Do(req)
			if err != nil {
				done <- err.Error()
				return
			}
			resp.Body.Close()
			done <- resp.Proto
		}()
	}
	for range 3 {
		<-gate.Arrived()
	}
	gate.Release()
	for range 3 {
		if proto := <-done; proto != "HTTP/2.0" {
			t.Errorf("a call went as %s, want HTTP/2.0", proto)
		}
	}
	if n := s.ConnsAccepted(); n != 1 {
		t.Errorf("3 calls in flight at once took %d connections, want 1", n)
	}
}
