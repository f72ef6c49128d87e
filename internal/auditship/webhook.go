package auditship

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/tapbot/tapbot/approvals"
)

// Webhook body formats.
const (
	FormatJSON      = "json"       // the Record itself
	FormatSplunkHEC = "splunk-hec" // the Record as the event of Splunk HEC's envelope
)

// Headers of every delivery besides Content-Type and the configured ones.
const (
	SignatureHeader = "X-Tapbot-Signature" // "sha256=" + hex HMAC-SHA256 of the body under the webhook secret
	SeqHeader       = "X-Tapbot-Seq"       // the record's seq, so a receiver can drop a repeat unread
)

// SourceType is the Splunk sourcetype of records sent in FormatSplunkHEC.
const SourceType = "tapbot:audit"

// deliveryTimeout bounds one delivery, including a receiver that accepts
// the connection and never answers.
const deliveryTimeout = 10 * time.Second

// Webhook POSTs each event, one Record per request, to URL. A delivery
// counts only when the receiver answers 2xx; anything else is an error, and
// approvals.Follower hands the same event again after its backoff, so a
// receiver that is down or refuses loses nothing but may see an event
// twice (drop repeats by seq).
type Webhook struct {
	Store  approvals.Store // where requests are read
	Client *http.Client
	URL    string
	Format string      // FormatJSON (the default) or FormatSplunkHEC
	Header http.Header // sent with every delivery, e.g. Authorization: Splunk <token>
	Secret []byte      // signs every body (SignatureHeader); nil: unsigned
}

// hecEvent is Splunk HTTP Event Collector's envelope
// (/services/collector/event).
type hecEvent struct {
	Time       float64 `json:"time"` // seconds since the epoch
	Source     string  `json:"source"`
	SourceType string  `json:"sourcetype"`
	Event      Record  `json:"event"`
}

// Ship delivers ev; it is an approvals.Follower's Handle. Errors name the
// receiver's host, never the whole URL (which may hold a token).
func (w *Webhook) Ship(ctx context.Context, ev approvals.Event) error {
	rec, err := RecordOf(w.Store, ev)
	if err != nil {
		return err
	}
	body, err := w.body(rec)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("audit webhook request: %w", withoutURL(err))
	}
	req.Header = w.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SeqHeader, strconv.FormatUint(rec.Seq, 10))
	if len(w.Secret) > 0 {
		req.Header.Set(SignatureHeader, Signature(w.Secret, body))
	}
	return w.send(req)
}

func (w *Webhook) send(req *http.Request) error {
	resp, err := w.Client.Do(req)
	if err != nil {
		return fmt.Errorf("post to %s: %w", req.URL.Host, withoutURL(err))
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	err = fmt.Errorf("%s answered %s", req.URL.Host, resp.Status)
	if said := w.redacted(string(answer)); said != "" {
		err = fmt.Errorf("%w: %s", err, said)
	}
	return err
}

// redacted is what a receiver answered, fit for the log: trimmed, and
// without the configured header values or secret, should it echo them.
func (w *Webhook) redacted(answer string) string {
	answer = strings.TrimSpace(strings.ToValidUTF8(answer, "?"))
	for _, values := range w.Header {
		for _, v := range values {
			answer = strings.ReplaceAll(answer, v, "[redacted]")
		}
	}
	if len(w.Secret) > 0 {
		answer = strings.ReplaceAll(answer, string(w.Secret), "[redacted]")
	}
	return answer
}

// body is rec in w's format.
func (w *Webhook) body(rec Record) ([]byte, error) {
	var v any = rec
	if w.Format == FormatSplunkHEC {
		v = hecEvent{Time: float64(rec.Time.UnixMilli()) / 1000, Source: "tapbot", SourceType: SourceType, Event: rec}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode audit record %d: %w", rec.Seq, err)
	}
	return b, nil
}

// Signature is what SignatureHeader carries for body under secret:
// "sha256=" and the hex HMAC-SHA256, as GitHub's webhooks sign theirs.
func Signature(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// withoutURL is err without the request URL net/http puts in its errors.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// ParseHeader reads headers written one per line as "Name: value", the
// way a header file holds them (Authorization: Splunk <token>). Blank lines
// are skipped. Errors name the line, never its value, which is a secret.
func ParseHeader(text string) (http.Header, error) {
	h := http.Header{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok || !httpguts.ValidHeaderFieldName(name):
			return nil, fmt.Errorf("line %d is not a header written as Name: value (e.g. Authorization: Splunk <token>)", i+1)
		case value == "" || !httpguts.ValidHeaderFieldValue(value):
			return nil, fmt.Errorf("line %d (%s) has an empty or invalid value", i+1, name)
		}
		h.Add(name, value)
	}
	return h, nil
}
