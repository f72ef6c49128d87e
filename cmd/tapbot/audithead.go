package main

import (
	"fmt"
	"time"
)

// auditHeadEvery is how often serve logs the head of the audit log. Logs
// shipped off the host then hold, at least hourly, a head that whoever can
// write the database cannot take back (tapbot audit verify --head).
const auditHeadEvery = time.Hour

// minAuditKeyLen is the shortest TAPBOT_AUDIT_KEY accepted: 32 characters
// of openssl rand -base64 32 carry far more than HMAC-SHA256 needs.
const minAuditKeyLen = 32

// auditKeyProblem says what is wrong with an audit key, "" when nothing
// is. It never repeats the key.
func auditKeyProblem(key string) string {
	if key != "" && len(key) < minAuditKeyLen {
		return fmt.Sprintf("TAPBOT_AUDIT_KEY: %d characters is too short to key the audit log; use at least %d random ones, e.g. from openssl rand -base64 32", len(key), minAuditKeyLen)
	}
	return ""
}

// checkAuditKeying refuses to run without the key a database's audit log
// is chained with, and warns when tapbot runs with no key at all.
func (a *App) checkAuditKeying() error {
	if a.cfg.AuditKey != "" {
		return nil
	}
	from, err := a.store.AuditKeyedFrom()
	if err != nil {
		return fmt.Errorf("read the audit log of %s: %w", a.cfg.storeName(), err)
	}
	if from != 0 {
		return fmt.Errorf("the audit log in %s is chained with an audit key since event %d; set TAPBOT_AUDIT_KEY or TAPBOT_AUDIT_KEY_FILE to that key", a.cfg.storeName(), from)
	}
	a.log.Warn("TAPBOT_AUDIT_KEY is not set: the audit log is only hash-chained, so anyone who can write the database can rewrite it undetected; set TAPBOT_AUDIT_KEY or TAPBOT_AUDIT_KEY_FILE (tapbot doctor explains)")
	return nil
}

// logAuditHead logs the head of a keyed audit log, for tapbot audit verify
// --head to prove later that nothing up to it was cut or rewritten.
func (a *App) logAuditHead() {
	a.headAt = a.now()
	if a.cfg.AuditKey == "" {
		return
	}
	h, err := a.store.AuditHead()
	switch {
	case err != nil:
		a.log.Error("reading the audit head failed", "err", err)
	case h.MAC != "": // nothing keyed yet: no head worth keeping
		a.log.Info("audit head", "head", h.String())
	}
}

// logAuditHeadIfDue logs the head when headEvery has passed on the app's
// clock. The sweeper's tick calls it, so no timer of its own is needed.
func (a *App) logAuditHeadIfDue() {
	if a.now().Sub(a.headAt) >= a.headEvery {
		a.logAuditHead()
	}
}
