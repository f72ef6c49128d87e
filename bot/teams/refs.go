package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
)

// Kinds of references kept in the store (approvals.RefStore). None of
// them holds anything secret: they say where to reach a conversation.
const (
	refUser         = "teams-user"         // Entra object id → the user's 1:1 chat with the bot
	refConversation = "teams-conversation" // conversation id → the approval channel or chat
	refService      = "teams-service"      // "last" → the service URL Teams last used
	keyLastService  = "last"
)

// conversationTypePersonal is Teams' conversationType of a 1:1 chat.
const conversationTypePersonal = "personal"

// remember stores what an authenticated activity tells about reaching
// people later: the service URL, the sender's 1:1 chat when the activity
// comes from one, and the approval conversation when it comes from there.
// Failures are logged: the activity is still handled.
func (b *Bot) remember(act schema.Activity) {
	if err := b.putRef(refService, keyLastService, []byte(act.ServiceURL)); err != nil {
		b.log.Warn("teams service URL not stored", "err", err)
	}
	if act.Conversation.ConversationType == conversationTypePersonal && act.From.AadObjectID != "" {
		ref := activityRef(act)
		ref.ActivityID = ""
		if err := b.putPersonal(act.From.AadObjectID, ref); err != nil {
			b.log.Warn("teams 1:1 chat not stored", "user", act.From.AadObjectID, "err", err)
		}
	}
	if conv := b.approvalConversationOf(act); conv != "" {
		ref := activityRef(act)
		ref.ActivityID, ref.User = "", schema.ChannelAccount{}
		ref.Conversation.ID = conv
		if err := b.putJSON(refConversation, conv, ref); err != nil {
			b.log.Warn("teams approval conversation not stored", "err", err)
		}
	}
}

// approvalConversationOf returns the configured approval channel or group
// chat act happened in (or in a thread of), a tenant's in MSP mode, or "".
func (b *Bot) approvalConversationOf(act schema.Activity) string {
	base, _, _ := strings.Cut(act.Conversation.ID, ";messageid=")
	ch, _ := act.ChannelData["channel"].(map[string]any)
	id, _ := ch["id"].(string)
	for _, conv := range b.cfg.approvalConversations() {
		if base == conv || id == conv {
			return conv
		}
	}
	return ""
}

// activityRef is the reference to answer act in its own conversation,
// threaded under it.
func activityRef(act schema.Activity) schema.ConversationReference {
	return schema.ConversationReference{
		ActivityID: act.ID, User: act.From, Bot: act.Recipient, ChannelID: act.ChannelID,
		ServiceURL: act.ServiceURL, Conversation: act.Conversation,
	}
}

// personalChat is what is stored under refUser: the reference of a user's
// 1:1 chat with the bot, and the chat they were welcomed in. Teams announces
// a personal install twice (installationUpdate and conversationUpdate), and
// may again after a restart; the mark makes one welcome of them. It decodes
// as a plain ConversationReference too.
type personalChat struct {
	schema.ConversationReference
	Welcomed string `json:"tapbotWelcomed,omitempty"` // conversation id
}

// putPersonal stores ref as the 1:1 chat of the user with Entra object id
// aad, keeping the welcome mark.
func (b *Bot) putPersonal(aad string, ref schema.ConversationReference) error {
	key := strings.ToLower(aad)
	var chat personalChat
	if _, err := b.getJSON(refUser, key, &chat); err != nil {
		return err
	}
	if old, _ := json.Marshal(chat); bytes.Equal(old, mustJSON(personalChat{ref, chat.Welcomed})) {
		return nil // as stored: spare the database a write for every message
	}
	_, err := b.changeChat(key, func(chat *personalChat, _ bool) bool {
		chat.ConversationReference = ref
		return true
	})
	return err
}

// firstWelcome marks the user with Entra object id aad as welcomed in
// conversation and reports whether they were not already. The mark is set
// before the welcome is sent, in one transaction of the store, so that two
// install activities handled at once, on one replica or two, send one.
func (b *Bot) firstWelcome(aad, conversation string) (bool, error) {
	return b.changeChat(strings.ToLower(aad), func(chat *personalChat, stored bool) bool {
		if !stored || chat.Welcomed == conversation {
			return false
		}
		chat.Welcomed = conversation
		return true
	})
}

// errUnchanged leaves a stored chat as it is (changeChat).
var errUnchanged = errors.New("unchanged")

// changeChat lets fn change the stored 1:1 chat under key (stored: there
// is one) in one transaction of the store, and reports whether fn changed
// it.
func (b *Bot) changeChat(key string, fn func(chat *personalChat, stored bool) bool) (bool, error) {
	err := b.store.UpdateRef(refUser, key, func(old []byte) ([]byte, error) {
		var chat personalChat
		if len(old) > 0 {
			if err := json.Unmarshal(old, &chat); err != nil {
				return nil, fmt.Errorf("decode %s/%s: %w", refUser, key, err)
			}
		}
		if !fn(&chat, len(old) > 0) {
			return nil, errUnchanged
		}
		return json.Marshal(chat)
	})
	switch {
	case errors.Is(err, errUnchanged):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store %s/%s: %w", refUser, key, err)
	}
	return true, nil
}

// mustJSON is v as JSON; v is a plain struct that always marshals.
func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// personalRef returns the 1:1 chat of the user with Entra object id aad,
// and false when the bot has none.
func (b *Bot) personalRef(aad string) (schema.ConversationReference, bool, error) {
	var ref schema.ConversationReference
	ok, err := b.getJSON(refUser, strings.ToLower(aad), &ref)
	return ref, ok, err
}

