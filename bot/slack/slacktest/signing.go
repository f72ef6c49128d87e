package slacktest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Signature returns the X-Slack-Signature Slack computes for body sent at
// ts: "v0=" + hex(HMAC-SHA256(signingSecret, "v0:{unix ts}:{body}")).
func Signature(body []byte, signingSecret string, ts time.Time) string {
	mac := hmac.New(sha256.New, []byte(signingSecret))
	fmt.Fprintf(mac, "v0:%d:", ts.Unix())
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// SignRequest sets the X-Slack-Request-Timestamp and X-Slack-Signature
// headers Slack adds to a request whose body is body, sent at ts.
func SignRequest(req *http.Request, body []byte, signingSecret string, ts time.Time) {
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("X-Slack-Signature", Signature(body, signingSecret, ts))
}

// NewSignedRequest builds the POST Slack sends to target: form
// URL-encoded, with Slack's user agent and signed with signingSecret at ts.
// It returns an error when target is not a valid URL.
func NewSignedRequest(ctx context.Context, target string, form url.Values, signingSecret string, ts time.Time) (*http.Request, error) {
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build signed request to %s: %w", target, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	SignRequest(req, []byte(body), signingSecret, ts)
	return req, nil
}
