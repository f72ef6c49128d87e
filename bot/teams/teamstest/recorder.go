package teamstest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Kinds of recorded connector calls.
const (
	KindSend               = "send"               // POST …/activities: a new message
	KindUpdate             = "update"             // PUT …/activities/{id}
	KindDelete             = "delete"             // DELETE …/activities/{id}
	KindCreateConversation = "createConversation" // POST /v3/conversations
)

// AdaptiveCardType is the content type of an Adaptive Card attachment.
const AdaptiveCardType = "application/vnd.microsoft.card.adaptive"

// Attachment is one attachment of a recorded activity.
type Attachment struct {
	ContentType string          `json:"contentType"`
	Content     json.RawMessage `json:"content,omitempty"`
}

// Activity is a connector call the fake accepted: a message the bot sent,
// an update or deletion of one, or a new 1:1 conversation.
type Activity struct {
	Kind string
	// Conversation is the conversation addressed, without the
	// ";messageid=…" of a channel thread; Thread holds that part.
	Conversation string
	Thread       string
	ConvType     string // TypePersonal, TypeChannel or TypeGroupChat
	ID           string // the new activity's id, or the one updated or deleted
	ReplyToID    string
	Text         string
	TextFormat   string
	Attachments  []Attachment
	Member       string          // KindCreateConversation: the Entra object id of the user
	Body         json.RawMessage // the JSON body as sent, nil for deletions
}

// Card returns the content of the first Adaptive Card attachment, or nil.
func (a Activity) Card() json.RawMessage {
	for _, at := range a.Attachments {
		if at.ContentType == AdaptiveCardType {
			return at.Content
		}
	}
	return nil
}

// Shown is everything a reader of the message sees: the text and every
// string inside the attachments, unescaped, one per line.
func (a Activity) Shown() string {
	var b strings.Builder
	b.WriteString(a.Text)
	b.WriteByte('\n')
	for _, at := range a.Attachments {
		var v any
		if json.Unmarshal(at.Content, &v) == nil {
			walkStrings(v, func(s string) { b.WriteString(s); b.WriteByte('\n') })
		}
	}
	return b.String()
}

// Shows reports whether the message shows s.
func (a Activity) Shows(s string) bool { return strings.Contains(a.Shown(), s) }

// Sent returns a WaitFor predicate matching new messages in conversation
// conv (any conversation when "") that show every one of texts.
func Sent(conv string, texts ...string) func(Activity) bool {
	return matching(KindSend, conv, texts)
}

// Updated returns a WaitFor predicate matching updates in conversation conv
// (any when "") whose new version shows every one of texts.
func Updated(conv string, texts ...string) func(Activity) bool {
	return matching(KindUpdate, conv, texts)
}

func matching(kind, conv string, texts []string) func(Activity) bool {
	return func(a Activity) bool {
		if a.Kind != kind || (conv != "" && a.Conversation != conv) {
			return false
		}
		shown := a.Shown()
		for _, t := range texts {
			if !strings.Contains(shown, t) {
				return false
			}
		}
		return true
	}
}

// recorder keeps the accepted calls, a read cursor for Next and WaitFor,
// and every body received. Its fields are guarded by Server.mu.
type recorder struct {
	acts   []Activity
	cursor int
	signal chan struct{} // closed and replaced when an activity is added
	text   strings.Builder
}

func newRecorder() recorder { return recorder{signal: make(chan struct{})} }

func (r *recorder) add(a Activity) {
	r.acts = append(r.acts, a)
	close(r.signal)
	r.signal = make(chan struct{})
}

// noteBody adds body and, when it is JSON, each string inside it unescaped,
// so that a secret escaped by a JSON encoder is still found.
func (r *recorder) noteBody(body []byte) {
	r.text.Write(body)
	r.text.WriteByte('\n')
	var v any
	if json.Unmarshal(body, &v) == nil {
		walkStrings(v, func(s string) { r.text.WriteString(s); r.text.WriteByte('\n') })
	}
}

func walkStrings(v any, visit func(string)) {
	switch v := v.(type) {
	case string:
		visit(v)
	case []any:
		for _, e := range v {
			walkStrings(e, visit)
		}
	case map[string]any:
		for k, e := range v {
			visit(k)
			walkStrings(e, visit)
		}
	}
}

// Activities returns every call recorded so far, in the order the fake
// accepted them.
func (s *Server) Activities() []Activity {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rec.acts)
}

// AllText returns everything the bot ever sent to the connector, accepted
// or not, with JSON strings also unescaped. Tests scan it for secrets.
// Bearer tokens are not included.
func (s *Server) AllText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec.text.String()
}

// Current returns the latest version of activity id in conversation conv
// (without ";messageid=…"), and false when the bot never sent it or
// deleted it.
func (s *Server) Current(conv, id string) (Activity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.activities[conv+"|"+id]
	if !ok {
		return Activity{}, false
	}
	return *a, true
}

// Next returns the oldest call not yet returned by Next or WaitFor, waiting
// for one to arrive. It returns an error when ctx ends first.
func (s *Server) Next(ctx context.Context) (Activity, error) {
	return s.WaitFor(ctx, func(Activity) bool { return true })
}

// WaitFor returns the oldest call not yet returned by Next or WaitFor that
// pred accepts, waiting for one to arrive. The calls it passes over are not
// returned by later calls but stay in Activities. pred runs without locks
// held. It returns an error when ctx ends first.
func (s *Server) WaitFor(ctx context.Context, pred func(Activity) bool) (Activity, error) {
	skipped := 0
	for {
		s.mu.Lock()
		start, pending, signal := s.rec.cursor, slices.Clone(s.rec.acts[s.rec.cursor:]), s.rec.signal
		s.mu.Unlock()

		match := slices.IndexFunc(pending, pred)
		end := start + len(pending)
		if match >= 0 {
			end = start + match + 1
		}
		if !s.claim(start, end) {
			continue // another waiter moved the cursor; look again
		}
		if match >= 0 {
			return pending[match], nil
		}
		skipped += len(pending)
		select {
		case <-signal:
		case <-ctx.Done():
			return Activity{}, fmt.Errorf("wait for a Teams activity (%d others passed over): %w", skipped, ctx.Err())
		}
	}
}

// claim moves the read cursor from start to end unless another waiter moved
// it since start was read.
func (s *Server) claim(start, end int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec.cursor != start {
		return false
	}
	s.rec.cursor = end
	return true
}
