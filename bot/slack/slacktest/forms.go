package slacktest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/slack-go/slack"
)

// SlashCommandForm returns the form Slack posts to a bot's slash command
// URL when userName (userID) types "/tap text" in channelID, with every
// field Slack sends. channel_name is "directmessage" for a D… channel and
// "privategroup" for a G… one; Server.SlashCommand fills in real names.
func SlashCommandForm(userID, userName, channelID, text, responseURL, triggerID string) url.Values {
	channelName := "channel"
	switch {
	case strings.HasPrefix(channelID, "D"):
		channelName = "directmessage"
	case strings.HasPrefix(channelID, "G"):
		channelName = "privategroup"
	}
	return url.Values{
		"token":                 {VerificationToken},
		"team_id":               {TeamID},
		"team_domain":           {TeamDomain},
		"channel_id":            {channelID},
		"channel_name":          {channelName},
		"user_id":               {userID},
		"user_name":             {userName},
		"command":               {Command},
		"text":                  {text},
		"api_app_id":            {AppID},
		"is_enterprise_install": {"false"},
		"response_url":          {responseURL},
		"trigger_id":            {triggerID},
	}
}

// SlashCommand returns the form Slack posts when userID types "/tap text" in
// channelID, with the user's and channel's names, a fresh trigger id and a
// fresh response URL of s (whose name is the form's trigger_id). It returns
// an error when the user is unknown or deactivated, or the channel unknown.
func (s *Server) SlashCommand(userID, channelID, text string) (url.Values, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.directory.activeUser(userID)
	if !ok {
		return nil, fmt.Errorf("slash command from %s: no such active user", userID)
	}
	ch, ok := s.directory.channels[channelID]
	if !ok {
		return nil, fmt.Errorf("slash command in %s: no such channel", channelID)
	}
	trigger := s.newTrigger(userID, "")
	form := SlashCommandForm(userID, u.Name, channelID, text, s.responseURL(trigger, channelID), trigger)
	if !ch.im {
		form.Set("channel_name", ch.name)
	}
	return form, nil
}

// BlockActionForm returns the form Slack posts to a bot's interactivity URL
// for the interaction cb: one field, payload, holding its JSON. Empty
// fields Slack always sets are filled in: type (block_actions), token,
// api_app_id, team and user.team_id. It returns an error when cb cannot be
// encoded.
func BlockActionForm(cb slack.InteractionCallback) (url.Values, error) {
	payload, err := interactionJSON(cb)
	if err != nil {
		return nil, err
	}
	return url.Values{"payload": {string(payload)}}, nil
}

// interactionJSON encodes cb as Slack sends it, defaults filled in.
func interactionJSON(cb slack.InteractionCallback) (json.RawMessage, error) {
	if cb.Type == "" {
		cb.Type = slack.InteractionTypeBlockActions
	}
	if cb.Token == "" {
		cb.Token = VerificationToken
	}
	if cb.APIAppID == "" {
		cb.APIAppID = AppID
	}
	if cb.Team.ID == "" {
		cb.Team.ID, cb.Team.Domain = TeamID, TeamDomain
	}
	if cb.User.ID != "" && cb.User.TeamID == "" {
		cb.User.TeamID = TeamID
	}
	// MarshalJSON has a pointer receiver: marshalling the value would skip
	// the block_actions state encoding.
	payload, err := json.Marshal(&cb)
	if err != nil {
		return nil, fmt.Errorf("encode %s interaction: %w", cb.Type, err)
	}
	return payload, nil
}

// Click returns the block_actions interaction Slack sends when userID
// presses the button actionID on message m, as the message looks now (after
// any chat.update). It carries the button's block_id and value, the
// container, the message (unless ephemeral), a fresh trigger id and a fresh
// response URL of s answering in m's channel. Post it with BlockActionForm
// or SendInteraction. It returns an error when the user is unknown or
// deactivated, the message is gone, or it has no such button.
func (s *Server) Click(userID string, m Message, actionID string) (slack.InteractionCallback, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.directory.activeUser(userID)
	if !ok {
		return slack.InteractionCallback{}, fmt.Errorf("click by %s: no such active user", userID)
	}
	shown, err := s.shownMessage(m)
	if err != nil {
		return slack.InteractionCallback{}, err
	}
	btn, ok := shown.Button(actionID)
	if !ok {
		return slack.InteractionCallback{}, fmt.Errorf("click %q on message %s in %s: no such button", actionID, shown.TS, shown.Channel)
	}
	return s.clickCallback(u, shown, btn)
}

// shownMessage returns m as Slack shows it now; s.mu held.
func (s *Server) shownMessage(m Message) (Message, error) {
	if m.Kind != KindPostMessage && m.Kind != KindUpdate {
		return m, nil
	}
	cur, ok := s.history[m.Channel][m.TS]
	if !ok {
		return Message{}, fmt.Errorf("message %s in %s: not found", m.TS, m.Channel)
	}
	return *cur, nil
}

// clickCallback builds the interaction payload; s.mu held.
func (s *Server) clickCallback(u User, shown Message, btn Button) (slack.InteractionCallback, error) {
	trigger := s.newTrigger(u.ID, "")
	actionTS := s.nextTS()
	cb := slack.InteractionCallback{
		Type:        slack.InteractionTypeBlockActions,
		Token:       VerificationToken,
		APIAppID:    AppID,
		TriggerID:   trigger,
		ResponseURL: s.responseURL(trigger, shown.Channel),
		Team:        slack.Team{ID: TeamID, Domain: TeamDomain},
		User:        slack.User{ID: u.ID, Name: u.Name, Username: u.Name, TeamID: TeamID},
		Container: slack.Container{
			Type: "message", MessageTs: shown.TS, ChannelID: shown.Channel, IsEphemeral: shown.Ephemeral(),
		},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{
			ActionID: btn.ActionID, BlockID: btn.BlockID, Type: "button", Value: btn.Value,
			Text:     slack.TextBlockObject{Type: slack.PlainTextType, Text: btn.Text},
			ActionTs: actionTS,
		}}},
	}
	if ch, ok := s.directory.channels[shown.Channel]; ok {
		cb.Channel.ID, cb.Channel.Name = ch.id, ch.name
	}
	if shown.Ephemeral() {
		return cb, nil // Slack does not send the message of an ephemeral
	}
	msg, err := json.Marshal(messageObject(shown))
	if err != nil {
		return slack.InteractionCallback{}, fmt.Errorf("encode clicked message: %w", err)
	}
	if err := json.Unmarshal(msg, &cb.Message); err != nil {
		return slack.InteractionCallback{}, fmt.Errorf("decode clicked message: %w", err)
	}
	return cb, nil
}
