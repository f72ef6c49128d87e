// Package webhooktest is a fake receiver of tapbot's audit webhook: an
// HTTPS endpoint like a SIEM's HTTP input or Splunk HEC's
// /services/collector/event. It checks what a real receiver would (the
// signature, the authorization header), records every delivery it accepts
// for tests to wait on, and can be told to answer an outage's 503.
package webhooktest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"

	"github.com/tapbot/tapbot/internal/recorded"
)

// Delivery is one POST the fake accepted.
type Delivery struct {
	Seq    uint64         // the record's seq
	Record map[string]any // the record, out of the HEC envelope if it came in one
	Body   []byte         // as received
	Header http.Header
	HEC    bool // the body was a Splunk HEC envelope
}

// Server is the fake receiver. It is safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	accepted *recorded.Log[Delivery]
	refused  *recorded.Log[int] // the status of every refused delivery

	mu       sync.Mutex
	secret   []byte    // checks X-Tapbot-Signature when set
	required [2]string // a header every delivery must carry (name, value)
	status   int       // answered instead of 200 while set
}

// NewServer starts a receiver on 127.0.0.1 with httptest's certificate,
// which the clients of httptest's TLS servers trust.
func NewServer() *Server {
	s := &Server{accepted: recorded.New[Delivery]("an audit webhook delivery"), refused: recorded.New[int]("a refused delivery")}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	return s
}

// URL is where deliveries go, in the path Splunk HEC uses.
func (s *Server) URL() string { return s.srv.URL + "/services/collector/event" }

// Client is an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// RequireSignature makes the fake answer 401 to a delivery whose
// X-Tapbot-Signature is not sha256=<hex HMAC-SHA256 of the body under
// secret>.
func (s *Server) RequireSignature(secret []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secret = slices.Clone(secret)
}

// RequireHeader makes the fake answer 401 to a delivery without the header
// name: value, as HEC does without "Authorization: Splunk <token>".
func (s *Server) RequireHeader(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.required = [2]string{name, value}
}

// SetStatus makes the fake answer status to every delivery and accept
// none, as a receiver in an outage does (503); 0 accepts again.
func (s *Server) SetStatus(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

// Accepted returns every delivery accepted so far, in order, repeats
// included.
func (s *Server) Accepted() []Delivery { return s.accepted.All() }

// NextAccepted waits for the oldest accepted delivery no earlier call
// returned.
func (s *Server) NextAccepted(ctx context.Context) (Delivery, error) { return s.accepted.Next(ctx) }

// NextRefused waits for the status of the oldest refused delivery no
// earlier call returned.
func (s *Server) NextRefused(ctx context.Context) (int, error) { return s.refused.Next(ctx) }

// Text is everything received, for scans that prove no pass or secret was
// sent.
func (s *Server) Text() string { return s.accepted.Text() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "POST a JSON body", http.StatusBadRequest)
		return
	}
	s.accepted.Note(string(body))
	if status, why := s.refusal(r, body); status != 0 {
		s.refused.Add(status)
		http.Error(w, why, status)
		return
	}
	d, err := parse(body)
	if err != nil {
		s.refused.Add(http.StatusBadRequest)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d.Header = r.Header.Clone()
	s.accepted.Add(d)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintln(w, `{"text":"Success","code":0}`) // HEC's answer
}

// refusal is the status and text the fake answers instead of accepting,
// or 0.
func (s *Server) refusal(r *http.Request, body []byte) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.status != 0:
		return s.status, "unavailable"
	case s.required[0] != "" && r.Header.Get(s.required[0]) != s.required[1]:
		return http.StatusUnauthorized, `{"text":"Invalid token","code":4}`
	case s.secret != nil && !validSignature(s.secret, body, r.Header.Get("X-Tapbot-Signature")):
		return http.StatusUnauthorized, "bad signature"
	}
	return 0, ""
}

func validSignature(secret, body []byte, got string) bool {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hmac.Equal([]byte(got), []byte("sha256="+hex.EncodeToString(m.Sum(nil))))
}

// parse reads a delivery: a tapbot.audit record, or a HEC envelope whose
// event is one.
func parse(body []byte) (Delivery, error) {
	var top map[string]any
	if err := json.Unmarshal(body, &top); err != nil {
		return Delivery{}, fmt.Errorf("not JSON: %v", err)
	}
	d := Delivery{Body: body, Record: top}
	if ev, ok := top["event"].(map[string]any); ok {
		if top["sourcetype"] == nil || top["time"] == nil {
			return Delivery{}, fmt.Errorf("a HEC envelope needs time and sourcetype")
		}
		d.Record, d.HEC = ev, true
	}
	seq, ok := d.Record["seq"].(float64)
	if !ok || d.Record["schema"] != "tapbot.audit/v1" {
		return Delivery{}, fmt.Errorf("not a tapbot.audit/v1 record")
	}
	d.Seq = uint64(seq)
	return d, nil
}
