package approvals

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// raiseWithVerifiedID raises a request for alice under a verifiedId step
// and returns it with the state token its presentation's callbacks carry.
func raiseWithVerifiedID(t *testing.T, h *verifyHarness) (*Request, string) {
	t.Helper()
	r := h.raise(t, RaiseInput{})
	if v := r.Verify.VerifiedID; v == nil || v.State != VerifiedIDStarted || v.PresentationID != "pres-1" {
		t.Fatalf("Verified ID step = %+v, want started", r.Verify.VerifiedID)
	}
	return r, h.verifier.ask(t, 1).State
}

// presented is the callback of a Verified Employee card of upn presented
// with a Face Check score.
func presented(token, upn string, score float64) PresentationEvent {
	return PresentationEvent{
		State: token, RequestID: "pres-1", Status: PresentationVerified,
		Claims:         map[string]string{"revocationId": upn, "mail": upn, "displayName": "Someone"},
		Issuer:         "did:web:verifiedid.contoso.com",
		CredentialType: []string{"VerifiableCredential", "VerifiedEmployee"}, FaceCheckScore: score,
	}
}

func retrieved(token string) PresentationEvent {
	return PresentationEvent{State: token, RequestID: "pres-1", Status: PresentationRetrieved}
}

func verifiedIDHarness(t *testing.T) *verifyHarness {
	return newVerifyHarness(t, func(p *Policy) { p.Verify.Steps = []string{StepVerifiedID} })
}

func TestPresentationOutcomes(t *testing.T) {
	card := func(upn string, score float64, change func(*PresentationEvent)) func(string) PresentationEvent {
		return func(tok string) PresentationEvent {
			ev := presented(tok, upn, score)
			if change != nil {
				change(&ev)
			}
			return ev
		}
	}
	tests := []struct {
		name    string
		events  []func(token string) PresentationEvent
		state   VerifiedIDState
		failure string // in the step's failure
		event   string // the last audit event
	}{
		{"link opened", []func(string) PresentationEvent{retrieved}, VerifiedIDOpened, "", EventVerifiedIDOpened},
		{"verified above the threshold", []func(string) PresentationEvent{retrieved, card("Alice@Contoso.com", 87, nil)},
			VerifiedIDVerified, "", EventVerifiedIDVerified},
		{"verified at the threshold", []func(string) PresentationEvent{card("alice@contoso.com", 70, nil)},
			VerifiedIDVerified, "", EventVerifiedIDVerified},
		{"below the threshold", []func(string) PresentationEvent{card("alice@contoso.com", 62, nil)},
			VerifiedIDFailed, "Face Check 62 % < 70", EventVerifiedIDFailed},
		{"a credential for the wrong person", []func(string) PresentationEvent{card("bob@contoso.com", 95, nil)},
			VerifiedIDFailed, "the credential is for bob@contoso.com, not alice@contoso.com", EventVerifiedIDFailed},
		{"no Face Check made", []func(string) PresentationEvent{card("alice@contoso.com", -1, nil)},
			VerifiedIDFailed, "no Face Check was made", EventVerifiedIDFailed},
		{"another kind of credential", []func(string) PresentationEvent{card("alice@contoso.com", 90, func(ev *PresentationEvent) {
			ev.CredentialType = []string{"VerifiableCredential", "StudentCard"}
		})}, VerifiedIDFailed, "not a Verified Employee card", EventVerifiedIDFailed},
		{"a credential naming the target's object id", []func(string) PresentationEvent{card("", 90, func(ev *PresentationEvent) {
			ev.Claims = map[string]string{"mail": "alice.smith@contoso.com", "objectId": "id-alice"}
		})}, VerifiedIDVerified, "", EventVerifiedIDVerified},
		{"a presentation error", []func(string) PresentationEvent{func(tok string) PresentationEvent {
			return PresentationEvent{State: tok, RequestID: "pres-1", Status: PresentationError, ErrorCode: "presentation_error", ErrorMessage: "the user declined"}
		}}, VerifiedIDFailed, "the presentation failed (presentation_error: the user declined)", EventVerifiedIDFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := verifiedIDHarness(t)
			ctx := context.Background()
			r, token := raiseWithVerifiedID(t, h)
			for _, event := range tc.events {
				ev := event(token)
				if err := h.svc.PresentationUpdate(ctx, ev); err != nil {
					t.Fatalf("%s: %v", ev.Status, err)
				}
			}
			v := h.get(t, r.ID).Verify.VerifiedID
			if v.State != tc.state || !strings.Contains(v.Failure, tc.failure) {
				t.Fatalf("step = %s (%q), want %s (%q)", v.State, v.Failure, tc.state, tc.failure)
			}
			if types := h.auditTypes(t); types[len(types)-1] != tc.event {
				t.Fatalf("audit = %v, want it to end with %s", types, tc.event)
			}
			got, err := h.svc.Approve(ctx, r.ID, appr1)
			if tc.state != VerifiedIDVerified {
				wantCode(t, err, ECONFLICT)
				if h.tenant.createdCount() != 0 {
					t.Fatal("a pass was created before the Face Check was verified")
				}
				return
			}
			if err != nil || got.State != StateDelivered {
				t.Fatalf("approve after verification = %v, %v", got, err)
			}
			h.verifyAudit(t)
		})
	}
}

