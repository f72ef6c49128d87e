package teams

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/bot"
)

// maxBody caps what tapbot reads from Teams; real activities are a few KB.
const maxBody = 256 << 10

// replayWindow is how long the id of a handled activity is remembered to
// refuse the same activity posted again. Bot Framework tokens live an hour.
const replayWindow = time.Hour

// Handler serves POST /api/messages, the messaging endpoint of the Azure
// Bot registration. Every activity must carry a valid Bot Framework token:
// anything else gets 401 and changes nothing.
func (b *Bot) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/messages", b.serveActivity)
	return mux
}

// serveActivity authenticates an activity with the library's adapter (and
// tapbot's Validator), refuses what does not come from Teams and replays,
// and hands it on. The work that needs Graph or Teams runs after the answer.
func (b *Bot) serveActivity(w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer // read again for what the library's schema drops
	r.Body = io.NopCloser(io.TeeReader(http.MaxBytesReader(w, r.Body, maxBody), &body))
	act, err := b.adapter.ParseRequest(r.Context(), r)
	if err != nil {
		b.log.Warn("teams activity refused", "remote", r.RemoteAddr, "reason", err.Error())
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	act.LocalTimezone = clientZone(body.Bytes())
	if reason := notFromTeams(act); reason != "" {
		b.log.Warn("teams activity refused", "remote", r.RemoteAddr, "reason", reason, "channel", act.ChannelID)
		http.Error(w, "tapbot serves Microsoft Teams only", http.StatusForbidden)
		return
	}
	if act.ID != "" {
		switch err := b.replays.Check(act.Conversation.ID+"|"+act.ID, time.Now()); {
		case errors.Is(err, bot.ErrReplayed):
			b.log.Warn("teams activity refused", "remote", r.RemoteAddr, "reason", "replayed activity", "activity", act.ID)
			http.Error(w, "replayed activity", http.StatusUnauthorized)
			return
		case err != nil:
			b.log.Error("teams activity refused: the replay memory the replicas share cannot be read", "activity", act.ID, "err", err)
			http.Error(w, "tapbot cannot reach its database", http.StatusServiceUnavailable)
			return
		}
	}
	if tenant := tenantOf(act); b.cfg.TenantID != "" && tenant != b.cfg.TenantID {
		b.log.Warn("teams activity from another tenant ignored", "tenant", tenant)
		w.WriteHeader(http.StatusOK)
		return
	}
	if act.Type == schema.Invoke {
		// tapbot's cards use Action.Submit, which Teams sends as messages.
		http.Error(w, "invoke activities are not supported", http.StatusNotImplemented)
		return
	}
	b.HandleActivity(act)
	w.WriteHeader(http.StatusOK)
}

// teamsChannel is the Bot Framework channel id of Microsoft Teams.
const teamsChannel = "msteams"

// notFromTeams says why an authenticated activity is not one tapbot serves,
// or "" when it is. The Bot Framework signs for every channel of the Azure
// Bot with the same keys, and Web Chat and Direct Line are on by default;
// their users are not Entra users, and Web Chat lets anyone choose their
// name and ids. Only a Teams activity names its Entra tenant where Teams
// puts it, in conversation.tenantId.
func notFromTeams(act schema.Activity) string {
	switch {
	case act.ChannelID != teamsChannel:
		return fmt.Sprintf("channel %q is not Microsoft Teams", act.ChannelID)
	case act.Conversation.TenantID == "":
		return "the activity names no tenant in conversation.tenantId"
	}
	return ""
}
