package approvals

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// RefVerifiedIDState is the RefStore kind under which the SHA-256 of a
// presentation's state token names its request.
const RefVerifiedIDState = "verifiedid-state"

// MaxVerifiedIDAttempts is how many presentations one request may start:
// the first and the retries after it (RetryVerifiedID).
const MaxVerifiedIDAttempts = 3

// newStateToken is a fresh unguessable state for a presentation: 256 bits
// from crypto/rand, URL-safe.
func newStateToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// stateKey is what tapbot keeps of a state token: its SHA-256, hex.
func stateKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// startVerifiedID starts a Verified ID presentation for pending request r
// when may allows it (checked in the transaction that claims the attempt)
// and sends its link to the requester. A presentation that cannot start
// fails the step, which the card shows and the requester is told; the
// request stays pending.
func (s *Service) startVerifiedID(ctx context.Context, r *Request, may func(v *VerifiedIDStep) error) (*Request, error) {
	token := newStateToken()
	key := stateKey(token)
	claimed, err := s.updatePending(ctx, r.ID, func(r *Request) (Change, error) {
		v := r.Verify.VerifiedID
		if err := may(v); err != nil {
			return Change{}, err
		}
		*v = VerifiedIDStep{Required: v.Required, Threshold: v.Threshold, StateKey: key, Attempts: v.Attempts + 1, At: s.now()}
		return Change{}, nil // the outcome is audited, started or failed
	})
	if err != nil {
		if claimed == nil {
			claimed, _ = s.store.Get(r.ID)
		}
		return claimed, err
	}
	if err := s.store.PutRef(RefVerifiedIDState, key, []byte(r.ID)); err != nil {
		return s.verifiedIDFailed(ctx, r.ID, key, "tapbot could not record the presentation ("+ErrorMessage(err)+")")
	}
	verifier := s.scopeOf(claimed).verifier
	if verifier == nil {
		return s.verifiedIDFailed(ctx, r.ID, key, "this tapbot has no Verified ID verifier configured any more")
	}
	v := claimed.Verify.VerifiedID
	p, err := verifier.StartPresentation(ctx, PresentationAsk{RequestID: r.ID, State: token, Target: claimed.Target, MatchConfidenceThreshold: v.Threshold})
	if err != nil {
		s.log.Warn("Verified ID presentation not started", "request", r.ID, "err", err)
		return s.verifiedIDFailed(ctx, r.ID, key, "the Verified ID check could not start ("+ErrorMessage(err)+")")
	}
	started, err := s.updateStep(ctx, r.ID, nil, EventVerifiedIDStarted, func(r *Request) (string, error) {
		v := r.Verify.VerifiedID
		if v.StateKey != key {
			return "", errUnchanged
		}
		if v.State == VerifiedIDNotStarted { // a callback may have come first
			v.State = VerifiedIDStarted
		}
		v.PresentationID, v.URL, v.Expires = p.ID, p.URL, p.Expires
		return fmt.Sprintf("presentation %s started, link valid until %s, Face Check threshold %d", p.ID, shortTime(p.Expires), v.Threshold), nil
	})
	if err != nil {
		if errors.Is(err, errUnchanged) {
			return started, nil
		}
		return started, err
	}
	s.log.Info("Verified ID presentation started", append(s.logTenant(started), "request", started.ID, "presentation", p.ID)...)
	s.refresh(ctx, started, EventVerifiedIDStarted, verifiedIDLinkText(started))
	return started, nil
}

// notStarted lets the first presentation of a request start.
func notStarted(v *VerifiedIDStep) error {
	if v == nil || v.State != VerifiedIDNotStarted {
		return errUnchanged
	}
	return nil
}

