package slack

import (
	"encoding/json"
	"net/http"

	"github.com/slack-go/slack/slackevents"
)

// serveEvent answers POST /slack/events, the Events API Request URL:
// Slack's url_verification with its challenge, and event callbacks
// (HandleEvent) with a bare 200 at once. The signature proves the sender,
// so Slack's deprecated verification token is not compared.
func (b *Bot) serveEvent(w http.ResponseWriter, r *http.Request) {
	body, ok := b.signedBody(w, r)
	if !ok {
		return
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "malformed event payload", http.StatusBadRequest)
		return
	}
	if ev.Type == slackevents.URLVerification {
		if v, ok := ev.Data.(*slackevents.EventsAPIURLVerificationEvent); ok {
			writeJSON(w, map[string]string{"challenge": v.Challenge})
			return
		}
	}
	b.HandleEvent(r.Context(), ev)
	w.WriteHeader(http.StatusOK)
}
