package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
)

// networkFix is the fix of every network failure: what stands between
// tapbot and a service is usually a proxy, a firewall or a TLS-inspecting
// middlebox whose CA tapbot does not trust.
const networkFix = "check DNS and the firewall, HTTPS_PROXY / NO_PROXY (a proxy tapbot must use) and SSL_CERT_FILE (the CA of a TLS-inspecting proxy)"

// failNetwork reports err as a network failure of check name and returns
// true when it is one, so that an unreachable service is never mistaken
// for a bad token or a missing permission. host names the service when
// err does not carry its URL.
func (d *run) failNetwork(name, host string, err error) bool {
	reason := networkReason(err)
	if reason == "" {
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			host = u.Host
		}
	}
	d.fail(name, "network: cannot reach "+host+" ("+reason+")", networkFix)
	return true
}

// networkReason says in a few words why err is a failure to reach a
// service (DNS, refused connection, proxy, TLS trust, timeout), or ""
// when it is not a network failure but an answer.
func networkReason(err error) string {
	var (
		dns      *net.DNSError
		op       *net.OpError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		timeout  interface{ Timeout() bool }
	)
	switch {
	case errors.As(err, &dns):
		return "DNS lookup of " + dns.Name + " failed"
	case errors.As(err, &op) && op.Op == "proxyconnect":
		return "the proxy refused or dropped the connection"
	case errors.As(err, &unknown), errors.As(err, &verify):
		return "its TLS certificate is not signed by a trusted CA"
	case errors.As(err, &hostname):
		return "its TLS certificate is for another host name"
	case errors.As(err, &invalid):
		return "its TLS certificate is invalid or expired"
	case errors.As(err, &record):
		return "it does not speak TLS there"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &timeout) && timeout.Timeout():
		return "timed out"
	case errors.As(err, &op) && op.Op == "dial":
		return "connection refused or unreachable"
	case errors.As(err, &op):
		return "connection failed: " + op.Err.Error()
	case err != nil:
		return reasonInText(err.Error())
	}
	return ""
}

// flattened are the texts of Go's network errors, for errors that carry
// them only as text: azidentity turns the token request's transport error
// into a message and drops the chain.
var flattened = []struct{ text, reason string }{
	{"no such host", "DNS lookup failed"},
	{"server misbehaving", "DNS lookup failed"},
	{"proxyconnect", "the proxy refused or dropped the connection"},
	{"x509: certificate signed by unknown authority", "its TLS certificate is not signed by a trusted CA"},
	{"x509: certificate is valid for", "its TLS certificate is for another host name"},
	{"x509: ", "its TLS certificate is invalid or expired"},
	{"server gave HTTP response to HTTPS client", "it does not speak TLS there"},
	{"i/o timeout", "timed out"},
	{"context deadline exceeded", "timed out"},
	{"connection refused", "connection refused or unreachable"},
	{"network is unreachable", "connection refused or unreachable"},
	{"no route to host", "connection refused or unreachable"},
	{"connection reset by peer", "connection failed: reset by peer"},
}

func reasonInText(text string) string {
	for _, f := range flattened {
		if strings.Contains(text, f.text) {
			return f.reason
		}
	}
	return ""
}

// hostOf is the host of a configured base URL, or def when it is unset.
func hostOf(base, def string) string {
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return def
}
