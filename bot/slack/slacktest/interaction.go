package slacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"
)

// maxAnswer caps what the fake reads of a bot's answer to an interaction.
const maxAnswer = 1 << 20

// Interaction is an interaction payload exactly as Slack sends it to a bot,
// built by ViewSubmission, CloseView, Shortcut or ClickView. Post its Form
// to the interactivity Request URL (PostInteraction signs and posts it) or
// send it over Socket Mode (DeliverInteraction).
type Interaction struct {
	Type      slack.InteractionType
	Payload   json.RawMessage // the JSON Slack sends
	TriggerID string          // the trigger id it hands out, "" for view_closed
	ViewID    string          // the view it happened in, "" for a shortcut
}

// Form is what Slack posts to the interactivity Request URL: one field,
// payload, holding the JSON.
func (in Interaction) Form() url.Values { return url.Values{"payload": {string(in.Payload)}} }

// Callback decodes the payload with slack-go, as a bot does. It returns an
// error when slack-go cannot read it.
func (in Interaction) Callback() (slack.InteractionCallback, error) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal(in.Payload, &cb); err != nil {
		return cb, fmt.Errorf("decode %s payload: %w", in.Type, err)
	}
	return cb, nil
}

// Answer is how a bot answered an interaction.
type Answer struct {
	Status int             // the HTTP status; 200 for a Socket Mode acknowledgement
	Body   json.RawMessage // the HTTP body or the acknowledgement's payload; nil when empty
	// ResponseAction is the response_action of the answer to a
	// view_submission: "errors", "update", "push", "clear", or "" when the
	// answer was empty, which closes the view.
	ResponseAction string
	Errors         map[string]string // "errors": messages by block_id
	View           json.RawMessage   // "update" and "push": the new view
}

// Answer applies a bot's answer to in, as Slack does once the bot has
// answered: status and body are the HTTP answer to the interactivity
// Request URL, or 200 and the payload of a Socket Mode acknowledgement.
// For a view_submission an empty answer closes the submitted view, "clear"
// closes its whole modal, "errors" shows the messages under the named
// input blocks and leaves the modal open, and "update" and "push" show the
// new view, recorded as KindUpdateView and KindPushView messages. It
// returns an error when Slack would show the person an error instead: an
// HTTP status other than 200, an answer that is not JSON, an errors map
// naming a block that is not an input block of the view, a view Slack
// refuses, or a modal no longer open.
func (s *Server) Answer(in Interaction, status int, body []byte) (Answer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ans := Answer{Status: status}
	if b := bytes.TrimSpace(body); len(b) > 0 && string(b) != "null" {
		ans.Body = json.RawMessage(b)
		s.rec.Note(string(b))
	}
	if status != http.StatusOK {
		return ans, fmt.Errorf("the bot answered the %s with HTTP %d: Slack shows the person an error", in.Type, status)
	}
	if in.Type != slack.InteractionTypeViewSubmission {
		return ans, nil
	}
	if ans.Body != nil {
		var r struct {
			ResponseAction string            `json:"response_action"`
			Errors         map[string]string `json:"errors"`
			View           json.RawMessage   `json:"view"`
		}
		if err := json.Unmarshal(ans.Body, &r); err != nil {
			return ans, fmt.Errorf("the bot answered the view_submission with %q, which is not JSON: Slack shows the person an error", ans.Body)
		}
		ans.ResponseAction, ans.Errors, ans.View = r.ResponseAction, r.Errors, r.View
	}
	return ans, s.applyAnswer(in.ViewID, ans)
}

// PostInteraction posts in to target, the app's interactivity Request URL,
// signed with signingSecret as Slack signs it now, and applies the bot's
// answer (see Answer). It returns an error when the post cannot be made,
// and Answer's errors.
func (s *Server) PostInteraction(ctx context.Context, target, signingSecret string, in Interaction) (Answer, error) {
	req, err := NewSignedRequest(ctx, target, in.Form(), signingSecret, time.Now())
	if err != nil {
		return Answer{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("post %s to %s: %w", in.Type, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return Answer{}, fmt.Errorf("read the answer to %s: %w", in.Type, err)
	}
	return s.Answer(in, resp.StatusCode, body)
}

// DeliverInteraction sends in over Socket Mode in an "interactive"
// envelope (accepting a response payload for a view_submission, as Slack
// does), waits for the acknowledgement and applies it (see Answer). It
// returns an error when no client acknowledges before ctx ends or the
// connection drops, and Answer's errors.
func (s *Server) DeliverInteraction(ctx context.Context, in Interaction) (Answer, error) {
	accepts := in.Type == slack.InteractionTypeViewSubmission || in.Type == slack.InteractionTypeBlockSuggestion
	ack, err := s.sendEnvelope(ctx, "interactive", in.Payload, accepts)
	if err != nil {
		return Answer{}, err
	}
	return s.Answer(in, http.StatusOK, ack)
}

// teamObject is the team of an interaction payload.
func teamObject() map[string]any { return map[string]any{"id": TeamID, "domain": TeamDomain} }

// userObjectShort is the user of an interaction payload.
func userObjectShort(u User) map[string]any {
	return map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": TeamID}
}

// encodeInteraction marshals a payload built from maps.
func encodeInteraction(payload map[string]any) (json.RawMessage, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encode %s payload: %w", payload["type"], err)
	}
	return b, nil
}
