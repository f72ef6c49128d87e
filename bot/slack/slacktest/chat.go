package slacktest

import (
	"encoding/json"
	"maps"
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxMessageText is the longest text chat methods accept (msg_too_long).
const maxMessageText = 40000

// postMessage serves chat.postMessage. The channel, given by id or by
// name, must exist with the bot in it (channel_not_found, not_in_channel),
// unless the token has chat:write.public; a user id posts to the bot's DM
// with that user, as Slack does. A thread_ts makes it a reply in the
// thread of that message (see checkThread).
func (s *Server) postMessage(r apiRequest) (map[string]any, *apiError) {
	ch, aerr := s.postTarget(r.form.Get("channel"))
	if aerr != nil {
		return nil, aerr
	}
	m, aerr := messageFromForm(KindPostMessage, r.form)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.checkThread(ch.id, m.ThreadTS); aerr != nil {
		return nil, aerr
	}
	m.Channel, m.TS = ch.id, s.nextTS()
	s.keep(m)
	s.rec.Add(m)
	return map[string]any{"channel": m.Channel, "ts": m.TS, "message": messageObject(m)}, nil
}

// postEphemeral serves chat.postEphemeral: the user must be an active member
// of the channel (user_not_found, user_not_in_channel). Ephemeral messages
// are not kept, so chat.update cannot find them.
func (s *Server) postEphemeral(r apiRequest) (map[string]any, *apiError) {
	ch, aerr := s.memberChannel(r.form.Get("channel"))
	if aerr != nil {
		return nil, aerr
	}
	userID := r.form.Get("user")
	if _, ok := s.directory.users[userID]; !ok {
		return nil, errCode("user_not_found")
	}
	if !s.directory.isMember(ch, userID) {
		return nil, errCode("user_not_in_channel")
	}
	m, aerr := messageFromForm(KindPostEphemeral, r.form)
	if aerr != nil {
		return nil, aerr
	}
	m.Channel, m.User, m.TS = ch.id, userID, s.nextTS()
	s.rec.Add(m)
	return map[string]any{"message_ts": m.TS}, nil
}

// updateMessage serves chat.update: channel and ts must name a message the
// bot posted (channel_not_found, message_not_found). Text or blocks the
// update leaves out keep their old value; blocks=[] removes the blocks.
func (s *Server) updateMessage(r apiRequest) (map[string]any, *apiError) {
	channelID := r.form.Get("channel")
	if _, ok := s.directory.channels[channelID]; !ok {
		return nil, errCode("channel_not_found")
	}
	cur, ok := s.history[channelID][r.form.Get("ts")]
	if !ok {
		return nil, errCode("message_not_found")
	}
	next := *cur
	if _, ok := r.form["text"]; ok {
		next.Text = r.form.Get("text")
	}
	if _, ok := r.form["blocks"]; ok {
		next.Blocks = nil
		if raw := r.form.Get("blocks"); !emptyBlocks(raw) {
			next.Blocks = json.RawMessage(raw)
		}
	}
	if aerr := checkContent(next.Text, next.Blocks, maxMessageBlocks); aerr != nil {
		return nil, aerr
	}
	next.Kind, next.Form, next.Body = KindUpdate, maps.Clone(r.form), nil
	*cur = next
	s.rec.Add(next)
	return map[string]any{
		"channel": next.Channel, "ts": next.TS, "text": next.Text, "message": messageObject(next),
	}, nil
}

// checkThread checks the thread_ts of a reply in channel: it must be the
// ts of a message there that is not itself a reply, as only a thread's
// parent starts one (invalid_thread_ts otherwise). "" is no thread; s.mu
// held.
func (s *Server) checkThread(channel, threadTS string) *apiError {
	if threadTS == "" {
		return nil
	}
	parent, ok := s.history[channel][threadTS]
	if !ok || parent.ThreadTS != "" {
		return errCode("invalid_thread_ts")
	}
	return nil
}

// postTarget resolves the channel argument of chat.postMessage; s.mu held.
func (s *Server) postTarget(arg string) (*channel, *apiError) {
	if _, ok := s.directory.activeUser(arg); ok {
		ch, _ := s.directory.openIM(arg, s.newID("D"))
		return ch, nil
	}
	ch, ok := s.directory.channelByIDOrName(arg)
	switch {
	case !ok:
		return nil, errCode("channel_not_found")
	case !ch.botMember && !(s.hasScope("chat:write.public") && !ch.im):
		return nil, errCode("not_in_channel")
	}
	return ch, nil
}

// memberChannel returns the channel if it exists and the bot is in it.
func (s *Server) memberChannel(id string) (*channel, *apiError) {
	ch, ok := s.directory.channels[id]
	if !ok {
		return nil, errCode("channel_not_found")
	}
	if !ch.botMember {
		return nil, errCode("not_in_channel")
	}
	return ch, nil
}

// keep stores a channel message so chat.update can find it; s.mu held.
func (s *Server) keep(m Message) {
	if s.history[m.Channel] == nil {
		s.history[m.Channel] = map[string]*Message{}
	}
	s.history[m.Channel][m.TS] = &m
}

// messageFromForm reads the content of a chat.* call and checks it as Slack
// does: no_text, msg_too_long, invalid_blocks.
func messageFromForm(kind string, form url.Values) (Message, *apiError) {
	m := Message{
		Kind:     kind,
		Text:     form.Get("text"),
		ThreadTS: form.Get("thread_ts"),
		Form:     maps.Clone(form),
	}
	if raw := form.Get("blocks"); !emptyBlocks(raw) {
		m.Blocks = json.RawMessage(raw)
	}
	if aerr := checkContent(m.Text, m.Blocks, maxMessageBlocks); aerr != nil {
		return Message{}, aerr
	}
	if m.Text == "" && m.Blocks == nil && form.Get("attachments") == "" {
		return Message{}, errCode("no_text")
	}
	return m, nil
}

func checkContent(text string, blocks json.RawMessage, maxBlocks int) *apiError {
	if utf8.RuneCountInString(text) > maxMessageText {
		return errCode("msg_too_long")
	}
	if blocks == nil {
		return nil
	}
	if code, msgs := validateBlocks(string(blocks), maxBlocks, "/blocks"); code != "" {
		return &apiError{code: code, messages: msgs}
	}
	return nil
}

func emptyBlocks(raw string) bool {
	raw = strings.TrimSpace(raw)
	return raw == "" || raw == "[]"
}

// messageObject is the "message" Slack returns from chat.postMessage and
// chat.update.
func messageObject(m Message) map[string]any {
	obj := map[string]any{
		"type": "message", "user": BotUserID, "bot_id": BotID, "app_id": AppID,
		"team": TeamID, "text": m.Text, "ts": m.TS,
	}
	if m.Blocks != nil {
		obj["blocks"] = m.Blocks
	}
	if m.ThreadTS != "" {
		obj["thread_ts"] = m.ThreadTS
	}
	return obj
}
