package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// postSignature sends form to path with the timestamp ts and the
// X-Slack-Signature sig as given, and returns the HTTP status.
func (e *env) postSignature(path string, form url.Values, ts time.Time, sig string) int {
	e.t.Helper()
	req, err := slacktest.NewSignedRequest(context.Background(), e.base+path, form, signing, ts)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// caseVariants are sig ("v0=" + lower-case hex) written with other letter
// cases: all upper, alternating, each hex letter upper-cased alone, and
// the prefix upper-cased. Each decodes to the same bytes as sig, or is not
// a v0 signature at all.
func caseVariants(sig string) []string {
	hexPart := strings.TrimPrefix(sig, "v0=")
	out := []string{"v0=" + strings.ToUpper(hexPart), "V0=" + hexPart, "V0=" + strings.ToUpper(hexPart)}
	alternating := []byte(hexPart)
	for i := range alternating {
		if i%2 == 0 {
			alternating[i] = strings.ToUpper(string(alternating[i]))[0]
		}
	}
	out = append(out, "v0="+string(alternating))
	for i := range hexPart {
		if c := hexPart[i]; c >= 'a' && c <= 'f' {
			out = append(out, "v0="+hexPart[:i]+strings.ToUpper(string(c))+hexPart[i+1:])
		}
	}
	return out
}

func TestSlackReplayWithTheSignatureInAnotherLetterCaseIsRefused(t *testing.T) {
	e := startEnv(t, nil)
	form, err := e.slack.SlashCommand(requester, generalCh, "alice@contoso.com 1h new phone")
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Now()
	sig := slacktest.Signature([]byte(form.Encode()), signing, ts)
	if status := e.postSignature("/slack/commands", form, ts, sig); status != http.StatusOK {
		t.Fatalf("first request: HTTP %d", status)
	}
	e.card()
	e.reply("is waiting for approval")
	variants := caseVariants(sig)
	if len(variants) < 10 {
		t.Fatalf("only %d variants of %s", len(variants), sig)
	}
	for _, v := range variants {
		if status := e.postSignature("/slack/commands", form, ts, v); status != http.StatusUnauthorized {
			t.Errorf("replay signed %s: HTTP %d, want 401", v, status)
		}
	}
	reqs := (&teamsEnv{env: e}).storedRequests() // stops the app: all background work is done
	if len(reqs) != 1 {
		t.Fatalf("%d requests stored, want 1", len(reqs))
	}
	counts := map[string]int{}
	for _, m := range e.slack.Messages() {
		counts[m.Kind]++
	}
	if counts[slacktest.KindPostMessage] != 1 || counts[slacktest.KindResponseURL] != 1 {
		t.Fatalf("Slack got %v; want the one card and the one reply of the first request", counts)
	}
}
