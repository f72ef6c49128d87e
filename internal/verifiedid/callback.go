package verifiedid

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// MaxCallbackBytes caps a callback body: the documented limit of a
// callback without receipt. A VerifiedEmployee presentation carries the
// user's photo (up to 2 MB before base64), so it cannot be small.
const MaxCallbackBytes = 10 << 20

// finishedWindow is how long a finished presentation is remembered, far
// beyond the minutes a presentation link lives.
const finishedWindow = 24 * time.Hour

// Deliver is what the domain does with a callback once it is checked and
// parsed: it decides whether the credential is the target's. An error makes
// the callback's answer a non-2xx status, so the Request Service knows it
// was not taken.
type Deliver func(context.Context, approvals.PresentationEvent) error

// CallbackHandler serves the Request Service's presentation callbacks
// (POST only; tapbot mounts it at e.g. /verifiedid/callback). A callback
// whose api-key header is not the configured key is refused with 401 and
// changes nothing. A terminal callback (verified or error) for a request is
// passed on once: the same one again is answered 200 without being passed
// on, a different one 409.
type CallbackHandler struct {
	keyHash  [sha256.Size]byte
	deliver  Deliver
	log      *slog.Logger
	finished *finishedRequests
}

// NewCallbackHandler serves callbacks carrying apiKey, passing their events
// to deliver. Returns EINVALID when apiKey is empty or deliver is nil: a
// callback nobody can authenticate must not be served.
func NewCallbackHandler(apiKey string, deliver Deliver, log *slog.Logger) (*CallbackHandler, error) {
	if apiKey == "" || deliver == nil {
		return nil, approvals.Errorf(approvals.EINVALID, "The Verified ID callback needs its API key and somewhere to deliver events.")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &CallbackHandler{keyHash: sha256.Sum256([]byte(apiKey)), deliver: deliver, log: log,
		finished: newFinishedRequests(finishedWindow)}, nil
}

// ServeHTTP checks the api key, reads and parses the callback, and passes
// its event on. Answers 405 to other methods, 401 to a missing or wrong
// key, 413 to a body over MaxCallbackBytes, 400 to a body that is not a
// documented callback, 200 when the event was taken, and the deliver
// error's status (see statusOf) when it was not.
func (h *CallbackHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !h.keyMatches(r.Header.Values(apiKeyHeader)) {
		h.log.Warn("verified id callback refused", "remote", r.RemoteAddr, "reason", "api-key wrong or missing")
		http.Error(w, "api-key wrong or missing", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCallbackBytes))
	if err != nil {
		http.Error(w, "callback too large", http.StatusRequestEntityTooLarge)
		return
	}
	ev, err := parseCallback(body)
	if err != nil {
		h.log.Warn("verified id callback refused", "remote", r.RemoteAddr, "reason", err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.pass(r.Context(), w, ev)
}

// keyMatches compares in constant time, over hashes so that not even the
// key's length shows; exactly one api-key header is accepted.
func (h *CallbackHandler) keyMatches(values []string) bool {
	if len(values) != 1 {
		return false
	}
	got := sha256.Sum256([]byte(values[0]))
	return subtle.ConstantTimeCompare(got[:], h.keyHash[:]) == 1
}

// pass delivers ev unless its request already finished, and answers.
func (h *CallbackHandler) pass(ctx context.Context, w http.ResponseWriter, ev approvals.PresentationEvent) {
	terminal := ev.Status != approvals.PresentationRetrieved
	if terminal {
		switch prior, seen := h.finished.claim(ev.RequestID, ev.Status, time.Now()); {
		case seen && prior == ev.Status:
			h.log.Info("verified id callback repeated", "requestId", ev.RequestID, "status", ev.Status)
			w.WriteHeader(http.StatusOK)
			return
		case seen:
			h.log.Warn("verified id callback refused", "requestId", ev.RequestID, "status", ev.Status, "reason", "request already "+prior)
			http.Error(w, "presentation request already finished", http.StatusConflict)
			return
		}
	}
	if err := h.deliver(ctx, ev); err != nil {
		if terminal {
			h.finished.release(ev.RequestID)
		}
		h.log.Warn("verified id callback not taken", "requestId", ev.RequestID, "status", ev.Status,
			"code", approvals.ErrorCode(err), "error", err.Error())
		http.Error(w, "callback not taken", statusOf(err))
		return
	}
	h.log.Info("verified id callback", "requestId", ev.RequestID, "status", ev.Status, "faceCheckScore", ev.FaceCheckScore)
	w.WriteHeader(http.StatusOK)
}

// statusOf is the answer for a deliver error, by its approvals code. The
// Request Service's documentation says only that the callback is a POST;
// any non-2xx says it was not taken.
func statusOf(err error) int {
	switch approvals.ErrorCode(err) {
	case approvals.EINVALID:
		return http.StatusBadRequest
	case approvals.ENOTFOUND:
		return http.StatusNotFound
	case approvals.ECONFLICT:
		return http.StatusConflict
	case approvals.EFORBIDDEN:
		return http.StatusForbidden
	case approvals.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// parseCallback turns a documented callback body into its event. The
// errors are short and hold no claim value: they go to the log and the
// 400 answer.
func parseCallback(body []byte) (approvals.PresentationEvent, error) {
	var cb callbackBody
	if err := json.Unmarshal(body, &cb); err != nil {
		return approvals.PresentationEvent{}, errors.New("callback body is not the documented JSON")
	}
	if cb.RequestID == "" || cb.State == "" {
		return approvals.PresentationEvent{}, errors.New("callback without requestId or state")
	}
	ev := approvals.PresentationEvent{State: cb.State, RequestID: cb.RequestID, Status: cb.RequestStatus, FaceCheckScore: -1}
	switch cb.RequestStatus {
	case approvals.PresentationRetrieved:
		return ev, nil
	case approvals.PresentationError:
		if cb.Error != nil {
			ev.ErrorCode, ev.ErrorMessage = cb.Error.Code, clip(cb.Error.Message)
		}
		return ev, nil
	case approvals.PresentationVerified:
		return verifiedEvent(ev, cb.VerifiedCredentialsData)
	}
	return approvals.PresentationEvent{}, errors.New("callback with an unknown requestStatus")
}

// verifiedEvent fills ev from the presented VerifiedEmployee credential
// (the first credential when none says it is one). A credential the
// service reports as not valid becomes a presentation error: allowRevoked
// is false, so the service should never send one, and if it does the
// answer is no.
func verifiedEvent(ev approvals.PresentationEvent, creds []verifiedCredential) (approvals.PresentationEvent, error) {
	if len(creds) == 0 {
		return approvals.PresentationEvent{}, errors.New("presentation_verified without verifiedCredentialsData")
	}
	vc := creds[0]
	if i := slices.IndexFunc(creds, func(c verifiedCredential) bool { return slices.Contains(c.Type, CredentialType) }); i >= 0 {
		vc = creds[i]
	}
	if st := vc.CredentialState; st != nil && st.RevocationStatus != "" && !strings.EqualFold(st.RevocationStatus, "VALID") {
		ev.Status, ev.ErrorCode = approvals.PresentationError, "credentialNotValid"
		ev.ErrorMessage = "The presented credential's revocation status is " + clip(st.RevocationStatus) + "."
		return ev, nil
	}
	ev.Issuer, ev.CredentialType, ev.Claims = vc.Issuer, vc.Type, claimStrings(vc.Claims)
	if vc.FaceCheck != nil {
		ev.FaceCheckScore = vc.FaceCheck.MatchConfidenceScore
	}
	return ev, nil
}

// claimStrings keeps the claims as text, without the photo: it is only
// what Face Check compared with, and a biometric image does not belong in
// the domain's records. A claim that is not a JSON string keeps its JSON.
func claimStrings(raw map[string]json.RawMessage) map[string]string {
	claims := make(map[string]string, len(raw))
	for name, v := range raw {
		if name == PhotoClaim {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			claims[name] = s
			continue
		}
		claims[name] = string(v)
	}
	return claims
}
