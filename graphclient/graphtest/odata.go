package graphtest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// graphError is the body Graph sends with every error status.
type graphError struct {
	Error graphErrorDetail `json:"error"`
}

type graphErrorDetail struct {
	Code       string         `json:"code"`
	Message    string         `json:"message"`
	InnerError map[string]any `json:"innerError"`
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeError sends a Graph-shaped error: {"error":{"code","message","innerError"}}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	id := newID()
	w.Header().Set("request-id", id)
	writeJSON(w, status, graphError{Error: graphErrorDetail{
		Code:    code,
		Message: message,
		InnerError: map[string]any{
			"date":              time.Now().UTC().Format("2006-01-02T15:04:05"),
			"request-id":        id,
			"client-request-id": id,
		},
	}})
}

func writeUnauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
}

// mayGet answers a read the way Graph refuses one: 405 for a method other
// than GET, 403 Authorization_RequestDenied when the app holds none of anyOf. It
// reports whether the read may go on.
func (s *Tenant) mayGet(w http.ResponseWriter, r *http.Request, anyOf []string) bool {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "BadRequest", "The HTTP method '"+r.Method+"' is not allowed here.")
		return false
	}
	if !s.granted(anyOf) {
		writeForbidden(w)
		return false
	}
	return true
}

func writeForbidden(w http.ResponseWriter) {
	writeError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func writeUserNotFound(w http.ResponseWriter, user string) {
	writeError(w, http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", user))
}

// writePage sends one page of a collection and, when more items follow, an
// @odata.nextLink that repeats the request with a $skiptoken.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, context string, items []map[string]any) {
	size := s.pageSizeFor(r)
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	if skip < 0 || skip > len(items) {
		skip = len(items)
	}
	end := min(skip+size, len(items))
	body := map[string]any{
		"@odata.context": s.GraphURL() + "/$metadata#" + context,
		"value":          items[skip:end],
	}
	if end < len(items) {
		body["@odata.nextLink"] = s.nextLink(r, end)
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) pageSizeFor(r *http.Request) int {
	s.mu.Lock()
	size := s.pageSize
	s.mu.Unlock()
	if top, err := strconv.Atoi(r.URL.Query().Get("$top")); err == nil && top > 0 && top < size {
		size = top
	}
	return size
}

func (s *Server) nextLink(r *http.Request, skip int) string {
	q := r.URL.Query()
	q.Set("$skiptoken", strconv.Itoa(skip))
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return s.URL + u.String()
}

// newID returns a random UUID-shaped identifier, as Graph uses for objects.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// graphTime formats a time as Graph does in JSON bodies.
func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
