package slacktest

import (
	"encoding/json"
	"slices"
)

// viewRequest is the arguments of a views.* call, sent as a JSON body or a
// form. The view may come as an object or, as Slack documents it, as a
// JSON-encoded string.
type viewRequest struct {
	TriggerID  string          `json:"trigger_id"`
	ViewID     string          `json:"view_id"`
	ExternalID string          `json:"external_id"`
	Hash       string          `json:"hash"`
	UserID     string          `json:"user_id"`
	View       json.RawMessage `json:"view"`
}

func readViewRequest(r apiRequest) (viewRequest, *apiError) {
	req := viewRequest{
		TriggerID: r.form.Get("trigger_id"), ViewID: r.form.Get("view_id"), ExternalID: r.form.Get("external_id"),
		Hash: r.form.Get("hash"), UserID: r.form.Get("user_id"), View: json.RawMessage(r.form.Get("view")),
	}
	if r.body != nil {
		req = viewRequest{}
		if err := json.Unmarshal(r.body, &req); err != nil {
			return req, &apiError{code: "invalid_json", messages: []string{err.Error()}}
		}
	}
	var encoded string
	if json.Unmarshal(req.View, &encoded) == nil {
		req.View = json.RawMessage(encoded)
	}
	return req, nil
}

// openView serves views.open: it spends the trigger id and shows the modal
// to the person whose interaction handed the trigger out, closing any modal
// they had open. Slack's refusals: invalid_trigger_id, expired_trigger_id,
// exchanged_trigger_id, invalid_arguments, invalid_blocks,
// duplicate_external_id, view_too_large.
func (s *Server) openView(r apiRequest) (map[string]any, *apiError) {
	req, aerr := readViewRequest(r)
	if aerr != nil {
		return nil, aerr
	}
	if req.TriggerID == "" {
		return nil, invalidArguments("[ERROR] missing required field: trigger_id")
	}
	obj, aerr := s.checkView(req.View, "modal", "")
	if aerr != nil {
		return nil, aerr
	}
	t, aerr := s.exchangeTrigger(req.TriggerID)
	if aerr != nil {
		return nil, aerr
	}
	v := s.openStack(t.user, obj)
	s.recordView(Message{Kind: KindOpenView, TriggerID: req.TriggerID, View: req.View, Body: r.body}, v)
	return map[string]any{"view": s.viewObject(v)}, nil
}

// pushView serves views.push: the trigger id must come from an interaction
// inside the person's open modal, whose stack holds at most three views
// (push_limit_reached).
func (s *Server) pushView(r apiRequest) (map[string]any, *apiError) {
	req, aerr := readViewRequest(r)
	if aerr != nil {
		return nil, aerr
	}
	if req.TriggerID == "" {
		return nil, invalidArguments("[ERROR] missing required field: trigger_id")
	}
	obj, aerr := s.checkView(req.View, "modal", "")
	if aerr != nil {
		return nil, aerr
	}
	t, aerr := s.exchangeTrigger(req.TriggerID)
	if aerr != nil {
		return nil, aerr
	}
	if !slices.Contains(s.views.stacks[t.user], t.view) {
		return nil, invalidArguments("[ERROR] the trigger_id was not handed out inside an open modal [json-pointer:/trigger_id]")
	}
	v, aerr := s.pushOnStack(t.user, obj)
	if aerr != nil {
		return nil, aerr
	}
	s.recordView(Message{Kind: KindPushView, TriggerID: req.TriggerID, View: req.View, Body: r.body}, v)
	return map[string]any{"view": s.viewObject(v)}, nil
}

// updateView serves views.update: the view named by view_id or external_id
// (not_found when unknown or closed) gets the new content, a new hash and
// keeps what was entered in inputs whose block_id and action_id stay; a
// hash that is not the view's current one answers hash_conflict.
func (s *Server) updateView(r apiRequest) (map[string]any, *apiError) {
	req, aerr := readViewRequest(r)
	if aerr != nil {
		return nil, aerr
	}
	if req.ViewID == "" && req.ExternalID == "" {
		return nil, invalidArguments("[ERROR] either view_id or external_id is required")
	}
	v, ok := s.viewByIDOrExternal(req.ViewID, req.ExternalID)
	if !ok || !v.open {
		return nil, errCode("not_found")
	}
	if req.Hash != "" && req.Hash != v.hash {
		return nil, errCode("hash_conflict")
	}
	obj, aerr := s.checkView(req.View, str(v.obj, "type"), v.id)
	if aerr != nil {
		return nil, aerr
	}
	s.replaceView(v, obj)
	s.recordView(Message{Kind: KindUpdateView, View: req.View, Body: r.body}, v)
	return map[string]any{"view": s.viewObject(v)}, nil
}

// publishView serves views.publish: the Home tab of user_id (an active
// member, else invalid_arguments "invalid `user_id`") gets the home view;
// it keeps its view id from one publish to the next. A hash that is not
// the current one answers hash_conflict; a Home tab the app has not
// enabled, not_enabled.
func (s *Server) publishView(r apiRequest) (map[string]any, *apiError) {
	req, aerr := readViewRequest(r)
	if aerr != nil {
		return nil, aerr
	}
	if s.views.homeOff {
		return nil, errCode("not_enabled")
	}
	if _, ok := s.directory.activeUser(req.UserID); !ok {
		return nil, invalidArguments("invalid `user_id`")
	}
	current, exists := s.views.byID[s.views.homes[req.UserID]]
	obj, aerr := s.checkView(req.View, "home", s.views.homes[req.UserID])
	if aerr != nil {
		return nil, aerr
	}
	if exists && req.Hash != "" && req.Hash != current.hash {
		return nil, errCode("hash_conflict")
	}
	if exists {
		s.replaceView(current, obj)
	} else {
		current = s.addView(req.UserID, obj)
		s.views.homes[req.UserID] = current.id
	}
	s.recordView(Message{Kind: KindPublishView, View: req.View, Body: r.body}, current)
	return map[string]any{"view": s.viewObject(current)}, nil
}

// recordView completes m with what v shows (its title as Text unless m
// has a text) and records it; s.mu held.
func (s *Server) recordView(m Message, v *view) {
	m.User, m.ViewID = v.user, v.id
	if m.Text == "" {
		m.Text = textOf(v.obj["title"])
	}
	m.Blocks, _ = json.Marshal(v.obj["blocks"])
	s.rec.Add(m)
}
