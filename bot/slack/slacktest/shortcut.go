package slacktest

import (
	"fmt"

	"github.com/slack-go/slack"
)

// Shortcut returns the shortcut interaction Slack sends when userID picks
// the app's global shortcut callbackID (from the composer's shortcut menu
// or search): its callback_id, the user and a fresh trigger id, which the
// bot may spend on views.open within 3 seconds. It returns an error when
// the user is unknown or deactivated.
func (s *Server) Shortcut(userID, callbackID string) (Interaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.directory.activeUser(userID)
	if !ok {
		return Interaction{}, fmt.Errorf("shortcut by %s: no such active user", userID)
	}
	trigger := s.newTrigger(u.ID, "")
	payload, err := encodeInteraction(map[string]any{
		"type": slack.InteractionTypeShortcut, "token": VerificationToken, "action_ts": s.nextTS(),
		"team": teamObject(), "user": map[string]any{"id": u.ID, "username": u.Name, "team_id": TeamID},
		"is_enterprise_install": false, "enterprise": nil,
		"callback_id": callbackID, "trigger_id": trigger,
	})
	if err != nil {
		return Interaction{}, err
	}
	return Interaction{Type: slack.InteractionTypeShortcut, Payload: payload, TriggerID: trigger}, nil
}

// ClickView returns the block_actions interaction Slack sends when userID
// presses the button actionID in view viewID: the top of their open modal,
// or their Home tab. It carries a view container, the view with its state,
// the button's block_id and value and a fresh trigger id (one from a modal
// may be spent on views.push), and no response_url, as Slack sends none
// from views. It returns an error when the user cannot see the view or it
// has no such button.
func (s *Server) ClickView(userID, viewID, actionID string) (Interaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.directory.activeUser(userID)
	if !ok {
		return Interaction{}, fmt.Errorf("click by %s: no such active user", userID)
	}
	v, ok := s.views.byID[viewID]
	visible := ok && v.user == userID && (s.views.homes[userID] == viewID || s.topView(userID) == v)
	if !visible {
		return Interaction{}, fmt.Errorf("%s does not see view %s", userID, viewID)
	}
	exported := s.exportView(v)
	btn, ok := exported.Button(actionID)
	if !ok {
		return Interaction{}, fmt.Errorf("view %s has no %q button", viewID, actionID)
	}
	trigger := s.newTrigger(u.ID, v.id)
	action := map[string]any{
		"type": "button", "action_id": btn.ActionID, "block_id": btn.BlockID, "value": btn.Value,
		"text": map[string]any{"type": "plain_text", "text": btn.Text, "emoji": true}, "action_ts": s.nextTS(),
	}
	if btn.Style != "" {
		action["style"] = btn.Style
	}
	payload, err := encodeInteraction(map[string]any{
		"type": slack.InteractionTypeBlockActions, "token": VerificationToken, "api_app_id": AppID,
		"team": teamObject(), "user": userObjectShort(u), "trigger_id": trigger,
		"container": map[string]any{"type": "view", "view_id": v.id},
		"view":      s.viewObject(v), "actions": []any{action},
		"is_enterprise_install": false, "enterprise": nil,
	})
	if err != nil {
		return Interaction{}, err
	}
	return Interaction{Type: slack.InteractionTypeBlockActions, Payload: payload, TriggerID: trigger, ViewID: v.id}, nil
}