// verifiedIDFailed fails attempt key of request id's Verified ID step with
// reason and tells the requester.
func (s *Service) verifiedIDFailed(ctx context.Context, id, key, reason string) (*Request, error) {
	r, err := s.updateStep(ctx, id, nil, EventVerifiedIDFailed, func(r *Request) (string, error) {
		v := r.Verify.VerifiedID
		if v.StateKey != key || v.State == VerifiedIDVerified || v.State == VerifiedIDFailed {
			return "", errUnchanged
		}
		v.State, v.Failure, v.At = VerifiedIDFailed, reason, s.now()
		return reason, nil
	})
	if err != nil {
		if errors.Is(err, errUnchanged) {
			return r, nil
		}
		return r, err
	}
	s.refresh(ctx, r, EventVerifiedIDFailed, verifiedIDOutcomeText(r))
	s.thread(r, EventVerifiedIDFailed)
	return r, nil
}

// verifiedIDLinkText tells the requester what to send the user, and what
// the user must do.
func verifiedIDLinkText(r *Request) string {
	v := r.Verify.VerifiedID
	name := cmp.Or(r.Target.DisplayName, r.Target.UPN)
	return fmt.Sprintf("Request %s for %s needs %s to prove who they are with Entra Verified ID before anyone can approve it. "+
		"Send them this link in a Teams chat or an e-mail to their work account, never to an address the caller gives you: %s\n"+
		"Tell them: open it on your phone with Microsoft Authenticator, share your Verified Employee card, and take the selfie for the Face Check. The link works until %s.",
		r.ID, r.Target.UPN, name, v.URL, shortTime(v.Expires))
}

// verifiedIDOutcomeText tells the requester how the check ended.
func verifiedIDOutcomeText(r *Request) string {
	v := r.Verify.VerifiedID
	if v.State == VerifiedIDVerified {
		text := fmt.Sprintf("%s passed the Verified ID check for request %s (Face Check %s ≥ %d).", r.Target.UPN, r.ID, percent(v.Score), v.Threshold)
		if slices.Contains(r.Verify.Pending(), StepManager) {
			return text + " It still waits for the manager to confirm."
		}
		return text + " Approvers can approve it now."
	}
	text := fmt.Sprintf("The Verified ID check for request %s failed: %s. Nobody can approve the request as it stands; an approver can deny it", r.ID, v.Failure)
	if left := MaxVerifiedIDAttempts - v.Attempts; left > 0 {
		return text + fmt.Sprintf(", or you can start the check again with /tap verify %s (%d attempt(s) left).", r.ID, left)
	}
	return text + "; it cannot be started again."
}

// PresentationUpdate applies a callback of the Request Service, whose api
// key internal/verifiedid has checked, to the request whose presentation it
// is, found by the state token: request_retrieved marks the link opened;
// presentation_verified marks the step verified when the credential names
// the target and the Face Check score reaches the request's threshold, and
// failed with why otherwise; presentation_error fails it. Each outcome is
// audited and the card redrawn; the requester is told of verified and
// failed. A repeated event, an event of an earlier attempt and any event
// for a request that is no longer pending change nothing and return nil.
// Returns ENOTFOUND for a state tapbot does not know, and EINVALID for an
// unknown status or an event whose presentation id is not the request's;
// neither changes anything.
func (s *Service) PresentationUpdate(ctx context.Context, ev PresentationEvent) error {
	if ev.State == "" {
		return Errorf(ENOTFOUND, "The presentation callback carries no state.")
	}
	key := stateKey(ev.State)
	b, err := s.store.GetRef(RefVerifiedIDState, key)
	if err != nil {
		return err
	}
	if b == nil {
		return Errorf(ENOTFOUND, "No request of this tapbot started the presentation this callback is about.")
	}
	typ := ""
	r, err := s.updatePending(ctx, string(b), func(r *Request) (Change, error) {
		var detail string
		var err error
		typ, detail, err = s.presentationChange(r, key, ev)
		if err != nil {
			return Change{}, err
		}
		r.UpdatedAt = s.now()
		return Change{Events: []Event{eventFor(typ, r, Principal{}, r.UpdatedAt, detail)}}, nil
	})
	switch {
	case errors.Is(err, errUnchanged), ErrorCode(err) == ECONFLICT:
		return nil
	case err != nil:
		return err
	}
	s.log.Info("Verified ID presentation", append(s.logTenant(r), "request", r.ID, "status", ev.Status, "state", r.Verify.VerifiedID.State)...)
	if typ == EventVerifiedIDOpened {
		s.refresh(ctx, r, "", "")
		return nil
	}
	s.refresh(ctx, r, typ, verifiedIDOutcomeText(r))
	s.thread(r, typ)
	return nil
}

