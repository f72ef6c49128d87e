package slacktest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// ViewSubmission returns the view_submission Slack sends when userID fills
// the modal viewID in with entries and presses its submit button: the view
// as Slack shows it now, with view.state.values holding every input
// (block_id → action_id → {type, value | selected_option | …}), its
// private_metadata and callback_id, a fresh trigger id (for views.push)
// and response_urls for conversations picked in inputs with
// response_url_enabled. What was entered stays in the view for the next
// submission. It returns an error when the person cannot submit: the view
// is not the top of their open modal, it has no submit button, an entry
// names no input block or does not fit its input, or a required input is
// empty.
func (s *Server) ViewSubmission(userID, viewID string, entries Entries) (Interaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, v, err := s.modalOnTop(userID, viewID)
	if err != nil {
		return Interaction{}, err
	}
	if v.obj["submit"] == nil {
		return Interaction{}, fmt.Errorf("view %s has no submit button", viewID)
	}
	trigger := s.newTrigger(u.ID, v.id)
	state, urls, err := s.submittedState(v, entries, userLocation(u), trigger)
	if err != nil {
		return Interaction{}, err
	}
	v.state, v.errors = state, nil
	payload, err := encodeInteraction(map[string]any{
		"type": slack.InteractionTypeViewSubmission, "token": VerificationToken, "api_app_id": AppID,
		"team": teamObject(), "user": userObjectShort(u), "trigger_id": trigger,
		"view": s.viewObject(v), "response_urls": urls,
		"is_enterprise_install": false, "enterprise": nil,
	})
	if err != nil {
		return Interaction{}, err
	}
	return Interaction{Type: slack.InteractionTypeViewSubmission, Payload: payload, TriggerID: trigger, ViewID: v.id}, nil
}

// CloseView closes the modal viewID as userID pressing its close button
// does: the view under it shows again, or, for a view with clear_on_close,
// the whole modal closes. When the view has notify_on_close Slack tells the
// bot with the view_closed interaction it returns (is_cleared says whether
// the whole modal closed); otherwise notify is false and the bot hears
// nothing. It returns an error when the view is not the top of userID's
// open modal.
func (s *Server) CloseView(userID, viewID string) (in Interaction, notify bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, v, err := s.modalOnTop(userID, viewID)
	if err != nil {
		return Interaction{}, false, err
	}
	cleared := v.obj["clear_on_close"] == true
	obj := s.viewObject(v)
	if cleared {
		s.clearStack(u.ID)
	} else {
		s.closeTop(u.ID)
	}
	if v.obj["notify_on_close"] != true {
		return Interaction{}, false, nil
	}
	payload, err := encodeInteraction(map[string]any{
		"type": slack.InteractionTypeViewClosed, "token": VerificationToken, "api_app_id": AppID,
		"team": teamObject(), "user": userObjectShort(u), "view": obj, "is_cleared": cleared,
		"is_enterprise_install": false, "enterprise": nil,
	})
	if err != nil {
		return Interaction{}, false, err
	}
	return Interaction{Type: slack.InteractionTypeViewClosed, Payload: payload, ViewID: v.id}, true, nil
}

// modalOnTop returns the active user and the view, which must be on top
// of their open modal: the only view a person can act on; s.mu held.
func (s *Server) modalOnTop(userID, viewID string) (User, *view, error) {
	u, ok := s.directory.activeUser(userID)
	if !ok {
		return User{}, nil, fmt.Errorf("%s: no such active user", userID)
	}
	v, ok := s.views.byID[viewID]
	switch {
	case !ok:
		return User{}, nil, fmt.Errorf("no view %s", viewID)
	case v.user != userID || str(v.obj, "type") != "modal":
		return User{}, nil, fmt.Errorf("view %s is not a modal %s sees", viewID, userID)
	case s.topView(userID) != v:
		return User{}, nil, fmt.Errorf("view %s is not on top of %s's open modal", viewID, userID)
	}
	return u, v, nil
}

// applyAnswer does to the submitted view what the bot's answer says;
// s.mu held.
func (s *Server) applyAnswer(viewID string, ans Answer) error {
	v, ok := s.views.byID[viewID]
	if !ok || !v.open || s.topView(v.user) != v {
		return fmt.Errorf("view %s is no longer on top of an open modal, so Slack ignores the answer", viewID)
	}
	switch ans.ResponseAction {
	case "":
		s.closeTop(v.user)
	case "clear":
		s.clearStack(v.user)
	case "errors":
		return s.showErrors(v, ans)
	case "update", "push":
		return s.showAnswerView(v, ans)
	default:
		return fmt.Errorf("response_action %q is none of errors, update, push, clear", ans.ResponseAction)
	}
	return nil
}

// showErrors puts the messages of an errors answer under v's inputs;
// s.mu held.
func (s *Server) showErrors(v *view, ans Answer) error {
	if len(ans.Errors) == 0 {
		return fmt.Errorf(`response_action "errors" without any errors`)
	}
	inputs := map[string]bool{}
	for _, in := range inputBlocks(v.obj) {
		inputs[in.blockID] = true
	}
	var texts []string
	for _, id := range slices.Sorted(maps.Keys(ans.Errors)) {
		if !inputs[id] {
			return fmt.Errorf("errors names block %q, which is not an input block of view %s: Slack shows the person an error", id, v.id)
		}
		texts = append(texts, ans.Errors[id])
	}
	v.errors = maps.Clone(ans.Errors)
	s.recordView(Message{
		Kind: KindViewErrors, Text: strings.Join(texts, "\n"), ResponseAction: "errors",
		Errors: maps.Clone(ans.Errors), Body: ans.Body,
	}, v)
	return nil
}

// showAnswerView replaces v by, or pushes on it, the view of an update or
// push answer; s.mu held.
func (s *Server) showAnswerView(v *view, ans Answer) error {
	self := v.id
	if ans.ResponseAction == "push" {
		self = ""
	}
	obj, aerr := s.checkView(ans.View, "modal", self)
	if aerr != nil {
		return fmt.Errorf("the view of response_action %q is refused as views.open would refuse it: %s %s", ans.ResponseAction, aerr.code, strings.Join(aerr.messages, "; "))
	}
	m := Message{Kind: KindUpdateView, ResponseAction: ans.ResponseAction, View: ans.View, Body: ans.Body}
	if ans.ResponseAction == "update" {
		s.replaceView(v, obj)
		s.recordView(m, v)
		return nil
	}
	pushed, aerr := s.pushOnStack(v.user, obj)
	if aerr != nil {
		return fmt.Errorf("the pushed view is refused: %s", aerr.code)
	}
	m.Kind = KindPushView
	s.recordView(m, pushed)
	return nil
}

// userLocation is the time zone of u's Slack profile, UTC when unset or
// unknown to this machine.
func userLocation(u User) *time.Location {
	if loc, err := time.LoadLocation(u.TZ); err == nil && u.TZ != "" {
		return loc
	}
	return time.UTC
}