func TestApproveWaitsForTheFaceCheckSayingWhereItStands(t *testing.T) {
	h := verifiedIDHarness(t)
	ctx := context.Background()
	r, token := raiseWithVerifiedID(t, h)
	_, err := h.svc.Approve(ctx, r.ID, appr1)
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), "is not verified yet (link sent, not opened yet)") {
		t.Fatalf("refusal = %q", ErrorMessage(err))
	}
	if err := h.svc.PresentationUpdate(ctx, retrieved(token)); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Approve(ctx, r.ID, appr1)
	if !strings.Contains(ErrorMessage(err), "The Face Check of "+r.ID+" is not verified yet (link opened)") {
		t.Fatalf("refusal = %q", ErrorMessage(err))
	}
	if st := h.get(t, r.ID).Verify.Summary()[0]; st.Text != "Verified ID: link opened" || st.Done {
		t.Fatalf("card line = %+v", st)
	}
	if err := h.svc.PresentationUpdate(ctx, presented(token, "alice@contoso.com", 87)); err != nil {
		t.Fatal(err)
	}
	if st := h.get(t, r.ID).Verify.Summary()[0]; st.Text != "Face Check 87 % ≥ 70 ✓" || !st.Done {
		t.Fatalf("card line = %+v", st)
	}
	if n := h.chat.noticesOf(EventVerifiedIDVerified); len(n) != 1 || !strings.Contains(n[0].Text, "Approvers can approve it now") {
		t.Fatalf("requester told %+v", n)
	}
}

func TestPresentationWithAnUnknownStateChangesNothing(t *testing.T) {
	h := verifiedIDHarness(t)
	r, _ := raiseWithVerifiedID(t, h)
	before := h.auditTypes(t)
	for _, token := range []string{"", "forged-state", newStateToken()} {
		err := h.svc.PresentationUpdate(context.Background(), presented(token, "alice@contoso.com", 99))
		wantCode(t, err, ENOTFOUND)
	}
	if after := h.auditTypes(t); !slices.Equal(after, before) || h.get(t, r.ID).Verify.VerifiedID.State != VerifiedIDStarted {
		t.Fatalf("audit %v → %v, step %s", before, after, h.get(t, r.ID).Verify.VerifiedID.State)
	}
}

func TestPresentationOfAnotherPresentationIsRefused(t *testing.T) {
	h := verifiedIDHarness(t)
	r, token := raiseWithVerifiedID(t, h)
	ev := presented(token, "alice@contoso.com", 99)
	ev.RequestID = "pres-somebody-elses"
	wantCode(t, h.svc.PresentationUpdate(context.Background(), ev), EINVALID)
	if h.get(t, r.ID).Verify.VerifiedID.State != VerifiedIDStarted {
		t.Fatal("a callback for another presentation changed the step")
	}
}

func TestPresentationReplayedAfterItsOutcomeChangesNothing(t *testing.T) {
	for _, first := range []VerifiedIDState{VerifiedIDVerified, VerifiedIDFailed} {
		t.Run(string(first), func(t *testing.T) {
			h := verifiedIDHarness(t)
			ctx := context.Background()
			r, token := raiseWithVerifiedID(t, h)
			score := 90.0
			if first == VerifiedIDFailed {
				score = 10
			}
			if err := h.svc.PresentationUpdate(ctx, presented(token, "alice@contoso.com", score)); err != nil {
				t.Fatal(err)
			}
			before := h.auditTypes(t)
			for _, ev := range []PresentationEvent{
				presented(token, "alice@contoso.com", score), presented(token, "alice@contoso.com", 100-score),
				retrieved(token), {State: token, RequestID: "pres-1", Status: PresentationError, ErrorCode: "x"},
			} {
				if err := h.svc.PresentationUpdate(ctx, ev); err != nil {
					t.Fatalf("replayed %s: %v, want nil", ev.Status, err)
				}
			}
			if after := h.auditTypes(t); !slices.Equal(after, before) || h.get(t, r.ID).Verify.VerifiedID.State != first {
				t.Fatalf("audit %v → %v, step %s", before, after, h.get(t, r.ID).Verify.VerifiedID.State)
			}
		})
	}
}

