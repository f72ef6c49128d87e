package teams

import (
	"net/http"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

// refused delivers Rita's request changed by change and proves it is
// answered with status and leaves no trace: no message sent, no
// conversation reference or service URL stored, no request raised.
func refused(t *testing.T, change func(a *schema.Activity), status int) {
	t.Helper()
	h := newHarness(t)
	a := h.fake.Message(h.rita, "tap alice@contoso.com 1h")
	change(&a)
	if got := h.deliver(a); got != status {
		t.Fatalf("HTTP %d, want %d", got, status)
	}
	h.stop()
	if acts := h.fake.Activities(); len(acts) != 0 {
		t.Fatalf("the bot acted on a refused activity: %+v", acts[0])
	}
	if _, ok, _ := h.bot.personalRef(h.rita.AADObjectID); ok {
		t.Fatal("a refused activity stored a 1:1 chat")
	}
	if service, _ := h.store.GetRef(refService, keyLastService); len(service) != 0 {
		t.Fatalf("a refused activity stored service URL %q", service)
	}
	if reqs, _ := h.store.List(nil); len(reqs) != 0 {
		t.Fatalf("a refused activity raised %d request(s)", len(reqs))
	}
}

// TestActivitiesFromOtherBotFrameworkChannelsAreRefusedAndChangeNothing
// posts, with a valid token (the Bot Framework signs for every channel of
// the Azure Bot with the same keys), what a Web Chat or Direct Line client
// sends when it claims to be a Teams requester.
func TestActivitiesFromOtherBotFrameworkChannelsAreRefusedAndChangeNothing(t *testing.T) {
	for _, channel := range []string{"webchat", "directline"} {
		t.Run(channel, func(t *testing.T) {
			refused(t, func(a *schema.Activity) {
				a.ChannelID = channel
				a.Conversation = schema.ConversationAccount{ID: "dl-conversation-1", ConversationType: "personal"}
			}, http.StatusForbidden)
		})
	}
}

func TestTenantIsTakenOnlyFromTheConversation(t *testing.T) {
	refused(t, func(a *schema.Activity) {
		a.Conversation.TenantID = "" // channelData still names the bot's tenant
	}, http.StatusForbidden)
}

func TestActivityWithAStaleOrMissingTimestampIsRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		ts   time.Time
	}{
		{"ten minutes old", time.Now().Add(-10 * time.Minute)},
		{"ten minutes ahead", time.Now().Add(10 * time.Minute)},
		{"an hour old, within the token's lifetime", time.Now().Add(-55 * time.Minute)},
		{"missing", time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			refused(t, func(a *schema.Activity) { a.Timestamp = tt.ts }, http.StatusUnauthorized)
		})
	}
}

func TestActivityWithinTheClockSkewIsAccepted(t *testing.T) {
	h := newHarness(t)
	a := h.fake.Message(h.rita, "help")
	a.Timestamp = time.Now().Add(-2 * time.Minute) // a sender's clock a little behind
	if status := h.deliver(a); status != http.StatusOK {
		t.Fatalf("HTTP %d, want 200", status)
	}
	h.waitFor("help", teamstest.Sent(h.chat(h.rita), "How to use tap"))
}
