package slack

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// maxBody caps what tapbot reads from Slack; real payloads are a few KB.
const maxBody = 64 << 10

// replayWindow is how long a seen signature is remembered: twice the five
// minutes Slack's timestamp is accepted, so no replay outlives its memory.
const replayWindow = 10 * time.Minute

// Handler serves POST /slack/commands and POST /slack/interactions.
func (b *Bot) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/commands", b.serveCommand)
	mux.HandleFunc("POST /slack/interactions", b.serveInteraction)
	return mux
}

// verified reads the body and checks Slack's signature and timestamp, and
// that this exact signed request was not seen before. It answers 401 (or 413)
// itself and returns false when the request must be ignored.
func (b *Bot) verified(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	sv, err := slack.NewSecretsVerifier(r.Header, b.cfg.SigningSecret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err == nil && !b.replays.First(replayKey(r.Header), time.Now()) {
		err = errors.New("replayed request")
	}
	if err != nil {
		b.log.Warn("slack request refused", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", err.Error())
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "malformed form body", http.StatusBadRequest)
		return nil, false
	}
	return form, true
}

// replayKey is what identifies a signed request: the signature's bytes.
// Keying on its text would let a replay through with the hex in another
// letter case, which decodes to the same signature.
func replayKey(h http.Header) string {
	sig, _ := hex.DecodeString(strings.TrimPrefix(h.Get("X-Slack-Signature"), "v0="))
	return string(sig)
}

func (b *Bot) serveCommand(w http.ResponseWriter, r *http.Request) {
	form, ok := b.verified(w, r)
	if !ok {
		return
	}
	cmd := slack.SlashCommand{
		TeamID: form.Get("team_id"), ChannelID: form.Get("channel_id"), UserID: form.Get("user_id"),
		UserName: form.Get("user_name"), Command: form.Get("command"), Text: form.Get("text"),
		ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"),
	}
	writeJSON(w, b.HandleCommand(r.Context(), cmd))
}

func (b *Bot) serveInteraction(w http.ResponseWriter, r *http.Request) {
	form, ok := b.verified(w, r)
	if !ok {
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, "malformed interaction payload", http.StatusBadRequest)
		return
	}
	if cb.Type == slack.InteractionTypeViewSubmission {
		if ans := b.HandleViewSubmission(r.Context(), cb); ans != nil {
			writeJSON(w, ans)
		}
		return
	}
	b.HandleInteraction(r.Context(), cb)
	w.WriteHeader(http.StatusOK)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
