package graphtest

import (
	"crypto/tls"
	"net/http"
	"testing"
)

func TestServerSpeaksHTTP2AndCountsConnections(t *testing.T) {
	f := newFixture(t) // the token request opened the first connection
	before := f.s.ConnsAccepted()
	if before != 1 {
		t.Fatalf("%d connections after one token request over one client, want 1", before)
	}
	req, _ := http.NewRequest(http.MethodGet, f.s.GraphURL()+"/users/alice@contoso.com", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := f.s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Errorf("Graph answered over %s, want HTTP/2", resp.Proto)
	}
	if n := f.s.ConnsAccepted(); n != before {
		t.Errorf("%d connections after a second call, want the first one reused", n)
	}

	// A client that offers only HTTP/1.1 is served too, on a connection of its own.
	h1 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: f.s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, NextProtos: []string{"http/1.1"}}}}
	defer h1.CloseIdleConnections()
	resp, err = h1.Do(req.Clone(req.Context()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 1 || resp.StatusCode != http.StatusOK {
		t.Errorf("HTTP/1.1 client got %s %d", resp.Proto, resp.StatusCode)
	}
	if n := f.s.ConnsAccepted(); n != before+1 {
		t.Errorf("%d connections, want %d", n, before+1)
	}
}
