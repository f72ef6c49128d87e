package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/slack-go/slack"
)

// Kinds of recorded messages.
const (
	KindPostMessage   = "postMessage"   // chat.postMessage
	KindPostEphemeral = "postEphemeral" // chat.postEphemeral
	KindUpdate        = "update"        // chat.update
	KindResponseURL   = "response_url"  // a POST to a response URL
	KindOpenView      = "openView"      // views.open
	KindPushView      = "pushView"      // views.push, or response_action "push"
	KindUpdateView    = "updateView"    // views.update, or response_action "update"
	KindPublishView   = "publishView"   // views.publish: a Home tab
	KindViewErrors    = "viewErrors"    // response_action "errors": messages under a modal's inputs
)

// Message is something the bot made Slack show, recorded once Slack accepted
// it. Calls Slack refused are not recorded, but their text is in AllText.
type Message struct {
	Kind string
	// Channel is where the message went: a DM id when posted to a user id;
	// for KindResponseURL the channel of the command or click the URL
	// answers when the fake minted it, else "".
	Channel  string
	User     string // the only viewer of an ephemeral message or of a view
	TS       string // ts of a channel message (the updated one for KindUpdate), message_ts of an ephemeral one
	ThreadTS string
	// Text and Blocks are what the message shows. For KindUpdate they are
	// the result of the update: a field the update left out keeps its old
	// value, as in Slack. For the view kinds Text is the modal's title (the
	// messages shown for KindViewErrors) and Blocks the view's blocks.
	Text   string
	Blocks json.RawMessage // the Block Kit array, nil when the message has none

	ResponseURL     string // KindResponseURL: the name given to Server.ResponseURL
	ResponseType    string // KindResponseURL: "ephemeral", "in_channel" or ""
	ReplaceOriginal bool   // KindResponseURL
	DeleteOriginal  bool   // KindResponseURL

	// ViewID and View are set for the view kinds: the view shown and the
	// view object as the bot sent it (nil for KindViewErrors). User is the
	// person who sees the view.
	ViewID    string
	View      json.RawMessage
	TriggerID string // KindOpenView, KindPushView by views.push: the trigger id spent
	// ResponseAction is set when the bot's answer to a view_submission,
	// not a views.* call, made Slack show this: "update", "push" or
	// "errors".
	ResponseAction string
	Errors         map[string]string // KindViewErrors: the messages, by block_id; Text has them too

	Form url.Values      // the form fields as sent, without the token; nil for JSON requests
	Body json.RawMessage // the JSON body as sent (the bot's answer for a ResponseAction); nil for form requests
}

// Ephemeral reports whether only one person sees the message: a
// chat.postEphemeral, or a response URL post not sent "in_channel".
func (m Message) Ephemeral() bool {
	switch m.Kind {
	case KindPostEphemeral:
		return true
	case KindResponseURL:
		return m.ResponseType != "in_channel"
	}
	return false
}

// BlockSet decodes Blocks with slack-go. It returns an error when they are
// not a Block Kit array.
func (m Message) BlockSet() ([]slack.Block, error) {
	if len(m.Blocks) == 0 {
		return nil, nil
	}
	var blocks slack.Blocks
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		return nil, fmt.Errorf("decode blocks of %s message %s: %w", m.Kind, m.TS, err)
	}
	return blocks.BlockSet, nil
}

// IsKind returns a WaitFor predicate matching messages of any of kinds.
func IsKind(kinds ...string) func(Message) bool {
	return func(m Message) bool { return slices.Contains(kinds, m.Kind) }
}

// noteRequest adds every value of a call, decoded, to the text scanned for
// leaks.
func (s *Server) noteRequest(req apiRequest) {
	for _, vs := range req.form {
		for _, v := range vs {
			s.rec.Note(v)
		}
	}
	if len(req.body) > 0 {
		s.rec.Note(string(req.body))
	}
}

// Messages returns every message recorded so far, in the order Slack
// accepted them.
func (s *Server) Messages() []Message { return s.rec.All() }

// AllText returns everything the bot ever sent to the fake: every form value
// and JSON body of every Web API call, response URL post and Socket Mode
// acknowledgement, accepted or not, with JSON strings also unescaped. Tests
// scan it for secrets that must never reach Slack. Tokens are not included.
func (s *Server) AllText() string { return s.rec.Text() }

// Next returns the oldest message not yet returned by Next or WaitFor,
// waiting for one to arrive. It returns an error when ctx ends first.
func (s *Server) Next(ctx context.Context) (Message, error) {
	return s.WaitFor(ctx, func(Message) bool { return true })
}

// WaitFor returns the oldest message not yet returned by Next or WaitFor
// that pred accepts, waiting for one to arrive. The messages it passes over
// are not returned by later calls but stay in Messages. pred runs without
// locks held, so it may call the Server. It returns an error when ctx ends
// first.
func (s *Server) WaitFor(ctx context.Context, pred func(Message) bool) (Message, error) {
	return s.rec.WaitFor(ctx, pred)
}

// Take returns the first message pred accepts that Take has not returned
// before, waiting for it if need be. Unlike Next and WaitFor it passes over
// nothing for good: a bot's background work sends messages in whatever
// order it finishes. It returns an error when ctx ends first.
func (s *Server) Take(ctx context.Context, pred func(Message) bool) (Message, error) {
	return s.rec.Take(ctx, pred)
}

// InThread returns a WaitFor predicate matching replies posted with
// chat.postMessage in the thread of parent.
func InThread(parent Message) func(Message) bool {
	return func(m Message) bool {
		return m.Kind == KindPostMessage && m.Channel == parent.Channel && m.ThreadTS == parent.TS
	}
}

// Replies returns the replies in the thread of the message with ts in
// channel, oldest first, each as it looks now (after any chat.update).
func (s *Server) Replies(channel, ts string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var replies []Message
	for _, m := range s.history[channel] {
		if m.ThreadTS == ts {
			replies = append(replies, *m)
		}
	}
	slices.SortFunc(replies, func(a, b Message) int { return strings.Compare(a.TS, b.TS) })
	return replies
}

// Current returns the channel message with that ts as it looks now, after
// every chat.update, with Kind saying which call last shaped it. Ephemeral
// messages are not kept, as in Slack.
func (s *Server) Current(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.history[channel][ts]
	if !ok {
		return Message{}, false
	}
	return *m, true
}