// presentationChange applies ev to r's Verified ID step, inside the
// transaction, and returns the event type and detail of the outcome.
func (s *Service) presentationChange(r *Request, key string, ev PresentationEvent) (string, string, error) {
	if r.Verify == nil || r.Verify.VerifiedID == nil || r.Verify.VerifiedID.StateKey != key {
		return "", "", errUnchanged // an earlier attempt's
	}
	v := r.Verify.VerifiedID
	if ev.RequestID != "" && v.PresentationID != "" && ev.RequestID != v.PresentationID {
		return "", "", Errorf(EINVALID, "The callback's presentation %s is not the one request %s started.", ev.RequestID, r.ID)
	}
	final := v.State == VerifiedIDVerified || v.State == VerifiedIDFailed
	now := s.now()
	switch ev.Status {
	case PresentationRetrieved:
		if final || v.State == VerifiedIDOpened {
			return "", "", errUnchanged
		}
		v.State, v.At = VerifiedIDOpened, now
		return EventVerifiedIDOpened, "the user opened the link", nil
	case PresentationVerified:
		if final {
			return "", "", errUnchanged
		}
		return judgePresentation(v, r.Target, ev, now)
	case PresentationError:
		if final {
			return "", "", errUnchanged
		}
		v.State, v.Failure, v.At = VerifiedIDFailed, presentationError(ev), now
		return EventVerifiedIDFailed, v.Failure, nil
	}
	return "", "", Errorf(EINVALID, "The presentation callback's status %q is none tapbot knows (%s, %s, %s).", ev.Status, PresentationRetrieved, PresentationVerified, PresentationError)
}

// judgePresentation decides a presented credential: verified when it is a
// Verified Employee card of t and the Face Check score reaches v's
// threshold.
func judgePresentation(v *VerifiedIDStep, t Target, ev PresentationEvent, now time.Time) (string, string, error) {
	subject, why := credentialSubject(ev, t)
	v.Subject, v.At = subject, now
	if ev.FaceCheckScore >= 0 {
		score := ev.FaceCheckScore
		v.Score = &score
	}
	switch {
	case why != "":
	case v.Score == nil:
		why = "no Face Check was made"
	case *v.Score < float64(v.Threshold):
		why = fmt.Sprintf("Face Check %s < %d", percent(v.Score), v.Threshold)
	}
	if why != "" {
		v.State, v.Failure = VerifiedIDFailed, why
		return EventVerifiedIDFailed, why, nil
	}
	v.State = VerifiedIDVerified
	detail := fmt.Sprintf("Face Check %s ≥ %d; Verified Employee credential of %s", percent(v.Score), v.Threshold, subject)
	if ev.Issuer != "" {
		detail += " issued by " + ev.Issuer
	}
	return EventVerifiedIDVerified, detail, nil
}

