package teamstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
)

// Message returns the activity Teams posts when from writes text to the bot
// in their 1:1 chat. Writing to the bot implies it is installed for them, so
// their 1:1 conversation is opened if it was not.
func (s *Server) Message(from User, text string) schema.Activity {
	s.mu.Lock()
	if u, ok := s.users[from.AADObjectID]; ok {
		u.Personal = true
	}
	conv := s.openPersonal(from.AADObjectID)
	s.mu.Unlock()
	a := s.incoming(schema.Message, from, schema.ConversationAccount{ID: conv, ConversationType: TypePersonal, TenantID: TenantID})
	a.Text, a.TextFormat = text, schema.PLAIN
	return a
}

// Mention returns the activity Teams posts when from writes "@tapbot text"
// as a new post in channel: the text starts with the <at> mention, and the
// conversation id names the post's thread.
func (s *Server) Mention(from User, channel, text string) schema.Activity {
	a := s.channelActivity(schema.Message, from, channel)
	a.Conversation.ID = channel + ";messageid=" + a.ID
	a.Text, a.TextFormat = "<at>"+BotName+"</at> "+text, schema.PLAIN
	a.Entities = []schema.Entity{{Type: "mention"}}
	return a
}

// GroupMessage returns the activity Teams posts when from writes
// "@tapbot text" in group chat chat.
func (s *Server) GroupMessage(from User, chat, text string) schema.Activity {
	a := s.incoming(schema.Message, from, schema.ConversationAccount{ID: chat, ConversationType: TypeGroupChat, IsGroup: true, TenantID: TenantID})
	a.Text, a.TextFormat = "<at>"+BotName+"</at> "+text, schema.PLAIN
	a.Entities = []schema.Entity{{Type: "mention"}}
	return a
}

// Click returns the activity Teams posts when from presses the
// Action.Submit button whose data.action is action on card, the message as
// the test last saw it (sent or updated). It returns an error when the card
// has no such button, or is in a 1:1 chat that is not from's.
func (s *Server) Click(from User, card Activity, action string) (schema.Activity, error) {
	data, ok := findSubmit(card.Card(), action)
	if !ok {
		return schema.Activity{}, fmt.Errorf("message %s in %s has no %q button", card.ID, card.Conversation, action)
	}
	if card.ConvType == TypePersonal && !s.owns(from, card.Conversation) {
		return schema.Activity{}, fmt.Errorf("%s cannot see message %s: it is in someone else's 1:1 chat", from.Name, card.ID)
	}
	var a schema.Activity
	switch card.ConvType {
	case TypeChannel:
		a = s.channelActivity(schema.Message, from, card.Conversation)
		a.Conversation.ID = card.Conversation + ";messageid=" + card.Thread
	case TypeGroupChat:
		a = s.incoming(schema.Message, from, schema.ConversationAccount{ID: card.Conversation, ConversationType: TypeGroupChat, IsGroup: true, TenantID: TenantID})
	default:
		a = s.incoming(schema.Message, from, schema.ConversationAccount{ID: card.Conversation, ConversationType: TypePersonal, TenantID: TenantID})
	}
	a.ReplyToID, a.Value = card.ID, data
	a.ChannelData["postBack"] = true
	return a, nil
}

// owns reports whether conv is u's 1:1 chat with the bot.
func (s *Server) owns(u User, conv string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[conv]
	return ok && c.user == u.AADObjectID
}

// InstallPersonal returns the conversationUpdate Teams posts when u adds
// the bot for themselves, and opens their 1:1 chat.
func (s *Server) InstallPersonal(u User) schema.Activity {
	a := s.installActivity(schema.ConversationUpdate, u)
	a.MembersAdded = []schema.ChannelAccount{{ID: s.BotID()}}
	return a
}

// InstallationUpdate returns the installationUpdate (action add) Teams
// posts beside the conversationUpdate of InstallPersonal when u adds the
// bot for themselves, in the same 1:1 chat.
func (s *Server) InstallationUpdate(u User) schema.Activity {
	a := s.installActivity(schema.InstallationUpdate, u)
	a.Action = "add"
	return a
}

// installActivity installs the bot for u, opening their 1:1 chat, and
// returns an activity of typ from u in that chat.
func (s *Server) installActivity(typ schema.ActivityTypes, u User) schema.Activity {
	s.mu.Lock()
	if stored, ok := s.users[u.AADObjectID]; ok {
		stored.Personal = true
	}
	conv := s.openPersonal(u.AADObjectID)
	s.mu.Unlock()
	return s.incoming(typ, u, schema.ConversationAccount{ID: conv, ConversationType: TypePersonal, TenantID: TenantID})
}

