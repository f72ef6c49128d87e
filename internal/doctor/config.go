package doctor

import (
	"net"
	"net/http"
)

// This file checks settings that need no service: the outbound network,
// the audit key and the metrics listener.

// checkOutbound builds the client serve would use; every later check
// goes through it, so a proxy or CA problem shows up there as well.
func (d *run) checkOutbound() {
	o := d.s.Outbound
	t := o.Transport
	if o.Err != nil {
		d.fail("outbound network", o.Err.Error(), "point SSL_CERT_FILE at a readable PEM file holding your CA certificate(s), or unset it")
		t = o.Direct
	} else {
		d.pass("outbound network", o.Description)
	}
	d.client = &http.Client{Transport: t, Timeout: timeout}
}

// checkAuditKey fails while TAPBOT_AUDIT_KEY is not set: without it the
// audit log is only hash-chained, which whoever can write the database can
// recompute after editing it. Whether a set key fits the database's log is
// the database check's to say.
func (d *run) checkAuditKey() {
	switch {
	case d.s.AuditKey == "":
		d.fail("audit key", "TAPBOT_AUDIT_KEY is not set, so anyone who can write the database can rewrite the audit log undetected",
			"create a key (openssl rand -base64 32), keep it outside the database's volume and backups, and give it as TAPBOT_AUDIT_KEY_FILE (a Kubernetes Secret, systemd LoadCredential=, a Compose secret)")
	case d.s.AuditKeyProblem != "":
		d.skip("audit key", "TAPBOT_AUDIT_KEY is not usable (see configuration)")
	default:
		d.pass("audit key", "set: new audit events are chained with an HMAC under it")
	}
}

// checkMetricsListen reports where doctor's configuration serves /metrics,
// which answers without authentication: on a loopback address only this
// host can read it; on every interface a "!" line says who else can.
func (d *run) checkMetricsListen() {
	addr := d.s.MetricsListen
	if addr == "" {
		d.pass("metrics listener", "off (TAPBOT_METRICS_LISTEN=off): tapbot serves no metrics")
		return
	}
	host, _, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		d.pass("metrics listener", "GET /metrics on "+addr+", reachable from this host only")
		return
	}
	d.warn("metrics listener", "GET /metrics on "+addr+" answers anyone who can reach that port, without authentication",
		"fine inside a pod or container whose port only Prometheus reaches; elsewhere firewall the port to your Prometheus, or set TAPBOT_METRICS_LISTEN=127.0.0.1:9090")
}
