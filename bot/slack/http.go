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

	"github.com/tapbot/tapbot/bot"
)

// maxBody caps what tapbot reads from Slack; real payloads are a few KB.
const maxBody = 64 << 10

// replayWindow is how long a seen signature is remembered: twice the five
// minutes Slack's timestamp is accepted, so no replay outlives its memory.
const replayWindow = 10 * time.Minute

// Handler serves POST /slack/commands, POST /slack/interactions and POST
// /slack/events.
func (b *Bot) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/commands", b.serveCommand)
	mux.HandleFunc("POST /slack/interactions", b.serveInteraction)
	mux.HandleFunc("POST /slack/events", b.serveEvent) // the Home tab (home_events.go)
	return mux
}

// verified reads the body and checks Slack's signature and timestamp, and
// that this exact signed request was not seen before. It answers 401 (or 413)
// itself and returns false when the request must be ignored.
func (b *Bot) verified(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	body, ok := b.signedBody(w, r)
	if !ok {
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "malformed form body", http.StatusBadRequest)
		return nil, false
	}
	return form, true
}

// signedBody is verified for a body of any kind: it returns the body once
// its signature, timestamp and freshness are checked.
func (b *Bot) signedBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
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
	if err != nil {
		return nil, b.refuse(w, r, err)
	}
	switch err := b.replays.Check(replayKey(r.Header), time.Now()); {
	case errors.Is(err, bot.ErrReplayed):
		return nil, b.refuse(w, r, err)
	case err != nil:
		// Whether another replica took this request cannot be told: take
		// it nowhere, and let Slack show that it failed.
		b.log.Error("slack request refused: the replay memory the replicas share cannot be read", "path", r.URL.Path, "err", err)
		http.Error(w, "tapbot cannot reach its database; try again in a moment", http.StatusServiceUnavailable)
		return nil, false
	}
	return body, true
}

// refuse answers 401 to a request that is not Slack's, or a replay, and
// returns false.
func (b *Bot) refuse(w http.ResponseWriter, r *http.Request, why error) bool {
	b.log.Warn("slack request refused", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", why.Error())
	http.Error(w, "invalid signature", http.StatusUnauthorized)
	return false
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
	if msg := b.HandleCommand(r.Context(), cmd); msg != nil {
		writeJSON(w, msg)
	}
}

func (b *Bot) serveInteraction(w http.ResponseWriter, r *http.Request) {
	form, ok := b.verified(w, r)
	if !ok {
		return
	}
	cb, err := decodeInteraction([]byte(form.Get("payload")))
	if err != nil {
		http.Error(w, "malformed interaction payload", http.StatusBadRequest)
		return
	}
	if reply := b.HandleInteraction(r.Context(), cb); reply != nil {
		writeJSON(w, reply)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// interactionFields is slack.InteractionCallback without its methods, so
// that decodeInteraction can decode into it around the message.
type interactionFields slack.InteractionCallback

// decodeInteraction decodes an interaction payload as
// slack.InteractionCallback.UnmarshalJSON does, but leaves out the message
// a button sat on (message, original_message): a press on a card carries
// the whole card, no handler reads it, and its blocks cost more to decode
// than the rest of the press, on the way from Approve to the pass.
func decodeInteraction(payload []byte) (slack.InteractionCallback, error) {
	var cb slack.InteractionCallback
	lean := struct {
		*interactionFields
		Message         json.RawMessage `json:"message"`          // not decoded
		OriginalMessage json.RawMessage `json:"original_message"` // not decoded
	}{interactionFields: (*interactionFields)(&cb)}
	if err := json.Unmarshal(payload, &lean); err != nil {
		return cb, err
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.RawState) > 0 {
			if err := json.Unmarshal(cb.RawState, &cb.BlockActionState); err != nil {
				return cb, err
			}
		}
	case slack.InteractionTypeDialogSubmission:
		cb.State = string(cb.RawState)
	}
	return cb, nil
}