func TestPresentationForAFinishedRequestChangesNothing(t *testing.T) {
	h := verifiedIDHarness(t)
	ctx := context.Background()
	r, token := raiseWithVerifiedID(t, h)
	if _, err := h.svc.Cancel(ctx, r.ID, req1); err != nil {
		t.Fatal(err)
	}
	before := h.auditTypes(t)
	if err := h.svc.PresentationUpdate(ctx, presented(token, "alice@contoso.com", 99)); err != nil {
		t.Fatalf("callback for a cancelled request = %v, want nil", err)
	}
	if after := h.auditTypes(t); !slices.Equal(after, before) {
		t.Fatalf("audit %v → %v", before, after)
	}
}

func TestVerifiedIDLinkGoesToTheRequesterAndItsStateTokenIsKeptNowhere(t *testing.T) {
	h := newVerifyHarness(t, func(p *Policy) { p.Verify.Steps, p.Verify.FaceCheckThreshold = []string{StepVerifiedID}, 85 })
	ctx := context.Background()
	r, token := raiseWithVerifiedID(t, h)
	ask := h.verifier.ask(t, 1)
	if ask.MatchConfidenceThreshold != 85 || ask.RequestID != r.ID || ask.Target.ID != "id-alice" || len(token) < 43 {
		t.Fatalf("ask = %+v", ask)
	}
	n := h.chat.noticesOf(EventVerifiedIDStarted)
	if len(n) != 1 || !strings.Contains(n[0].Text, r.Verify.VerifiedID.URL) || !strings.Contains(n[0].Text, "Microsoft Authenticator") || !strings.Contains(n[0].Text, "Verified Employee card") {
		t.Fatalf("requester told %+v", n)
	}
	if err := h.svc.PresentationUpdate(ctx, presented(token, "alice@contoso.com", 90)); err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(h.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(db, []byte(token)) || strings.Contains(h.logs.String(), token) {
		t.Fatal("the presentation's state token reached the database or the log")
	}
	events, _ := h.store.Audit(time.Time{})
	for _, ev := range events {
		if strings.Contains(ev.Detail, token) {
			t.Fatalf("audit event %s holds the state token", ev.Type)
		}
	}
}

func TestVerifiedIDStepWithoutAVerifierIsRefusedAtRaise(t *testing.T) {
	h := newHarness(t, func(p *Policy) { p.Verify.Steps = []string{StepVerifiedID} })
	_, err := h.svc.Raise(context.Background(), RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	wantCode(t, err, EUNAVAILABLE)
	if !strings.Contains(ErrorMessage(err), "no Verified ID verifier configured") {
		t.Fatalf("refusal = %q", ErrorMessage(err))
	}
	if all, _ := h.store.List(nil); len(all) != 0 {
		t.Fatal("a refused request was stored")
	}
}

func TestVerifiedIDThatCannotStartFailsAndTheRequesterCanRetry(t *testing.T) {
	h := verifiedIDHarness(t)
	ctx := context.Background()
	h.verifier.err = Errorf(EUNAVAILABLE, "Entra Verified ID did not answer.")
	r := h.raise(t, RaiseInput{})
	v := r.Verify.VerifiedID
	if v.State != VerifiedIDFailed || !strings.Contains(v.Failure, "could not start (Entra Verified ID did not answer.)") {
		t.Fatalf("step = %+v", v)
	}
	if n := h.chat.noticesOf(EventVerifiedIDFailed); len(n) != 1 || !strings.Contains(n[0].Text, "2 attempt(s) left") {
		t.Fatalf("requester told %+v", n)
	}
	if _, err := h.svc.Approve(ctx, r.ID, appr1); ErrorCode(err) != ECONFLICT {
		t.Fatalf("approve = %v, want ECONFLICT", err)
	}
	if _, err := h.svc.RetryVerifiedID(ctx, r.ID, appr1); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("retry by an approver = %v, want EFORBIDDEN", err)
	}
	h.verifier.err = nil
	got, err := h.svc.RetryVerifiedID(ctx, r.ID, req1)
	if err != nil || got.Verify.VerifiedID.State != VerifiedIDStarted || got.Verify.VerifiedID.Attempts != 2 {
		t.Fatalf("retry = %+v, %v", got.Verify.VerifiedID, err)
	}
	h.verifyAudit(t)
}

func TestRetryLeavesTheEarlierAttemptPowerless(t *testing.T) {
	h := verifiedIDHarness(t)
	ctx := context.Background()
	r, first := raiseWithVerifiedID(t, h)
	if _, err := h.svc.RetryVerifiedID(ctx, r.ID, req1); ErrorCode(err) != ECONFLICT {
		t.Fatalf("retry while running = %v, want ECONFLICT", err)
	}
	h.clock.Advance(6 * time.Minute) // the link expired unused
	if _, err := h.svc.RetryVerifiedID(ctx, r.ID, req1); err != nil {
		t.Fatalf("retry after the link expired = %v", err)
	}
	second := h.verifier.ask(t, 2).State
	old := presented(first, "alice@contoso.com", 99)
	old.RequestID = ""
	if err := h.svc.PresentationUpdate(ctx, old); err != nil || h.get(t, r.ID).Verify.VerifiedID.State != VerifiedIDStarted {
		t.Fatalf("the first attempt's callback = %v, step %s; want nothing changed", err, h.get(t, r.ID).Verify.VerifiedID.State)
	}
	ev := presented(second, "alice@contoso.com", 10)
	ev.RequestID = "pres-2"
	if err := h.svc.PresentationUpdate(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.RetryVerifiedID(ctx, r.ID, req1); err != nil {
		t.Fatalf("third attempt = %v", err)
	}
	ev = presented(h.verifier.ask(t, 3).State, "alice@contoso.com", 10)
	ev.RequestID = "pres-3"
	if err := h.svc.PresentationUpdate(ctx, ev); err != nil {
		t.Fatal(err)
	}
	_, err := h.svc.RetryVerifiedID(ctx, r.ID, req1)
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), "was started 3 times, the most tapbot allows") {
		t.Fatalf("fourth attempt = %q", ErrorMessage(err))
	}
}

