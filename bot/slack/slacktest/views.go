package slacktest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// maxViewTitle is the longest modal title Slack accepts.
const maxViewTitle = 24

// openView serves views.open: it records the modal and returns it with a
// fresh view id. A missing trigger_id or a malformed view answers
// invalid_arguments with Slack-style messages, bad blocks invalid_blocks.
func (s *Server) openView(r apiRequest) (map[string]any, *apiError) {
	var req struct {
		TriggerID string          `json:"trigger_id"`
		View      json.RawMessage `json:"view"`
	}
	if err := json.Unmarshal(r.body, &req); err != nil {
		return nil, &apiError{code: "invalid_json", messages: []string{err.Error()}}
	}
	view, aerr := checkView(req.TriggerID, req.View)
	if aerr != nil {
		return nil, aerr
	}
	m := Message{
		Kind: KindOpenView, TriggerID: req.TriggerID, View: req.View,
		Text: textOf(view["title"]), Body: json.RawMessage(r.body),
	}
	if blocks, ok := view["blocks"]; ok {
		m.Blocks, _ = json.Marshal(blocks)
	}
	s.rec.Add(m)
	id := s.newID("V")
	view["id"], view["team_id"], view["app_id"], view["bot_id"] = id, TeamID, AppID, BotID
	view["root_view_id"], view["previous_view_id"] = id, nil
	view["state"] = map[string]any{"values": map[string]any{}}
	view["hash"] = fmt.Sprintf("%d.%s", tsEpoch, id)
	return map[string]any{"view": view}, nil
}

// checkView validates a views.open request and returns the view decoded.
func checkView(triggerID string, raw json.RawMessage) (map[string]any, *apiError) {
	var view map[string]any
	if triggerID == "" {
		return nil, invalidArguments("[ERROR] missing required field: trigger_id")
	}
	if json.Unmarshal(raw, &view) != nil || view == nil {
		return nil, invalidArguments("[ERROR] missing required field: view")
	}
	if view["type"] != "modal" {
		return nil, invalidArguments("[ERROR] must be 'modal' [json-pointer:/view/type]")
	}
	title := textOf(view["title"])
	if title == "" || utf8.RuneCountInString(title) > maxViewTitle {
		return nil, invalidArguments(fmt.Sprintf(
			"[ERROR] must be between 1 and %d characters [json-pointer:/view/title/text]", maxViewTitle))
	}
	blocks, _ := json.Marshal(view["blocks"])
	if code, msgs := validateBlocks(string(blocks), maxModalBlocks); code != "" {
		return nil, &apiError{code: code, messages: msgs}
	}
	return view, nil
}

func invalidArguments(msg string) *apiError {
	return &apiError{code: "invalid_arguments", messages: []string{msg}}
}