// credentialSubject returns whom the presented credential names and, when
// that is not the target t, why it does not count. A Verified Employee
// card names its holder by revocationId (their UPN) and mail; a credential
// that carries t's object id among its claims names t by it.
func credentialSubject(ev PresentationEvent, t Target) (string, string) {
	if len(ev.CredentialType) > 0 && !slices.Contains(ev.CredentialType, "VerifiedEmployee") {
		return "", fmt.Sprintf("the credential presented is a %s, not a Verified Employee card", strings.Join(ev.CredentialType, "/"))
	}
	claim := func(names ...string) string {
		for k, v := range ev.Claims {
			if v != "" && slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, k) }) {
				return v
			}
		}
		return ""
	}
	byID := t.ID != "" && slices.ContainsFunc(slices.Collect(maps.Values(ev.Claims)), func(v string) bool { return strings.EqualFold(v, t.ID) })
	subject := claim("revocationId", "userPrincipalName", "upn")
	if subject == "" {
		subject = claim("mail", "email")
	}
	switch {
	case subject == "" && byID:
		return t.ID, ""
	case subject == "":
		return "", fmt.Sprintf("the credential names nobody tapbot can compare with %s (no revocationId, userPrincipalName or mail claim)", t.UPN)
	case strings.EqualFold(subject, t.UPN), byID && claim("revocationId", "userPrincipalName", "upn") == "":
		return subject, ""
	}
	return subject, fmt.Sprintf("the credential is for %s, not %s", subject, t.UPN)
}

// presentationError is the Request Service's error as a failure reason.
func presentationError(ev PresentationEvent) string {
	msg := strings.TrimSpace(ev.ErrorMessage)
	switch {
	case ev.ErrorCode != "" && msg != "":
		return fmt.Sprintf("the presentation failed (%s: %s)", ev.ErrorCode, msg)
	case ev.ErrorCode != "":
		return "the presentation failed (" + ev.ErrorCode + ")"
	case msg != "":
		return "the presentation failed (" + msg + ")"
	}
	return "the presentation failed"
}

// RetryVerifiedID starts request id's Verified ID check again, with a new
// link, after it failed or its link expired unused; the earlier attempt's
// callbacks change nothing from then on. Only the requester may, while the
// request is pending, and at most MaxVerifiedIDAttempts presentations are
// started in all. Returns EFORBIDDEN for anyone else, EINVALID when the
// request has no Verified ID step, ECONFLICT when the check is verified,
// still running, out of attempts, or the request is no longer pending, and
// ENOTFOUND for an unknown id.
func (s *Service) RetryVerifiedID(ctx context.Context, id string, by Principal) (*Request, error) {
	cur, err := s.store.Get(id)
	if err != nil {
		return nil, err
	}
	if !by.Same(cur.Requester) {
		return cur, Errorf(EFORBIDDEN, "Only the requester of %s can start its Verified ID check again.", id)
	}
	if cur.Verify == nil || cur.Verify.VerifiedID == nil || !cur.Verify.VerifiedID.Required {
		return cur, Errorf(EINVALID, "Request %s has no Verified ID check.", id)
	}
	if s.scopeOf(cur).verifier == nil {
		return cur, Errorf(EUNAVAILABLE, "This tapbot has no Verified ID verifier configured, so the check cannot start again; an approver can deny %s.", id)
	}
	return s.startVerifiedID(ctx, cur, func(v *VerifiedIDStep) error { return s.retryable(cur.ID, v) })
}

// retryable refuses a retry of a check that is verified, still running or
// out of attempts.
func (s *Service) retryable(id string, v *VerifiedIDStep) error {
	running := v.State == VerifiedIDNotStarted || v.State == VerifiedIDStarted || v.State == VerifiedIDOpened
	switch {
	case v.State == VerifiedIDVerified:
		return Errorf(ECONFLICT, "The Verified ID check of %s is already verified.", id)
	case running && (v.Expires.IsZero() || s.now().Before(v.Expires)):
		return Errorf(ECONFLICT, "The Verified ID check of %s is still running (%s); start it again once its link expired at %s.", id, v.status().Text, shortTime(v.Expires))
	case v.Attempts >= MaxVerifiedIDAttempts:
		return Errorf(ECONFLICT, "The Verified ID check of %s was started %d times, the most tapbot allows; an approver can deny the request, and a new one can be raised.", id, v.Attempts)
	}
	return nil
}

// shortTime is a time as messages show it: "10:30 UTC".
func shortTime(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format("15:04 MST")
}
