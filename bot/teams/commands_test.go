package teams

import (
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

func TestCommandTextDropsTheBotMention(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"1:1 chat", "tap alice@contoso.com 2h", "tap alice@contoso.com 2h"},
		{"channel mention", "<at>tapbot</at> tap alice@contoso.com", " tap alice@contoso.com"},
		{"mention with nbsp", "<at>tapbot</at>&nbsp;list", " list"},
		{"two leading mentions", "<at>Bob</at> <at>tapbot</at> help", " help"},
		{"mention inside the reason keeps the name", "<at>tapbot</at> tap a@b.com 1h ask <at>Bob Smith</at>", " tap a@b.com 1h ask Bob Smith"},
		{"mention with attributes", `<at id="0">tapbot</at> list`, " list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := commandText(tt.in); got != tt.want {
				t.Fatalf("commandText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBadCommandGetsTheSharedMessageAndChangesNothing(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"unknown word", "tap frobnicate", "I don't know"},
		{"malformed upn", "tap alice@@contoso 1h", "alice@@contoso"},
		{"lifetime too short", "tap alice@contoso.com 5m", "10 minutes"},
		{"lifetime outside tenant policy", "tap alice@contoso.com 12h", "it allows 1h to 8h"},
		{"unknown user", "tap zed@contoso.com 1h", "zed@contoso.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.says(h.rita, tt.text)
			h.waitFor("refusal", teamstest.Sent(h.chat(h.rita), tt.want))
			h.stop()
			for _, a := range h.fake.Activities() {
				if a.Conversation == approvalChan {
					t.Fatalf("a card was posted for bad input: %s", a.Shown())
				}
			}
		})
	}
}

func TestStatusRevokeListAndHelpInTeams(t *testing.T) {
	h := newHarness(t)
	chat := h.chat(h.rita)
	h.says(h.rita, "help")
	h.waitFor("help", teamstest.Sent(chat, "How to use tap", "@mention tapbot"))
	h.says(h.rita, "list")
	h.waitFor("empty list", teamstest.Sent(chat, "No open requests"))
	h.says(h.rita, "tap alice@contoso.com 1h")
	h.card()
	h.says(h.bea, "list")
	h.waitFor("list", teamstest.Sent(h.chat(h.bea), "alice@contoso.com", "pending", "Rita Requester"))
	h.says(h.otto, "list")
	h.waitFor("outsider list", teamstest.Sent(h.chat(h.otto), "neither a requester nor an approver"))

	h.tenant.mu.Lock()
	h.tenant.passes["id-carol"] = approvals.PassInfo{MethodID: "m-carol", LifetimeMinutes: 60, Usable: true, Start: time.Now()}
	h.tenant.mu.Unlock()
	h.says(h.rita, "status carol@contoso.com")
	h.waitFor("status", teamstest.Sent(chat, "Carol", "usable", "multi-use"))
	h.says(h.bea, "revoke carol@contoso.com")
	h.waitFor("revoked", teamstest.Sent(h.chat(h.bea), "Revoked the Temporary Access Pass of carol@contoso.com"))
	h.says(h.rita, "status carol@contoso.com")
	h.waitFor("status after revoke", teamstest.Sent(chat, "No Temporary Access Pass"))
}

func TestChannelCommandIsAnsweredInItsThread(t *testing.T) {
	h := newHarness(t)
	m := h.fake.Mention(h.rita, approvalChan, "list")
	h.deliver(m)
	reply := h.waitFor("reply", teamstest.Sent(approvalChan, "No open requests"))
	if reply.Thread != m.ID || reply.ReplyToID != m.ID {
		t.Fatalf("reply in thread %q replying to %q, want under %s", reply.Thread, reply.ReplyToID, m.ID)
	}
}

func TestGroupChatMentionWorks(t *testing.T) {
	h := newHarness(t)
	const chat = "19:groupchat0001@thread.v2"
	h.fake.AddGroupChat(chat, "helpdesk")
	h.deliver(h.fake.GroupMessage(h.rita, chat, "help"))
	h.waitFor("help", teamstest.Sent(chat, "How to use tap"))
}