// approvalRef returns where approval cards go: the reference captured when
// the bot was installed or messaged there, or else the configured id at the
// service URL Teams last used (one per tenant region). It returns
// EUNAVAILABLE while Teams has never talked to the bot.
func (b *Bot) approvalRef(r *approvals.Request) (schema.ConversationReference, error) {
	return b.conversationRef(b.cfg.approvalConversation(r))
}

// conversationRef returns the reference of conversation id, as approvalRef
// does for the approval conversation.
func (b *Bot) conversationRef(id string) (schema.ConversationReference, error) {
	var ref schema.ConversationReference
	ok, err := b.getJSON(refConversation, id, &ref)
	if err != nil || ok {
		return ref, err
	}
	service, err := b.store.GetRef(refService, keyLastService)
	if err != nil {
		return ref, fmt.Errorf("read teams service URL: %w", err)
	}
	if len(service) == 0 {
		return ref, approvals.Errorf(approvals.EUNAVAILABLE, "tapbot has not heard from Teams yet, so it cannot reach the approval conversation. Add tapbot to the team of the approval channel (or to the group chat) and @mention it there once.")
	}
	return schema.ConversationReference{
		ChannelID: teamsChannel, ServiceURL: string(service),
		Bot:          schema.ChannelAccount{ID: "28:" + b.cfg.AppID},
		Conversation: schema.ConversationAccount{ID: id, IsGroup: true, TenantID: b.cfg.TenantID},
	}, nil
}

// ensurePersonal returns the 1:1 chat of act's sender, opening it through
// the Bot Connector when the bot has none yet (which Teams allows once the
// user has the app). It returns EUNAVAILABLE with how to start the chat
// when that fails.
func (b *Bot) ensurePersonal(ctx context.Context, act schema.Activity) (schema.ConversationReference, error) {
	ref, ok, err := b.personalRef(act.From.AadObjectID)
	if err != nil || ok {
		return ref, err
	}
	tenant := tenantOf(act)
	id, err := b.conn.createConversation(ctx, act.ServiceURL, schema.ConversationParameters{
		Bot: act.Recipient, Members: []schema.ChannelAccount{{ID: act.From.ID}}, TenantID: tenant,
		ChannelData: map[string]any{"tenant": map[string]any{"id": tenant}},
	})
	if err != nil {
		b.log.Info("teams 1:1 chat could not be opened", "user", act.From.AadObjectID, "err", err)
		return ref, approvals.Errorf(approvals.EUNAVAILABLE, "tapbot hands out passes only in a private chat, and you have no chat with it yet. In Teams, open Apps, find tapbot, choose Add (or Open) and say hi in its Chat; then ask again.")
	}
	ref = schema.ConversationReference{
		User: act.From, Bot: act.Recipient, ChannelID: act.ChannelID, ServiceURL: act.ServiceURL,
		Conversation: schema.ConversationAccount{ID: id, ConversationType: conversationTypePersonal, TenantID: tenant},
	}
	if err := b.putPersonal(act.From.AadObjectID, ref); err != nil {
		return ref, err
	}
	return ref, nil
}

// tenantOf is the Entra tenant an activity comes from: conversation.tenantId
// only, which the channel sets. channelData carries what a Direct Line or
// Web Chat client chose to send, so it is not trusted for it.
func tenantOf(act schema.Activity) string {
	return act.Conversation.TenantID
}

// putRef stores value under kind/key unless it is already there, sparing
// the database a write for every message.
func (b *Bot) putRef(kind, key string, value []byte) error {
	old, err := b.store.GetRef(kind, key)
	if err != nil {
		return fmt.Errorf("read %s/%s: %w", kind, key, err)
	}
	if bytes.Equal(old, value) {
		return nil
	}
	if err := b.store.PutRef(kind, key, value); err != nil {
		return fmt.Errorf("store %s/%s: %w", kind, key, err)
	}
	return nil
}

func (b *Bot) putJSON(kind, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", kind, key, err)
	}
	return b.putRef(kind, key, data)
}

// getJSON decodes kind/key into v and reports whether it was there.
func (b *Bot) getJSON(kind, key string, v any) (bool, error) {
	data, err := b.store.GetRef(kind, key)
	if err != nil {
		return false, fmt.Errorf("read %s/%s: %w", kind, key, err)
	}
	if len(data) == 0 {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("decode %s/%s: %w", kind, key, err)
	}
	return true, nil
}

// Reach is how a Bot would reach its approval conversation, from what its
// store holds.
type Reach int

// The ways to the approval conversation, best first.
const (
	ReachStored  Reach = iota // Teams sent the bot an activity from there: its reference is stored
	ReachService              // only the service URL Teams last used: cards go there by id
	ReachNone                 // Teams never talked to the bot: no card can be posted
)

// ApprovalReach says how a Bot with the approval conversation id conv
// would reach it with the references in store. tapbot doctor uses it.
func ApprovalReach(store approvals.RefStore, conv string) (Reach, error) {
	ref, err := store.GetRef(refConversation, conv)
	if err != nil {
		return ReachNone, fmt.Errorf("read teams approval conversation: %w", err)
	}
	if len(ref) > 0 {
		return ReachStored, nil
	}
	service, err := store.GetRef(refService, keyLastService)
	switch {
	case err != nil:
		return ReachNone, fmt.Errorf("read teams service URL: %w", err)
	case len(service) > 0:
		return ReachService, nil
	}
	return ReachNone, nil
}
