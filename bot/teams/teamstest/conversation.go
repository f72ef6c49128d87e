package teamstest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
)

// waitLimit bounds each wait of a Conversation: long enough for a loaded
// machine under the race detector, short enough that an answer the bot
// never sends fails the test instead of hanging it.
const waitLimit = 20 * time.Second

// Conversation is a test's side of the chats with a bot through the fake:
// it delivers what Teams users say and press, signed as Teams signs them,
// and waits for the bot's answers, ending the test with what it waited for
// when one does not come; the package comment shows one. Its methods end
// the test with t.Fatal, so call them only from the test's goroutine.
type Conversation struct {
	t        testing.TB
	srv      *Server
	endpoint func() string
	logs     func() string
}

// Converse starts t's conversation with the bot whose messaging endpoint
// endpoint returns. The endpoint is asked for at every delivery, so the bot
// may restart on another address. logs, when not nil, returns what a failed
// wait shows beside its error: the bot's logs, as a rule.
func (s *Server) Converse(t testing.TB, endpoint func() string, logs func() string) *Conversation {
	if logs == nil {
		logs = func() string { return "" }
	}
	return &Conversation{t: t, srv: s, endpoint: endpoint, logs: logs}
}

// Deliver posts a to the bot as Teams would, with a token changed by opts,
// and returns the HTTP status the bot answered. The test ends when the post
// cannot be made at all.
func (c *Conversation) Deliver(a schema.Activity, opts ...TokenOption) int {
	c.t.Helper()
	status, err := c.srv.Deliver(c.t.Context(), c.endpoint(), a, opts...)
	if err != nil {
		c.t.Fatal(err)
	}
	return status
}

// Say makes from write text to the bot in their 1:1 chat. The test ends
// unless the bot accepts the message with 200.
func (c *Conversation) Say(from User, text string) {
	c.t.Helper()
	if status := c.Deliver(c.srv.Message(from, text)); status != http.StatusOK {
		c.t.Fatalf("%s says %q: HTTP %d", from.Name, text, status)
	}
}

// Press makes from press the Action.Submit button action of m, the message
// as the test last saw it. The test ends when m has no such button, from
// cannot see m, or the bot does not accept the click with 200.
func (c *Conversation) Press(from User, m Activity, action string) {
	c.t.Helper()
	a, err := c.srv.Click(from, m, action)
	if err != nil {
		c.t.Fatal(err)
	}
	if status := c.Deliver(a); status != http.StatusOK {
		c.t.Fatalf("%s presses %s: HTTP %d", from.Name, action, status)
	}
}

// Submit makes from fill in inputs of m, the message as the test last saw
// it, and press its Action.Submit button action (see Server.Submit). The
// test ends when the card cannot be submitted that way or the bot does not
// accept it with 200.
func (c *Conversation) Submit(from User, m Activity, action string, inputs map[string]string) {
	c.t.Helper()
	a, err := c.srv.Submit(from, m, action, inputs)
	if err != nil {
		c.t.Fatal(err)
	}
	if status := c.Deliver(a); status != http.StatusOK {
		c.t.Fatalf("%s submits %s: HTTP %d", from.Name, action, status)
	}
}

// Wait returns the first connector call pred accepts that no earlier Wait
// (or Take) returned, waiting for it if need be. It passes over nothing for
// good: a bot's background work makes its calls in whatever order it
// finishes them (a card drawn late, for one, follows the notice it caused).
// The test ends, naming what it waited for and showing the logs, when none
// comes in time.
func (c *Conversation) Wait(what string, pred func(Activity) bool) Activity {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.t.Context(), waitLimit)
	defer cancel()
	a, err := c.srv.Take(ctx, pred)
	if err != nil {
		c.t.Fatalf("waiting for %s: %v\nlogs:\n%s", what, err, c.logs())
	}
	return a
}

// RequestID reads the id of a tapbot request ("TAP-" and six characters)
// off m, a card or message that shows one. The test ends when m shows none.
func RequestID(t testing.TB, m Activity) string {
	t.Helper()
	s := m.Shown()
	i := strings.Index(s, "TAP-")
	if i < 0 || len(s) < i+10 {
		t.Fatalf("no request id in %q", s)
	}
	return s[i : i+10]
}
