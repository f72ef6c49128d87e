package slacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Event is an Events API callback as Slack sends it: the event_callback
// envelope around one event. Post it to the app's event Request URL with
// PostEvent, or send it over Socket Mode with SendEvent.
type Event struct {
	Type    string          // the inner event's type, e.g. "app_home_opened"
	Payload json.RawMessage // the event_callback JSON
}

// AppHomeOpened returns the app_home_opened event Slack sends when userID
// opens the app's Home tab: the user, the app's DM channel with them, tab
// "home", and the view the bot last published there, when it published
// one. It returns an error when the user is unknown or deactivated.
func (s *Server) AppHomeOpened(userID string) (Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.directory.activeUser(userID)
	if !ok {
		return Event{}, fmt.Errorf("app_home_opened by %s: no such active user", userID)
	}
	dm, _ := s.directory.openIM(u.ID, s.newID("D"))
	inner := map[string]any{
		"type": "app_home_opened", "user": u.ID, "channel": dm.id, "tab": "home", "event_ts": s.nextTS(),
	}
	if home, ok := s.views.byID[s.views.homes[u.ID]]; ok {
		inner["view"] = s.viewObject(home)
	}
	return s.eventCallback(inner)
}

// eventCallback wraps an inner event in Slack's event_callback envelope;
// s.mu held.
func (s *Server) eventCallback(inner map[string]any) (Event, error) {
	payload, err := json.Marshal(map[string]any{
		"token": VerificationToken, "team_id": TeamID, "context_team_id": TeamID, "context_enterprise_id": nil,
		"api_app_id": AppID, "event": inner, "type": "event_callback",
		"event_id": s.newID("Ev"), "event_time": s.now().Unix(),
		"authorizations": []any{map[string]any{
			"enterprise_id": nil, "team_id": TeamID, "user_id": BotUserID, "is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
	})
	if err != nil {
		return Event{}, fmt.Errorf("encode %s event: %w", inner["type"], err)
	}
	return Event{Type: str(inner, "type"), Payload: payload}, nil
}

// PostEvent posts ev to target, the app's event Request URL, as a JSON
// body signed with signingSecret as Slack signs it now, and returns the
// HTTP status the bot answered (Slack retries anything but a 2xx). It
// returns an error when the post cannot be made.
func (s *Server) PostEvent(ctx context.Context, target, signingSecret string, ev Event) (int, error) {
	req, err := NewSignedJSONRequest(ctx, target, ev.Payload, signingSecret, time.Now())
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post %s event to %s: %w", ev.Type, target, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	return resp.StatusCode, nil
}

// SendEvent sends ev over Socket Mode in an "events_api" envelope, which
// accepts no response payload, and waits for the acknowledgement. It
// returns an error when no client acknowledges before ctx ends or the
// connection drops.
func (s *Server) SendEvent(ctx context.Context, ev Event) error {
	_, err := s.sendEnvelope(ctx, "events_api", ev.Payload, false)
	return err
}

// NewSignedJSONRequest builds the POST of a JSON body Slack sends to an
// event Request URL: application/json, with Slack's user agent and signed
// with signingSecret at ts. It returns an error when target is not a valid
// URL.
func NewSignedJSONRequest(ctx context.Context, target string, body []byte, signingSecret string, ts time.Time) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build signed request to %s: %w", target, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	SignRequest(req, body, signingSecret, ts)
	return req, nil
}
