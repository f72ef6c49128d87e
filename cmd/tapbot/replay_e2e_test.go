package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
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

// redeliver makes the fake Slack send envelope id again, as Slack does when
// the ack came too late, and returns the ack's payload.
func (e *env) redeliver(id string) json.RawMessage {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	payload, err := e.slack.Redeliver(ctx, id, "timeout")
	if err != nil {
		e.t.Fatalf("re-delivery of %s: %v\nlogs:\n%s", id, err, e.logs.String())
	}
	return payload
}

func TestSlackSocketModeRedeliveryIsAnsweredWithoutActingTwice(t *testing.T) {
	e := startSocketEnv(t)
	ack := e.socketCommand(requester, "alice@contoso.com 1h new phone")
	command := e.slack.LastEnvelopeID()
	card := e.card()
	e.reply("is waiting for approval")
	sameAck := func(when string, payload json.RawMessage) {
		t.Helper()
		var again slack.Msg
		if err := json.Unmarshal(payload, &again); err != nil || again.Text != ack.Text {
			t.Fatalf("re-delivery %s acked with %s, want the first ack %q", when, payload, ack.Text)
		}
	}
	sameAck("while pending", e.redeliver(command))

	e.socketClick(approver1, card, "tap_approve")
	click := e.slack.LastEnvelopeID()
	e.waitFor("the pass", kind(slacktest.KindPostEphemeral, "", "Temporary Access Pass for"))
	e.waitFor("card shows delivery", kind(slacktest.KindUpdate, approvalsCh, "Issued and delivered privately"))
	sameAck("once decided", e.redeliver(command))
	if payload := e.redeliver(click); payload != nil {
		t.Fatalf("re-delivered click acked with %s, want an empty ack", payload)
	}

	reqs := (&teamsEnv{env: e}).storedRequests() // stops the app: all background work is done
	if len(reqs) != 1 || reqs[0].State != approvals.StateDelivered {
		t.Fatalf("stored requests %+v, want one, delivered", reqs)
	}
	if n := len(e.graph.Issued()); n != 1 {
		t.Fatalf("Graph issued %d passes, want 1", n)
	}
	cards, replies := 0, 0
	for _, m := range e.slack.Messages() {
		switch {
		case m.Kind == slacktest.KindPostMessage && m.Channel == approvalsCh && m.ThreadTS == "": // not the replies under it
			cards++
		case m.Kind == slacktest.KindResponseURL:
			replies++
		}
	}
	if cards != 1 || replies != 1 {
		t.Fatalf("%d cards and %d replies, want the one card and the one reply of the first delivery", cards, replies)
	}
	if !e.logLine("re-delivery answered without acting again", "retry_attempt=2", "retry_reason=timeout") {
		t.Fatalf("the re-delivery is not logged:\n%s", e.logs.String())
	}
}
