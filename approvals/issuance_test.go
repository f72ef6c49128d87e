package approvals

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestCreateThatMayHaveLeftALivePassIsLoggedLoudlyAndToldEveryone(t *testing.T) {
	h := newHarness(t, nil)
	h.tenant.createErr = &Error{Code: EUNAVAILABLE,
		Message: "Microsoft Graph is not answering. A pass may have been created anyway, and tapbot could not delete it: delete it in the Entra admin center.",
		Err:     fmt.Errorf("create TAP: EOF: %w", ErrPassMayBeLive)}
	r := h.raise(t, RaiseInput{})
	got, err := h.svc.Approve(context.Background(), r.ID, appr1)
	wantCode(t, err, EUNAVAILABLE)
	if got.State != StateFailed || !strings.Contains(got.FailureReason, "could not delete it") {
		t.Fatalf("request = %+v", got)
	}
	if !strings.Contains(h.logs.String(), "PASS MAY BE LIVE THAT NOBODY HOLDS") {
		t.Fatalf("no loud log line:\n%s", h.logs.String())
	}
	if n := h.chat.notices; len(n) == 0 || !strings.Contains(n[len(n)-1].Text, "could not delete it") {
		t.Fatalf("requester not told: %+v", n)
	}
}

func TestCreateRefusedOutrightIsNotLoggedAsLive(t *testing.T) {
	h := newHarness(t, nil)
	h.tenant.createErr = Errorf(EINVALID, "The tenant's policy refuses the pass.")
	r := h.raise(t, RaiseInput{})
	if _, err := h.svc.Approve(context.Background(), r.ID, appr1); err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(h.logs.String(), "PASS MAY BE LIVE") {
		t.Fatalf("a refused create was logged as a live pass:\n%s", h.logs.String())
	}
}
