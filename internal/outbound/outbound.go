// Package outbound is how tapbot reaches Slack, Graph, Teams and the Entra
// sign-in endpoint: the proxy and extra trusted CAs of the usual environment
// variables, as one HTTP transport whose connections are kept for the next
// burst of calls.
package outbound

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// Settings are how tapbot reaches Slack, Graph and the Entra sign-in
// endpoint: the proxy and extra trusted CAs of the usual environment
// variables, read through the same getenv as every other setting (so a test
// can set them, which Go's own once-per-process reading would not allow).
//
// HTTPS_PROXY / HTTP_PROXY / NO_PROXY (or their lower-case forms) behave as
// in Go's http.ProxyFromEnvironment, which, like curl, never proxies
// localhost or loopback addresses. SSL_CERT_FILE names a PEM file whose
// certificates tapbot trusts in addition to the system roots, e.g. the CA of
// a TLS-inspecting proxy.
type Settings struct {
	Proxy    httpproxy.Config
	CertFile string
}

// FromEnv reads the outbound settings; upper-case names win over
// lower-case ones, as in Go and curl.
func FromEnv(getenv func(string) string) Settings {
	either := func(upper, lower string) string {
		if v := getenv(upper); v != "" {
			return v
		}
		return getenv(lower)
	}
	return Settings{
		Proxy: httpproxy.Config{
			HTTPProxy:  either("HTTP_PROXY", "http_proxy"),
			HTTPSProxy: either("HTTPS_PROXY", "https_proxy"),
			NoProxy:    either("NO_PROXY", "no_proxy"),
		},
		CertFile: getenv("SSL_CERT_FILE"),
	}
}

// Transport returns an HTTP transport like Go's default one, tuned for
// bursts (Tune), that routes through o's proxy and trusts o's extra CAs.
// It returns an error naming SSL_CERT_FILE when that file cannot be read
// or holds no certificate.
func (o Settings) Transport() (*http.Transport, error) {
	t := &http.Transport{}
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		t = def.Clone()
	}
	Tune(t)
	proxy := o.Proxy.ProxyFunc()
	t.Proxy = func(r *http.Request) (*url.URL, error) { return proxy(r.URL) }
	if o.CertFile == "" {
		return t, nil
	}
	roots, err := o.roots()
	if err != nil {
		return nil, err
	}
	t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	return t, nil
}

// Connection pool of the tuned transport. Go's default keeps 2 idle
// connections per host, so a burst of approvals (each a few Graph calls and
// a few Slack calls) closes most of its connections afterwards and pays a
// TLS handshake for nearly every call of the next burst.
const (
	// MaxConnsPerHost is how many connections to one host are open at
	// most, and MaxIdleConnsPerHost how many of them are kept when idle:
	// as many, so that every connection a burst opens serves the next
	// burst too. Without a cap, a burst of 1 000 calls opened about 1 000
	// connections over HTTP/1.1 (and over 1 000 over HTTP/2, which dials
	// for every call that finds its connections full) only to close most
	// of them; with it, about 100 the first time and none after. 100 calls
	// at a time to one host over HTTP/1.1 (a TLS-inspecting proxy may
	// speak nothing else) and far more over HTTP/2 are ample for tapbot.
	MaxConnsPerHost     = 100
	MaxIdleConnsPerHost = MaxConnsPerHost
	// maxIdleConns bounds the idle connections to all hosts together:
	// tapbot talks to a handful (Slack, Graph, Entra sign-in, Teams).
	maxIdleConns = 4 * MaxIdleConnsPerHost
	// IdleConnTimeout is how long an idle connection is kept.
	IdleConnTimeout = 90 * time.Second
	// pingAfter is how long an HTTP/2 connection may stay silent before
	// it is probed with a ping, and pingTimeout how long the answer may
	// take: many calls share one HTTP/2 connection, so one that died
	// without a word (a NAT or proxy forgetting it) must be found out
	// rather than hold every call on it until its deadline.
	pingAfter   = 30 * time.Second
	pingTimeout = 15 * time.Second
)

// Tune sizes t's pool of connections for bursts of calls and makes it
// offer HTTP/2 even with a TLS configuration of its own (SSL_CERT_FILE),
// which Go would otherwise take as a reason to speak only HTTP/1.1. Many
// calls to Graph then share one connection.
func Tune(t *http.Transport) {
	t.MaxIdleConns = maxIdleConns
	t.MaxConnsPerHost = MaxConnsPerHost
	t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	t.IdleConnTimeout = IdleConnTimeout
	t.ForceAttemptHTTP2 = true
	t.HTTP2 = &http.HTTP2Config{SendPingTimeout: pingAfter, PingTimeout: pingTimeout}
}

// roots is the system pool plus the certificates of CertFile.
func (o Settings) roots() (*x509.CertPool, error) {
	pem, err := os.ReadFile(o.CertFile)
	if err != nil {
		return nil, fmt.Errorf("SSL_CERT_FILE: cannot read %s: %w", o.CertFile, errors.Unwrap(err))
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("SSL_CERT_FILE: %s holds no PEM certificate", o.CertFile)
	}
	return pool, nil
}

// Describe says in one line where outbound calls go, without the
// credentials a proxy URL may carry.
func (o Settings) Describe() string {
	var parts []string
	for _, p := range []struct{ name, raw string }{{"HTTPS_PROXY", o.Proxy.HTTPSProxy}, {"HTTP_PROXY", o.Proxy.HTTPProxy}} {
		if p.raw != "" {
			parts = append(parts, p.name+"="+redactedURL(p.raw))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "direct (no proxy)")
	} else if o.Proxy.NoProxy != "" {
		parts = append(parts, "NO_PROXY="+o.Proxy.NoProxy)
	}
	if o.CertFile != "" {
		parts = append(parts, "extra CAs from SSL_CERT_FILE="+o.CertFile)
	}
	return strings.Join(parts, ", ")
}

// redactedURL hides the password of a proxy URL; an unparsable value is
// hidden whole, since it may be nothing but a secret.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		if u, err = url.Parse("http://" + raw); err != nil || u.Host == "" {
			return "[unparsable]"
		}
	}
	return u.Redacted()
}
