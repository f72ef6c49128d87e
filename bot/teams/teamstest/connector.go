package teamstest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxBody caps what the fake connector reads; real activities are far smaller.
const maxBody = 256 << 10

// sentActivity is the part of an activity the fake connector reads.
type sentActivity struct {
	Type        string       `json:"type"`
	Text        string       `json:"text"`
	TextFormat  string       `json:"textFormat"`
	ReplyToID   string       `json:"replyToId"`
	Attachments []Attachment `json:"attachments"`
}

// connectorCall is an authenticated connector request, read and checked.
type connectorCall struct {
	conv, thread string
	c            *conversation
	body         []byte
}

// accept authenticates a connector call, records its body, injects a fault
// of kind if one is due, and finds the conversation named in the path. It
// answers the error itself and returns false when the call must stop. On
// success s.mu is held and the caller must release it.
func (s *Server) accept(w http.ResponseWriter, r *http.Request, kind string) (connectorCall, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	s.mu.Lock()
	if len(body) > 0 {
		s.rec.Note(string(body))
	}
	if !s.authorized(r) {
		s.refusedCalls++
		s.mu.Unlock()
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Authorization has been denied for this request."})
		return connectorCall{}, false
	}
	if err != nil {
		s.mu.Unlock()
		writeConnectorError(w, http.StatusRequestEntityTooLarge, "BadArgument", "The request body is too large.")
		return connectorCall{}, false
	}
	call := connectorCall{body: body}
	call.conv, call.thread = baseConversation(r.PathValue("conv"))
	if status, ok := s.takeFault(kind, call.conv); ok {
		s.mu.Unlock()
		writeConnectorError(w, status, "ServiceError", fmt.Sprintf("injected failure of %s", kind))
		return connectorCall{}, false
	}
	if kind == KindCreateConversation {
		return call, true
	}
	c, ok := s.convs[call.conv]
	if !ok {
		s.mu.Unlock()
		writeConnectorError(w, http.StatusNotFound, "ConversationNotFound", "Conversation not found.")
		return connectorCall{}, false
	}
	call.c = c
	return call, true
}

// botAudience is the audience of tokens for the Bot Connector.
var botAudience = strings.TrimSuffix(Scope, "/.default")

// authorized reports whether r carries a live token the Entra fake issued
// to the bot for the Bot Connector. s.mu must be held.
func (s *Server) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	t, known := s.login.LookupToken(token)
	return known && t.ClientID == s.appID && t.Audience == botAudience && time.Now().Before(t.Expires)
}

// serveSend answers POST /v3/conversations/{conv}/activities (and the
// reply form …/activities/{id}): a new message, with a new activity id.
func (s *Server) serveSend(w http.ResponseWriter, r *http.Request) {
	call, ok := s.accept(w, r, KindSend)
	if !ok {
		return
	}
	defer s.mu.Unlock()
	var a sentActivity
	if err := json.Unmarshal(call.body, &a); err != nil || a.Type != "message" {
		writeConnectorError(w, http.StatusBadRequest, "BadArgument", "The activity is not a message.")
		return
	}
	s.seq++
	id := fmt.Sprintf("17000000%05d", s.seq)
	thread := call.thread
	if call.c.kind == TypeChannel && thread == "" {
		thread = id // a new post in a channel starts its own thread
	}
	rec := s.recorded(KindSend, call, id, a)
	rec.Thread = thread
	s.activities[call.conv+"|"+id] = &rec
	s.rec.Add(rec)
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

// serveUpdate answers PUT /v3/conversations/{conv}/activities/{id}: the
// message is replaced by the activity sent.
func (s *Server) serveUpdate(w http.ResponseWriter, r *http.Request) {
	call, ok := s.accept(w, r, KindUpdate)
	if !ok {
		return
	}
	defer s.mu.Unlock()
	id := r.PathValue("id")
	old, exists := s.activities[call.conv+"|"+id]
	if !exists {
		writeConnectorError(w, http.StatusNotFound, "ActivityNotFound", "Activity not found.")
		return
	}
	var a sentActivity
	if err := json.Unmarshal(call.body, &a); err != nil || a.Type != "message" {
		writeConnectorError(w, http.StatusBadRequest, "BadArgument", "The activity is not a message.")
		return
	}
	rec := s.recorded(KindUpdate, call, id, a)
	rec.Thread, rec.ReplyToID = old.Thread, old.ReplyToID
	s.activities[call.conv+"|"+id] = &rec
	s.rec.Add(rec)
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// recorded builds the record of a send or update. s.mu must be held.
func (s *Server) recorded(kind string, call connectorCall, id string, a sentActivity) Activity {
	return Activity{
		Kind: kind, Conversation: call.conv, Thread: call.thread, ConvType: call.c.kind, ID: id,
		ReplyToID: a.ReplyToID, Text: a.Text, TextFormat: a.TextFormat, Attachments: a.Attachments,
		Body: json.RawMessage(call.body),
	}
}

// conversationParams is the part of POST /v3/conversations the fake reads.
type conversationParams struct {
	IsGroup bool `json:"isGroup"`
	Bot     struct {
		ID string `json:"id"`
	} `json:"bot"`
	Members []struct {
		ID          string `json:"id"`
		AADObjectID string `json:"aadObjectId"`
	} `json:"members"`
	TenantID    string `json:"tenantId"`
	ChannelData struct {
		Tenant struct {
			ID string `json:"id"`
		} `json:"tenant"`
	} `json:"channelData"`
}

// serveCreateConversation answers POST /v3/conversations for a 1:1 chat
// with one user, as Teams does: it works only when the user has the bot
// installed in their personal scope, and returns the existing chat.
func (s *Server) serveCreateConversation(w http.ResponseWriter, r *http.Request) {
	call, ok := s.accept(w, r, KindCreateConversation)
	if !ok {
		return
	}
	defer s.mu.Unlock()
	var p conversationParams
	if err := json.Unmarshal(call.body, &p); err != nil || p.IsGroup || len(p.Members) != 1 {
		writeConnectorError(w, http.StatusBadRequest, "BadArgument", "Only a 1:1 conversation with one member can be created.")
		return
	}
	if p.TenantID != TenantID && p.ChannelData.Tenant.ID != TenantID {
		writeConnectorError(w, http.StatusBadRequest, "BadArgument", "Tenant Id is required.")
		return
	}
	if p.Bot.ID != s.BotID() {
		writeConnectorError(w, http.StatusBadRequest, "BadArgument", "Bot id does not match.")
		return
	}
	u, found := s.userByTeamsID(p.Members[0].ID)
	if !found {
		u, found = s.users[strings.ToLower(p.Members[0].AADObjectID)]
	}
	if !found {
		writeConnectorError(w, http.StatusNotFound, "NotFound", "User not found.")
		return
	}
	if !u.Personal {
		writeConnectorError(w, http.StatusForbidden, "Forbidden", "Bot is not installed in user's personal scope")
		return
	}
	id := s.openPersonal(u.AADObjectID)
	s.rec.Add(Activity{Kind: KindCreateConversation, Conversation: id, ConvType: TypePersonal, Member: u.AADObjectID, Body: json.RawMessage(call.body)})
	writeJSON(w, http.StatusCreated, map[string]string{"id": id, "serviceUrl": s.ServiceURL()})
}