// TestEachTenantStartsVerifiedIDWithItsOwnVerifier: a tenant's Verified
// ID is its own (its verifier DID, its token), so a request is verified by
// its tenant's verifier, and a tenant without one refuses the step.
func TestEachTenantStartsVerifiedIDWithItsOwnVerifier(t *testing.T) {
	store, err := Open(filepath.Join(t.TempDir(), "tapbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	contoso, fabrikam := newFakeTenant(), newFakeTenant()
	fabrikam.users = map[string]Target{"frank@fabrikam.com": {ID: "id-frank", UPN: "frank@fabrikam.com", AccountEnabled: true, UserType: "Member"}}
	own := &fakeVerifier{now: clk.Now}
	verified := func(p Policy) Policy {
		p.Authorizer = NewStaticAuthorizer([]string{req1.Key()}, []string{appr1.Key()})
		p.Verify.Steps = []string{StepVerifiedID}
		return p
	}
	tenants, err := NewTenants([]TenantConfig{
		{Name: "contoso", ID: "11111111-1111-1111-1111-111111111111", Domains: []string{"contoso.com"}, Graph: contoso, Policy: verified},
		{Name: "fabrikam", ID: "22222222-2222-2222-2222-222222222222", Domains: []string{"fabrikam.com"}, Graph: fabrikam, Policy: verified, Verifier: own},
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(Config{Store: store, Tenants: tenants, Policy: Policy{Authorizer: NewStaticAuthorizer(nil, nil)},
		Notifiers: map[string]Notifier{"slack": newFakeNotifier()}, Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { _ = svc.Shutdown(context.Background()) })
	ctx := context.Background()

	r, err := svc.Raise(ctx, RaiseInput{Requester: req1, UPN: "frank@fabrikam.com"})
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Verify.VerifiedID; v.State != VerifiedIDStarted || own.ask(t, 1).Target.UPN != "frank@fabrikam.com" {
		t.Fatalf("fabrikam's step = %+v, want it started by fabrikam's verifier", v)
	}
	_, err = svc.Raise(ctx, RaiseInput{Requester: req1, UPN: "alice@contoso.com"})
	wantCode(t, err, EUNAVAILABLE)
	if !strings.Contains(ErrorMessage(err), "no Verified ID verifier configured") {
		t.Fatalf("contoso without a verifier: %v", err)
	}
}
