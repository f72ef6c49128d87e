package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/tapbot/tapbot/internal/auditcli"
)

// databaseHeader names the database a running tapbot answers for, so that
// tapbot audit can refuse an answer about another file than the one asked
// about.
const databaseHeader = "X-Tapbot-Database"

// verifyAnswer is what GET /admin/audit/verify answers: what tapbot audit
// verify would print, and its error ("" when the log verified).
type verifyAnswer struct {
	Output string `json:"output"`
	Error  string `json:"error,omitempty"`
}

// mountAdmin serves, beside /metrics, what tapbot audit asks a running bot
// for while it holds the database: GET /admin/audit/export?since=&format=
// and GET /admin/audit/verify?head=. addr is where the listener is bound.
func (a *App) mountAdmin(mux *http.ServeMux, addr net.Addr) {
	guard := a.adminGuard(isLoopback(addr))
	mux.Handle("GET /admin/audit/export", guard(http.HandlerFunc(a.serveAuditExport)))
	mux.Handle("GET /admin/audit/verify", guard(http.HandlerFunc(a.serveAuditVerify)))
}

func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// adminGuard lets a request through only with the bearer token
// TAPBOT_ADMIN_TOKEN when one is set; without one, only on a loopback
// listener, which nobody off this host reaches. The token is compared in
// constant time (of its hash, so its length does not show either).
func (a *App) adminGuard(loopback bool) func(http.Handler) http.Handler {
	want := sha256.Sum256([]byte(a.cfg.AdminToken))
	db := a.cfg.storeName()
	if abs, err := filepath.Abs(a.cfg.DBPath); err == nil && a.cfg.DatabaseURL == "" {
		db = abs
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case a.cfg.AdminToken == "" && !loopback:
				a.log.Warn("admin request refused: TAPBOT_ADMIN_TOKEN is not set", "path", r.URL.Path, "remote", r.RemoteAddr)
				http.Error(w, "tapbot's admin endpoints are off: TAPBOT_METRICS_LISTEN is not a loopback address, so they need TAPBOT_ADMIN_TOKEN (or TAPBOT_ADMIN_TOKEN_FILE) to be set", http.StatusForbidden)
			case a.cfg.AdminToken != "" && !bearerIs(r, want):
				a.log.Warn("admin request refused: no valid bearer token", "path", r.URL.Path, "remote", r.RemoteAddr)
				w.Header().Set("WWW-Authenticate", `Bearer realm="tapbot admin"`)
				http.Error(w, "this needs tapbot's admin token: send Authorization: Bearer <TAPBOT_ADMIN_TOKEN>", http.StatusUnauthorized)
			default:
				w.Header().Set(databaseHeader, db)
				next.ServeHTTP(w, r)
			}
		})
	}
}

func bearerIs(r *http.Request, want [sha256.Size]byte) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	got := sha256.Sum256([]byte(token))
	return ok && subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// serveAuditExport answers what tapbot audit export prints.
func (a *App) serveAuditExport(w http.ResponseWriter, r *http.Request) {
	since, err := auditcli.ParseSince(r.URL.Query().Get("since"), a.now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "", "jsonl":
		format = "jsonl"
		w.Header().Set("Content-Type", "application/x-ndjson")
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	default:
		http.Error(w, fmt.Sprintf("--format %q: use jsonl or csv", format), http.StatusBadRequest)
		return
	}
	var out bytes.Buffer // whole, so that a failed read is an error, not half an export
	if err := auditcli.Export(a.store, since, format, &out); err != nil {
		a.log.Error("audit export for tapbot audit failed", "err", err)
		http.Error(w, "reading the audit log failed; tapbot's log has the details", http.StatusInternalServerError)
		return
	}
	_, _ = out.WriteTo(w)
}

// serveAuditVerify answers what tapbot audit verify prints and its error,
// checked with the key this tapbot runs with.
func (a *App) serveAuditVerify(w http.ResponseWriter, r *http.Request) {
	key := func(name string) string {
		if name == "TAPBOT_AUDIT_KEY" {
			return a.cfg.AuditKey
		}
		return ""
	}
	var out bytes.Buffer
	ans := verifyAnswer{}
	if err := verifyAudit(a.store, r.URL.Query().Get("head"), key, &out); err != nil {
		ans.Error = err.Error()
	}
	ans.Output = out.String()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ans)
}
