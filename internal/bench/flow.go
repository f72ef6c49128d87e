package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// driver plays Slack's part toward the tapbot under test: it sends /tap
// commands and button presses signed as Slack sends them, and follows what
// tapbot makes the fake Slack show, flow by flow.
type driver struct {
	st      *stand
	bases   []string // the replicas; one unless Config.Replicas
	client  *http.Client
	timeout time.Duration

	mu      sync.Mutex
	byUPN   map[string]*flow // target UPN → flow
	byURL   map[string]*flow // response URL name → flow
	dropped atomic.Int64     // events a flow had no room for
}

// event is a message the fake Slack recorded and when.
type event struct {
	m  slacktest.Message
	at time.Time
}

// flow is one request's life: /tap, card, Approve, pass.
type flow struct {
	n                    int
	upn                  string
	requester, approver  string
	events               chan event
	sent, acked          time.Time // the /tap command
	card                 slacktest.Message
	cardAt               time.Time // when Slack recorded the card
	clicked              time.Time // when the Approve press was sent
	passAt               time.Time // when Slack recorded the pass
	doneAt               time.Time // when Slack recorded the card's last redraw
	commandURL, pressURL string    // names of the response URLs of the /tap and the press
	passes               atomic.Int64
}

// newDriver follows st's Slack and talks to the tapbots at bases.
func newDriver(st *stand, bases []string, conns int, timeout time.Duration) *driver {
	d := &driver{
		st: st, bases: bases, timeout: timeout, byUPN: map[string]*flow{}, byURL: map[string]*flow{},
		client: &http.Client{Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns}, Timeout: timeout},
	}
	st.slack.Watch(d.route)
	return d
}

// newFlow prepares flow n: a pass for target(n), asked by and approved by
// technicians taken in turn.
func (d *driver) newFlow(n int) *flow {
	f := &flow{n: n, upn: target(n), requester: requesters[n%len(requesters)], approver: approvers[n%len(approvers)],
		events: make(chan event, 64)}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.byUPN[f.upn] = f
	return f
}

var upnPattern = regexp.MustCompile(`bench-user-\d{6}@` + regexp.QuoteMeta(targetDomain))

// route hands a recorded message to its flow: response URL posts by the
// URL the flow's command or press carried, everything else by the target
// UPN it names. It runs inside the fake Slack (Watch) and never blocks.
func (d *driver) route(m slacktest.Message) {
	at := time.Now()
	d.mu.Lock()
	var f *flow
	if m.Kind == slacktest.KindResponseURL {
		f = d.byURL[m.ResponseURL]
	} else if upn := upnPattern.FindString(m.Text); upn != "" {
		f = d.byUPN[upn]
	} else if upn := upnPattern.Find(m.Blocks); upn != nil {
		f = d.byUPN[string(upn)]
	}
	d.mu.Unlock()
	if f == nil {
		return
	}
	if isPass(m, f) {
		f.passes.Add(1)
	}
	select {
	case f.events <- event{m: m, at: at}:
	default:
		d.dropped.Add(1)
	}
}

// isPass reports whether m hands f's requester the pass. Only the
// notification text is looked at; the pass itself is in the blocks.
func isPass(m slacktest.Message, f *flow) bool {
	return m.Kind == slacktest.KindPostEphemeral && m.User == f.requester && strings.Contains(m.Text, "Temporary Access Pass for")
}

// run takes f from /tap to the card's last redraw.
func (d *driver) run(ctx context.Context, f *flow) error {
	if err := d.command(ctx, f); err != nil {
		return err
	}
	if err := d.awaitCard(ctx, f); err != nil {
		return err
	}
	if err := d.approve(ctx, f); err != nil {
		return err
	}
	return d.awaitDelivery(ctx, f)
}

// command types "/tap <upn> 1h once …" as f's requester and checks the ack.
func (d *driver) command(ctx context.Context, f *flow) error {
	req, err := d.prepareCommand(ctx, f)
	if err != nil {
		return err
	}
	return d.sendCommand(f, req)
}

// prepareCommand builds and signs f's /tap, as Slack does before it sends
// one: the ack phase prepares a burst first so that only the sending is
// timed and the bench's signing takes no CPU from tapbot during it.
func (d *driver) prepareCommand(ctx context.Context, f *flow) (*http.Request, error) {
	form, err := d.st.slack.SlashCommand(f.requester, helpdeskChannel, fmt.Sprintf("%s 1h once bench flow %d, INC-%06d", f.upn, f.n, f.n))
	if err != nil {
		return nil, err
	}
	f.commandURL = form.Get("trigger_id") // the fake names the command's response URL after it
	d.expectReplies(f, f.commandURL)
	return slacktest.NewSignedRequest(ctx, d.to(f, 0)+"/slack/commands", form, signingSecret, time.Now())
}

