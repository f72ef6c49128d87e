package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

const fuzzSecret = "fuzz-signing-secret"

// fuzzBot is a Bot whose service allows nobody (default deny) and whose
// outbound HTTP fails at once: fuzzed payloads carry response_urls, and a
// test must never call out.
func fuzzBot(t testing.TB) *Bot {
	store, err := approvals.Open(filepath.Join(t.TempDir(), "fuzz.db"))
	if err != nil {
		t.Fatal(err)
	}
	noNet := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("no network in fuzz tests")
	})}
	b := New(Config{BotToken: "xoxb-fuzz", SigningSecret: fuzzSecret, ApprovalChannel: "C1", HTTPClient: noNet, APIURL: "http://127.0.0.1:1/api/"},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc := approvals.NewService(approvals.Config{Store: store, Notifiers: map[string]approvals.Notifier{Platform: b}})
	b.Attach(svc)
	t.Cleanup(func() {
		_ = svc.Shutdown(t.Context())
		store.Close()
	})
	return b
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func sign(body []byte, ts int64) string {
	mac := hmac.New(sha256.New, []byte(fuzzSecret))
	fmt.Fprintf(mac, "v0:%d:", ts)
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// FuzzSignatureCheck: whatever the body, timestamp and signature, only a
// correct signature within five minutes is accepted, and nothing panics or
// answers 5xx.
func FuzzSignatureCheck(f *testing.F) {
	f.Add([]byte("command=%2Ftap&text=help&user_id=U1"), int64(0), "", false)
	f.Add([]byte("command=%2Ftap&text=help&user_id=U1"), int64(-301), "", false)
	f.Add([]byte("text=alice%40contoso.com+1h"), int64(10), "v0=deadbeef", true)
	f.Add([]byte{0xff, 0x00, '%', 'z'}, int64(299), "", false)
	b := fuzzBot(f)
	f.Fuzz(func(t *testing.T, body []byte, offset int64, forged string, useForged bool) {
		b.replays = bot.NewReplayGuard(replayWindow) // each input is a first sighting
		ts := time.Now().Unix() + offset%100000
		sig := sign(body, ts)
		if useForged {
			sig = forged
		}
		req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(string(body)))
		req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("X-Slack-Signature", sig)
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, req)
		fresh := offset%100000 > -295 && offset%100000 < 295 // clear of the 5-minute edge
		valid := sig == sign(body, ts)
		switch {
		case rec.Code >= 500:
			t.Fatalf("HTTP %d", rec.Code)
		case !valid && rec.Code != http.StatusUnauthorized:
			t.Fatalf("forged signature got HTTP %d", rec.Code)
		case valid && !fresh && (offset%100000 < -305 || offset%100000 > 305) && rec.Code != http.StatusUnauthorized:
			t.Fatalf("stale request (offset %ds) got HTTP %d", offset%100000, rec.Code)
		case valid && fresh && rec.Code == http.StatusUnauthorized:
			t.Fatalf("correctly signed fresh request refused")
		}
	})
}

// FuzzInteractionPayload: any payload, correctly signed, is answered 200 or
// 400, never panics, and changes nothing (nobody is an approver).
func FuzzInteractionPayload(f *testing.F) {
	f.Add(`{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"tap_approve","value":"TAP-ABCDEF"}],"response_url":"http://127.0.0.1:1/r"}`)
	f.Add(`{"type":"block_actions","actions":[]}`)
	f.Add(`{"type":"view_submission"}`)
	f.Add(`{"type":"block_actions","actions":[{"action_id":"tap_reissue","value":"` + strings.Repeat("A", 300) + `"}]}`)
	f.Add(`[]`)
	f.Add(`{"actions":null,"user":5}`)
	b := fuzzBot(f)
	f.Fuzz(func(t *testing.T, payload string) {
		b.replays = bot.NewReplayGuard(replayWindow)
		body := url.Values{"payload": {payload}}.Encode()
		ts := time.Now().Unix()
		req := httptest.NewRequest(http.MethodPost, "/slack/interactions", strings.NewReader(body))
		req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("X-Slack-Signature", sign([]byte(body), ts))
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("HTTP %d for payload %q", rec.Code, payload)
		}
		if all, _ := b.svc.Store().List(nil); len(all) != 0 {
			t.Fatal("a fuzzed payload created a request")
		}
	})
}