// InstallTeam returns the conversationUpdate Teams posts in channel when
// by adds the bot to the channel's team.
func (s *Server) InstallTeam(by User, channel string) schema.Activity {
	a := s.channelActivity(schema.ConversationUpdate, by, channel)
	a.MembersAdded = []schema.ChannelAccount{{ID: s.BotID()}}
	a.ChannelData["eventType"] = "teamMemberAdded"
	return a
}

// channelActivity builds an activity from from in channel, with the
// channelData Teams adds there.
func (s *Server) channelActivity(typ schema.ActivityTypes, from User, channel string) schema.Activity {
	s.mu.Lock()
	team := "19:unknown-team@thread.tacv2"
	if c, ok := s.convs[channel]; ok {
		team = c.teamID
	}
	s.mu.Unlock()
	a := s.incoming(typ, from, schema.ConversationAccount{ID: channel, ConversationType: TypeChannel, IsGroup: true, TenantID: TenantID})
	a.ChannelData["teamsChannelId"] = channel
	a.ChannelData["teamsTeamId"] = team
	a.ChannelData["channel"] = map[string]any{"id": channel}
	a.ChannelData["team"] = map[string]any{"id": team}
	return a
}

// incoming builds the fields every activity from Teams carries.
func (s *Server) incoming(typ schema.ActivityTypes, from User, conv schema.ConversationAccount) schema.Activity {
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("16990000%05d", s.seq)
	s.mu.Unlock()
	now := time.Now().UTC()
	a := schema.Activity{
		Type: typ, ID: id, Timestamp: now, LocalTimestamp: now, ServiceURL: s.ServiceURL(), ChannelID: ChannelID,
		From:         schema.ChannelAccount{ID: from.TeamsID, Name: from.Name, AadObjectID: from.AADObjectID},
		Conversation: conv,
		Recipient:    schema.ChannelAccount{ID: s.BotID(), Name: BotName},
		Locale:       "en-US",
		ChannelData:  map[string]any{"tenant": map[string]any{"id": TenantID}},
	}
	if from.TimeZone != "" {
		a.LocalTimezone = from.TimeZone
		if loc, err := time.LoadLocation(from.TimeZone); err == nil {
			a.LocalTimestamp = now.In(loc)
		}
	}
	return a
}

// withClientInfo adds to the JSON of a the clientInfo entity Teams sends
// with every message from a client, naming its time zone. The library's
// schema.Entity holds only a type, so it is added to the JSON.
func withClientInfo(body []byte, a schema.Activity) ([]byte, error) {
	if a.LocalTimezone == "" {
		return body, nil
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	entities, _ := m["entities"].([]any)
	m["entities"] = append(entities, map[string]any{
		"type": "clientInfo", "locale": a.Locale, "country": "US", "platform": "Web", "timezone": a.LocalTimezone,
	})
	return json.Marshal(m)
}

// Deliver posts a to the bot's messaging endpoint with a valid Bot
// Framework token for its serviceUrl, changed by opts, and returns the HTTP
// status the bot answered.
func (s *Server) Deliver(ctx context.Context, endpoint string, a schema.Activity, opts ...TokenOption) (int, error) {
	return s.DeliverWith(ctx, endpoint, a, "Bearer "+s.Token(a.ServiceURL, opts...))
}

// DeliverWith posts a to the bot's messaging endpoint with authorization
// as the Authorization header ("" for none) and returns the HTTP status.
func (s *Server) DeliverWith(ctx context.Context, endpoint string, a schema.Activity, authorization string) (int, error) {
	body, err := json.Marshal(a)
	if err == nil {
		body, err = withClientInfo(body, a)
	}
	if err != nil {
		return 0, fmt.Errorf("encode activity: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build request to %s: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Microsoft-SkypeBotApi (Microsoft-BotFramework/3.0)")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post activity to %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// findSubmit looks through an Adaptive Card for an Action.Submit whose
// data.action is action and returns its data.
func findSubmit(card json.RawMessage, action string) (map[string]any, bool) {
	var v any
	if json.Unmarshal(card, &v) != nil {
		return nil, false
	}
	var found map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if data, ok := v["data"].(map[string]any); ok && v["type"] == "Action.Submit" && data["action"] == action && found == nil {
				found = data
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return found, found != nil
}
