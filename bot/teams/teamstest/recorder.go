package teamstest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/tapbot/tapbot/internal/recorded"
)

// Kinds of recorded connector calls.
const (
	KindSend               = "send"               // POST …/activities: a new message
	KindUpdate             = "update"             // PUT …/activities/{id}
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
// an update of one, or a new 1:1 conversation.
type Activity struct {
	Kind string
	// Conversation is the conversation addressed, without the
	// ";messageid=…" of a channel thread; Thread holds that part.
	Conversation string
	Thread       string
	ConvType     string // TypePersonal, TypeChannel or TypeGroupChat
	ID           string // the new activity's id, or the one updated
	ReplyToID    string
	Text         string
	TextFormat   string
	Attachments  []Attachment
	Member       string          // KindCreateConversation: the Entra object id of the user
	Body         json.RawMessage // the JSON body as sent
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
		for _, s := range recorded.JSONStrings(at.Content) {
			b.WriteString(s)
			b.WriteByte('\n')
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

// Activities returns every call recorded so far, in the order the fake
// accepted them.
func (s *Server) Activities() []Activity { return s.rec.All() }

// Count returns how many of the calls recorded so far pred accepts, for a
// test that has stopped the bot and counts what it did.
func (s *Server) Count(pred func(Activity) bool) int {
	n := 0
	for _, a := range s.rec.All() {
		if pred(a) {
			n++
		}
	}
	return n
}

// Leaks returns every recorded call whose body carries secret, except new
// messages in a 1:1 chat, and edits there that a later edit took the
// secret out of again: in one of the conversations private names, when it
// names any. A pass may reach only its holder's 1:1 chat, and a message
// edited to show one must lose it again (Teams keeps what an edit shows),
// so leak scans expect none.
func (s *Server) Leaks(secret string, private ...string) []Activity {
	var leaks []Activity
	for _, a := range s.rec.All() {
		if !strings.Contains(string(a.Body), secret) {
			continue
		}
		inPrivate := a.ConvType == TypePersonal && (len(private) == 0 || slices.Contains(private, a.Conversation))
		if !inPrivate || a.Kind == KindUpdate && s.stillShows(a, secret) {
			leaks = append(leaks, a)
		}
	}
	return leaks
}

// stillShows reports whether the latest version of the message a updated
// carries secret.
func (s *Server) stillShows(a Activity, secret string) bool {
	cur, ok := s.Current(a.Conversation, a.ID)
	return !ok || strings.Contains(string(cur.Body), secret)
}

// AllText returns everything the bot ever sent to the connector, accepted
// or not, with JSON strings also unescaped. Tests scan it for secrets.
// Bearer tokens are not included.
func (s *Server) AllText() string { return s.rec.Text() }

// Current returns the latest version of activity id in conversation conv
// (without ";messageid=…"), and false when the bot never sent it.
func (s *Server) Current(conv, id string) (Activity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.activities[conv+"|"+id]
	if !ok {
		return Activity{}, false
	}
	return *a, true
}

// WaitFor returns the oldest call not yet returned by WaitFor that pred
// accepts, waiting for one to arrive. The calls it passes over are not
// returned by later calls but stay in Activities. pred runs without locks
// held. It returns an error when ctx ends first.
func (s *Server) WaitFor(ctx context.Context, pred func(Activity) bool) (Activity, error) {
	return s.rec.WaitFor(ctx, pred)
}

// Take returns the first call pred accepts that Take has not returned
// before, waiting for it if need be. Unlike WaitFor it passes over
// nothing for good: a bot's background work makes calls in whatever order
// it finishes. It returns an error when ctx ends first.
func (s *Server) Take(ctx context.Context, pred func(Activity) bool) (Activity, error) {
	return s.rec.Take(ctx, pred)
}
