package main

import (
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// recordingProxy is a forward proxy that knows only the hosts it is told
// about, each mapped to a fake's real 127.0.0.1 address: a name no resolver
// knows can be reached through it and nowhere else. It tunnels CONNECT,
// forwards absolute-form requests, and remembers what it was asked for.
type recordingProxy struct {
	URL    string
	routes map[string]string // host:port as the app names it → 127.0.0.1:port
	plain  *http.Transport

	mu    sync.Mutex
	seen  []string   // "CONNECT host:port", "POST http://host:port/path"
	conns []net.Conn // tunnels, closed at cleanup
}

func newRecordingProxy(t *testing.T) *recordingProxy {
	p := &recordingProxy{routes: map[string]string{}, plain: &http.Transport{}}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = srv.URL
	t.Cleanup(func() {
		srv.Close()
		p.plain.CloseIdleConnections()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			c.Close()
		}
	})
	return p
}

// route makes name (host:port) reach the fake listening at rawURL.
func (p *recordingProxy) route(name, rawURL string) {
	u, _ := url.Parse(rawURL)
	p.routes[name] = u.Host
}

// saw returns what the proxy was asked for.
func (p *recordingProxy) saw() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

func (p *recordingProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	what := r.Method + " " + r.URL.String()
	if r.Method == http.MethodConnect {
		what = r.Method + " " + r.Host
	}
	p.seen = append(p.seen, what)
	p.mu.Unlock()
	target, ok := p.routes[r.Host]
	switch {
	case !ok:
		http.Error(w, "no route to "+r.Host, http.StatusBadGateway)
	case r.Method == http.MethodConnect:
		p.tunnel(w, target)
	default:
		p.forward(w, r, target)
	}
}

func (p *recordingProxy) tunnel(w http.ResponseWriter, target string) {
	upstream, err := net.Dial("tcp", target)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	client, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, client, upstream)
	p.mu.Unlock()
	_, _ = client.Write([]byte("HTTP/1.1 200 Connection Established\r\n\r\n"))
	go pipe(upstream, buf.Reader, client)
	pipe(client, upstream, upstream)
}

// pipe copies until either side ends, then closes closer so the other
// direction ends too.
func pipe(dst io.Writer, src io.Reader, closer io.Closer) {
	_, _ = io.Copy(dst, src)
	closer.Close()
}

func (p *recordingProxy) forward(w http.ResponseWriter, r *http.Request, target string) {
	out := r.Clone(r.Context())
	out.RequestURI, out.URL.Host = "", target
	resp, err := p.plain.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	maps.Copy(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func TestEveryOutboundCallGoesThroughTheProxyAndTrustsSSLCertFile(t *testing.T) {
	proxy := newRecordingProxy(t)
	var graphHost, slackHost string
	e := startEnvWith(t, nil, func(e *env) map[string]string {
		graphHost = "tapbot-graph.example.com:" + port(t, e.graph.URL)
		slackHost = "tapbot-slack.example.com:" + port(t, e.slack.URL)
		proxy.route(graphHost, e.graph.URL)
		proxy.route(slackHost, e.slack.URL)
		// The fake names itself by URL in the token endpoint it
		// advertises and in the token audience it accepts; its
		// certificate is valid for *.example.com.
		e.graph.URL = "https://" + graphHost
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, e.graph.CertPEM(), 0o600); err != nil {
			t.Fatal(err)
		}
		return map[string]string{
			"HTTPS_PROXY": proxy.URL, "HTTP_PROXY": proxy.URL, "SSL_CERT_FILE": ca,
			"SLACK_API_URL": "http://" + slackHost + "/api/",
		}
	})
	e.command(requester, "alice@contoso.com 2h once new phone")
	e.click(approver1, e.card(), "tap_approve")
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	if n := len(e.graph.Issued()); n != 1 {
		t.Fatalf("Graph issued %d passes, want 1", n)
	}
	seen := proxy.saw()
	for _, want := range []string{
		"CONNECT " + graphHost, // Graph and its sign-in endpoint, over TLS
		"POST http://" + slackHost + "/api/chat.postMessage",
		"POST http://" + slackHost + "/api/conversations.open",
		"POST http://" + slackHost + "/api/chat.postEphemeral",
	} {
		if !slices.Contains(seen, want) {
			t.Errorf("the proxy never saw %q; it saw %q", want, seen)
		}
	}
}

func port(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil || u.Port() == "" {
		t.Fatalf("no port in %q", rawURL)
	}
	return u.Port()
}

func TestTheAppKeepsItsGraphConnectionAcrossFlows(t *testing.T) {
	e := startEnvWith(t, nil, func(e *env) map[string]string {
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, e.graph.CertPEM(), 0o600); err != nil {
			t.Fatal(err)
		}
		return map[string]string{"SSL_CERT_FILE": ca} // the app builds its own transport, trusting the fake
	})
	for _, upn := range []string{"alice@contoso.com", "carol@contoso.com"} {
		e.command(requester, upn+" 1h new phone")
		e.click(approver1, e.card(), "tap_approve")
		e.waitFor("the pass for "+upn, kind(slacktest.KindPostEphemeral, e.dmOf(requester), "Temporary Access Pass for"))
	}
	calls := len(e.graph.Requests())
	// Sign-in and Graph share one HTTP/2 connection; a second may open
	// while the first is being set up.
	if n := e.graph.ConnsAccepted(); n > 2 || calls < 16 {
		t.Errorf("%d Graph and sign-in calls over %d connections, want at most 2", calls, n)
	}
}
