package verifiedidtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// Presented is the credential the user's wallet presents.
type Presented struct {
	// Claims are the credential's claims; a VerifiedEmployee has
	// revocationId (the UPN), displayName, givenName, surname, mail,
	// jobTitle, preferredLanguage.
	Claims map[string]string
	// Issuer is the issuing DID; "" = the request's first accepted issuer.
	// An issuer the request does not accept is refused: no wallet would
	// offer that credential.
	Issuer string
	// Score is Face Check's matchConfidenceScore (0–100). Below the
	// request's threshold the presentation fails as the service fails it.
	Score float64
	// Subject is the holder's DID; "" = a new did:jwk.
	Subject string
}

// CallbackError is a callback the receiver did not take: its status and
// the start of its answer.
type CallbackError struct {
	Status int
	Body   string
}

func (e *CallbackError) Error() string {
	return fmt.Sprintf("callback answered %d: %s", e.Status, e.Body)
}

// Photo is the photo claim every presented credential carries: not a
// JPEG, but shaped as the service sends the claim,
// UrlEncode(Base64Encode(bytes)).
var Photo = base64.RawURLEncoding.EncodeToString([]byte("a photo the fake does not have"))

// Open is the user opening the link: it posts request_retrieved.
func (s *Server) Open(requestID string) error {
	p, err := s.waiting(requestID)
	if err != nil {
		return err
	}
	return s.post(p, map[string]any{
		"requestId": p.id, "requestStatus": "request_retrieved", "state": p.body.Callback.State,
	})
}

// Present is the user sharing the credential after Face Check: it posts
// presentation_verified with the credential's data and the Face Check
// score, or, when the score is below the request's threshold,
// presentation_error as the service does (claimValidationError, no score).
func (s *Server) Present(requestID string, pr Presented) error {
	p, err := s.waiting(requestID)
	if err != nil {
		return err
	}
	rc := p.body.RequestedCredentials[0]
	issuer := pr.Issuer
	if issuer == "" && len(rc.AcceptedIssuers) > 0 {
		issuer = rc.AcceptedIssuers[0]
	}
	if len(rc.AcceptedIssuers) > 0 && !slices.Contains(rc.AcceptedIssuers, issuer) {
		return fmt.Errorf("verifiedidtest: the request accepts %v, not %s: no wallet would offer that credential", rc.AcceptedIssuers, issuer)
	}
	threshold, faceCheck := p.body.threshold()
	if faceCheck && pr.Score < threshold {
		return s.post(p, errorBody(p, "claimValidationError", "Match confidence score failing to meet the threshold."))
	}
	return s.post(p, verifiedBody(p, rc, issuer, pr, faceCheck))
}

// Fail is the presentation failing: it posts presentation_error with code
// and message.
func (s *Server) Fail(requestID, code, message string) error {
	p, err := s.waiting(requestID)
	if err != nil {
		return err
	}
	return s.post(p, errorBody(p, code, message))
}

// Replay posts the request's last callback again, exactly, as a retry or
// a captured copy would arrive.
func (s *Server) Replay(requestID string) error {
	s.mu.Lock()
	p, ok := s.live[requestID]
	var last []byte
	if ok {
		last = p.last
	}
	s.mu.Unlock()
	if last == nil {
		return fmt.Errorf("verifiedidtest: no callback of %s to replay", requestID)
	}
	return s.send(p, last)
}

func errorBody(p *presentation, code, message string) map[string]any {
	return map[string]any{
		"requestId": p.id, "requestStatus": "presentation_error", "state": p.body.Callback.State,
		"error": map[string]any{"code": code, "message": message},
	}
}

// verifiedBody is the documented presentation_verified callback. With a
// Face Check there is no receipt, as the documentation says.
func verifiedBody(p *presentation, rc RequestedCredential, issuer string, pr Presented, faceCheck bool) map[string]any {
	claims := map[string]any{"photo": Photo}
	for k, v := range pr.Claims {
		claims[k] = v
	}
	vc := map[string]any{
		"issuer":          issuer,
		"type":            []string{"VerifiableCredential", rc.Type},
		"claims":          claims,
		"credentialState": map[string]any{"revocationStatus": "VALID"},
		"issuanceDate":    "2025-01-06T09:00:00Z",
		"expirationDate":  "2026-01-06T09:00:00Z",
	}
	if host, ok := strings.CutPrefix(issuer, "did:web:"); ok {
		vc["domainValidation"] = map[string]any{"url": "https://" + host + "/"}
	}
	if faceCheck {
		vc["faceCheck"] = map[string]any{"matchConfidenceScore": pr.Score, "sourcePhotoQuality": "HIGH"}
	}
	subject := pr.Subject
	if subject == "" {
		subject = "did:jwk:" + randomPart()
	}
	body := map[string]any{
		"requestId": p.id, "requestStatus": "presentation_verified", "state": p.body.Callback.State,
		"subject": subject, "verifiedCredentialsData": []any{vc},
	}
	if p.body.IncludeReceipt && !faceCheck {
		body["receipt"] = map[string]any{"id_token": randomPart(), "vp_token": randomPart(), "state": randomPart()}
	}
	return body
}

// waiting is the live request requestID, refused once its link expired or
// its presentation finished.
func (s *Server) waiting(requestID string) (*presentation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.live[requestID]
	switch {
	case !ok:
		return nil, fmt.Errorf("verifiedidtest: no presentation request %s", requestID)
	case !s.now().Before(p.expires):
		return nil, fmt.Errorf("verifiedidtest: presentation request %s expired at %s", requestID, p.expires)
	case p.finished:
		return nil, fmt.Errorf("verifiedidtest: presentation request %s already finished", requestID)
	}
	return p, nil
}

// post sends a callback body and remembers it for Replay; a
// presentation_verified or presentation_error finishes the request.
func (s *Server) post(p *presentation, body map[string]any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	s.mu.Lock()
	p.last = b
	p.finished = body["requestStatus"] != "request_retrieved"
	s.mu.Unlock()
	return s.send(p, b)
}

// send posts b to the request's callback URL with the headers it asked
// for, as the service does.
func (s *Server) send(p *presentation, b []byte) error {
	req, err := http.NewRequest(http.MethodPost, p.body.Callback.URL, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range p.body.Callback.Headers {
		req.Header.Set(k, v)
	}
	s.mu.Lock()
	client := s.callback
	s.mu.Unlock()
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return &CallbackError{Status: resp.StatusCode, Body: string(answer)}
	}
	return nil
}

// AsCallbackError reports the status a callback was refused with, 0 when
// err is not a refusal.
func AsCallbackError(err error) int {
	var ce *CallbackError
	if errors.As(err, &ce) {
		return ce.Status
	}
	return 0
}
