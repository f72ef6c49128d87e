package teams

import (
	"net/http"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

func TestActivitiesWithoutAValidTokenAreRefusedAndChangeNothing(t *testing.T) {
	tests := []struct {
		name  string
		token func(h *harness, serviceURL string) string // the Authorization header
	}{
		{"no token", func(*harness, string) string { return "" }},
		{"not a bearer token", func(h *harness, u string) string { return "Basic " + h.fake.Token(u) }},
		{"garbage", func(*harness, string) string { return "Bearer not.a.jwt" }},
		{"expired", func(h *harness, u string) string { return "Bearer " + h.fake.Token(u, teamstest.Expired()) }},
		{"not yet valid", func(h *harness, u string) string { return "Bearer " + h.fake.Token(u, teamstest.NotYetValid()) }},
		{"no expiry", func(h *harness, u string) string { return "Bearer " + h.fake.Token(u, teamstest.WithoutClaim("exp")) }},
		{"wrong audience", func(h *harness, u string) string {
			return "Bearer " + h.fake.Token(u, teamstest.Audience("00000000-0000-0000-0000-000000000000"))
		}},
		{"wrong issuer", func(h *harness, u string) string {
			return "Bearer " + h.fake.Token(u, teamstest.IssuedBy("https://sts.windows.net/evil/"))
		}},
		{"wrong serviceurl", func(h *harness, u string) string {
			return "Bearer " + h.fake.Token(u, teamstest.ForServiceURL("https://evil.example/"))
		}},
		{"no serviceurl", func(h *harness, u string) string {
			return "Bearer " + h.fake.Token(u, teamstest.WithoutClaim("serviceurl"))
		}},
		{"signed by a stranger", func(h *harness, u string) string { return "Bearer " + h.fake.Token(u, teamstest.SignedByStranger()) }},
		{"unknown key", func(h *harness, u string) string { return "Bearer " + h.fake.Token(u, teamstest.KeyID("nobody")) }},
		{"hmac with the public key", func(h *harness, u string) string { return "Bearer " + h.fake.Token(u, teamstest.SignedWithHMAC()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			a := h.fake.Message(h.rita, "tap alice@contoso.com 1h")
			status, err := h.fake.DeliverWith(t.Context(), h.endpoint(), a, tt.token(h, a.ServiceURL))
			if err != nil {
				t.Fatal(err)
			}
			if status != http.StatusUnauthorized {
				t.Fatalf("HTTP %d, want 401", status)
			}
			h.stop()
			if acts := h.fake.Activities(); len(acts) != 0 {
				t.Fatalf("the bot acted on a refused activity: %+v", acts[0])
			}
			if _, ok, _ := h.bot.personalRef(h.rita.AADObjectID); ok {
				t.Fatal("a refused activity stored a conversation reference")
			}
		})
	}
}

func TestKeyNotEndorsedForTheChannelIsRefused(t *testing.T) {
	h := newHarness(t)
	a := h.fake.Message(h.rita, "help")
	a.ChannelID = "slack" // not in teamstest.Endorsements
	if status := h.deliver(a); status != http.StatusUnauthorized {
		t.Fatalf("HTTP %d, want 401", status)
	}
}

func TestValidTokenIsAccepted(t *testing.T) {
	h := newHarness(t)
	h.says(h.rita, "help")
	h.waitFor("help", teamstest.Sent(h.chat(h.rita), "How to use tap"))
}

func TestReplayedActivityIsRefused(t *testing.T) {
	h := newHarness(t)
	a := h.fake.Message(h.rita, "tap alice@contoso.com 1h")
	if status := h.deliver(a); status != http.StatusOK {
		t.Fatalf("first delivery: HTTP %d", status)
	}
	if status := h.deliver(a); status != http.StatusUnauthorized {
		t.Fatalf("replay: HTTP %d, want 401", status)
	}
	h.card()
	h.stop()
	cards := 0
	for _, m := range h.fake.Activities() {
		if m.Conversation == approvalChan {
			cards++
		}
	}
	if cards != 1 {
		t.Fatalf("%d cards, want 1", cards)
	}
}

func TestSigningKeyRotationIsPickedUp(t *testing.T) {
	h := newHarness(t)
	h.says(h.rita, "help")
	h.waitFor("help", teamstest.Sent(h.chat(h.rita), "How to use tap"))
	h.fake.RotateKey()
	v := h.bot.adapter.TokenValidator.(*Validator)
	v.mu.Lock()
	v.now = func() time.Time { return time.Now().Add(refetchGap) } // the last fetch is long enough ago
	v.mu.Unlock()
	h.says(h.rita, "help")
	h.waitFor("help after rotation", teamstest.Sent(h.chat(h.rita), "How to use tap"))
	if meta, _ := h.fake.KeyFetches(); meta != 2 {
		t.Fatalf("metadata fetched %d times, want 2", meta)
	}
}

func TestUnknownKeyIdsCannotMakeTheBotRefetchKeysEachTime(t *testing.T) {
	h := newHarness(t)
	h.says(h.rita, "help")
	for range 5 {
		if status := h.deliver(h.fake.Message(h.rita, "help"), teamstest.KeyID("forged")); status != http.StatusUnauthorized {
			t.Fatalf("HTTP %d, want 401", status)
		}
	}
	if meta, jwks := h.fake.KeyFetches(); meta != 1 || jwks != 1 {
		t.Fatalf("fetched metadata %d and keys %d times, want once each", meta, jwks)
	}
}

func TestActivityFromAnotherTenantIsIgnored(t *testing.T) {
	h := newHarness(t)
	a := h.fake.Message(h.rita, "tap alice@contoso.com 1h")
	a.Conversation.TenantID = "11111111-1111-1111-1111-111111111111"
	a.ChannelData["tenant"] = map[string]any{"id": a.Conversation.TenantID}
	if status := h.deliver(a); status != http.StatusOK {
		t.Fatalf("HTTP %d", status)
	}
	h.stop()
	if acts := h.fake.Activities(); len(acts) != 0 {
		t.Fatalf("the bot answered another tenant: %+v", acts[0])
	}
}
