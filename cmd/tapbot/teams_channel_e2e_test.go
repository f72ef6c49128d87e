package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

// TestTeamsServesOnlyFreshTeamsActivities posts, with valid Bot Framework
// tokens, activities that are not Teams' (Web Chat and Direct Line, on by
// default for an Azure Bot, are signed with the same keys), one naming its
// tenant only in channelData, and one whose timestamp is long past: each is
// refused and nothing changes.
func TestTeamsServesOnlyFreshTeamsActivities(t *testing.T) {
	tests := []struct {
		name   string
		change func(a *schema.Activity)
		want   int
	}{
		{"web chat", func(a *schema.Activity) {
			a.ChannelID, a.Conversation = "webchat", schema.ConversationAccount{ID: "webchat-conversation"}
		}, http.StatusForbidden},
		{"direct line", func(a *schema.Activity) {
			a.ChannelID, a.Conversation = "directline", schema.ConversationAccount{ID: "directline-conversation"}
		}, http.StatusForbidden},
		{"tenant only in channelData", func(a *schema.Activity) { a.Conversation.TenantID = "" }, http.StatusForbidden},
		{"stale timestamp", func(a *schema.Activity) { a.Timestamp = time.Now().Add(-30 * time.Minute) }, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := startTeamsEnv(t, nil)
			a := te.teams.Message(te.rita, "tap alice@contoso.com 1h")
			tt.change(&a)
			if status := te.deliver(a); status != tt.want {
				t.Fatalf("HTTP %d, want %d", status, tt.want)
			}
			te.nothingChanged()
		})
	}
}

// nothingChanged stops tapbot and proves a refused activity raised no
// request, made no call to Teams and fetched no token to make one.
func (te *teamsEnv) nothingChanged() {
	te.t.Helper()
	if reqs := te.storedRequests(); len(reqs) != 0 {
		te.t.Fatalf("%d requests stored", len(reqs))
	}
	if acts := te.teams.Activities(); len(acts) != 0 {
		te.t.Fatalf("tapbot answered a refused activity: %+v", acts[0])
	}
	if n := len(te.teams.TokenRequests()); n != 0 {
		te.t.Fatalf("tapbot asked for %d tokens to answer a refused activity", n)
	}
}

// TestTeamsPersonalInstallIsWelcomedOnce sends both activities of one
// personal install, then the installationUpdate again after a restart:
// Rita reads one welcome.
func TestTeamsPersonalInstallIsWelcomedOnce(t *testing.T) {
	te := startTeamsEnv(t, nil)
	for _, a := range []schema.Activity{te.teams.InstallationUpdate(te.rita), te.teams.InstallPersonal(te.rita)} {
		if status := te.deliver(a); status != http.StatusOK {
			t.Fatalf("HTTP %d", status)
		}
	}
	te.restartOnSameDB(nil)
	if status := te.deliver(te.teams.InstallationUpdate(te.rita)); status != http.StatusOK {
		t.Fatalf("HTTP %d", status)
	}
	te.stopOnce() // waits for the welcomes in flight
	if n := te.teams.Count(teamstest.Sent(te.chat(te.rita), "I'm tapbot")); n != 1 {
		t.Fatalf("Rita was welcomed %d times, want once", n)
	}
}