// sendCommand sends f's prepared /tap and checks the ack.
func (d *driver) sendCommand(f *flow, req *http.Request) error {
	f.sent = time.Now()
	status, body, err := d.do(req)
	f.acked = time.Now()
	if err != nil {
		return fmt.Errorf("flow %d: /tap: %w", f.n, err)
	}
	var ack struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &ack) != nil || ack.ResponseType != "ephemeral" || !(strings.Contains(ack.Text, "received") || strings.Contains(ack.Text, "Checking the account")) {
		return fmt.Errorf("flow %d: /tap was answered HTTP %d %q, not an ephemeral acknowledgement", f.n, status, truncate(string(body)))
	}
	return nil
}

// awaitCard waits for the approval card and for the reply to the command
// that follows it ("waiting for approval"): then the raise is over and
// nothing of it can be mistaken for what Approve causes. A reply before
// the card means the request was not raised.
func (d *driver) awaitCard(ctx context.Context, f *flow) error {
	replied := false
	return d.await(ctx, f, "the approval card", func(e event) (bool, error) {
		switch {
		case e.m.Kind == slacktest.KindPostMessage && e.m.Channel == approvalChannel:
			f.card, f.cardAt = e.m, e.at
		case e.m.Kind == slacktest.KindResponseURL && e.m.ResponseURL == f.commandURL:
			if f.cardAt.IsZero() {
				return false, fmt.Errorf("flow %d was not raised: %s", f.n, truncate(e.m.Text))
			}
			replied = true
		}
		return replied, nil
	})
}

// approve presses Approve on the card as f's approver.
func (d *driver) approve(ctx context.Context, f *flow) error {
	cb, err := d.st.slack.Click(f.approver, f.card, "tap_approve")
	if err != nil {
		return fmt.Errorf("flow %d: %w", f.n, err)
	}
	form, err := slacktest.BlockActionForm(cb)
	if err != nil {
		return err
	}
	f.pressURL = cb.TriggerID
	d.expectReplies(f, f.pressURL)
	f.clicked = time.Now()
	status, body, err := d.post(ctx, d.to(f, 1)+"/slack/interactions", form)
	if err != nil {
		return fmt.Errorf("flow %d: Approve: %w", f.n, err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("flow %d: Approve was answered HTTP %d %q", f.n, status, truncate(string(body)))
	}
	return nil
}

// awaitDelivery waits for the pass and for the card's redraw that says it
// was delivered, in whichever order they come. A reply to the press (a
// successful one gets none), or a card that ends in another state, is a
// failure; the command's late reply ("waiting for approval") is not.
func (d *driver) awaitDelivery(ctx context.Context, f *flow) error {
	return d.await(ctx, f, "the pass and the card's last redraw", func(e event) (bool, error) {
		switch {
		case isPass(e.m, f):
			f.passAt = e.at
		case e.m.Kind == slacktest.KindUpdate && e.m.Channel == approvalChannel:
			switch cardState(e.m.Text) {
			case "delivered":
				f.doneAt = e.at
			case "failed", "revoked", "denied", "cancelled", "expired":
				return false, fmt.Errorf("flow %d ended %s instead of delivered", f.n, cardState(e.m.Text))
			}
		case e.m.Kind == slacktest.KindResponseURL && e.m.ResponseURL == f.pressURL:
			return false, fmt.Errorf("flow %d: the Approve press was answered %q", f.n, truncate(e.m.Text))
		}
		return !f.passAt.IsZero() && !f.doneAt.IsZero(), nil
	})
}

// await feeds f's events to accept until it is done, fails, or the
// driver's timeout passes.
func (d *driver) await(ctx context.Context, f *flow, what string, accept func(event) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	for {
		select {
		case e := <-f.events:
			done, err := accept(e)
			if err != nil || done {
				return err
			}
		case <-ctx.Done():
			return fmt.Errorf("flow %d: no sign of %s within %s", f.n, what, d.timeout)
		}
	}
}

// expectReplies routes posts to the response URL named name to f.
func (d *driver) expectReplies(f *flow, name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.byURL[name] = f
}

// post sends form to path signed as Slack would, now.
func (d *driver) post(ctx context.Context, target string, form url.Values) (int, []byte, error) {
	req, err := slacktest.NewSignedRequest(ctx, target, form, signingSecret, time.Now())
	if err != nil {
		return 0, nil, err
	}
	return d.do(req)
}

// to is the replica that gets step (0: the /tap, 1: the Approve) of f:
// with several, each flow's Approve goes to another replica than its /tap.
func (d *driver) to(f *flow, step int) string { return d.bases[(f.n+step)%len(d.bases)] }

// do sends req and reads the whole answer.
func (d *driver) do(req *http.Request) (int, []byte, error) {
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// close lets go of the driver's connections to tapbot.
func (d *driver) close() { d.client.CloseIdleConnections() }

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// cardState is the request's state as the card's notification text ends
// with it: "… (TAP-…, delivered)" since the phone-first cards, "…: delivered"
// before them; "" while it is pending.
func cardState(text string) string {
	if strings.HasSuffix(text, ")") {
		open := strings.LastIndex(text, "(")
		_, state, ok := strings.Cut(text[open+1:len(text)-1], ", ")
		if !ok {
			return ""
		}
		return state
	}
	return text[strings.LastIndex(text, ": ")+2:]
}
