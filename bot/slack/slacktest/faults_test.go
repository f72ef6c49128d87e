package slacktest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestFailMethodFailsExactlyTheNextNCalls(t *testing.T) {
	srv, api := newWorkspace(t)
	srv.FailMethod("chat.postEphemeral", "fatal_error", 2)
	ctx := testContext(t)

	var got []string
	for range 3 {
		_, err := api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("pass", false))
		got = append(got, slackError(err))
	}
	if got[0] != "fatal_error" || got[1] != "fatal_error" || got[2] != "" {
		t.Fatalf("errors = %q; want two fatal_error then success", got)
	}
	if n := srv.CallCount("chat.postEphemeral"); n != 3 {
		t.Fatalf("CallCount = %d, want 3", n)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("recorded %d messages, want only the accepted one", n)
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	srv, api := newWorkspace(t)
	srv.RateLimit("chat.postMessage", 1, 1500*time.Millisecond)
	ctx := testContext(t)

	_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("card", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Fatalf("error = %v; want *slack.RateLimitedError retrying after 2s (1.5s rounded up)", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("card", false)); err != nil {
		t.Fatalf("the call after the limit: %v", err)
	}
}

func TestFaultsApplyInTheOrderInjected(t *testing.T) {
	srv, api := newWorkspace(t)
	srv.RateLimit("users.info", 1, time.Second)
	srv.FailMethod("users.info", "internal_error", 1)
	ctx := testContext(t)

	_, err1 := api.GetUserInfoContext(ctx, "U1")
	_, err2 := api.GetUserInfoContext(ctx, "U1")
	_, err3 := api.GetUserInfoContext(ctx, "U1")
	var rl *slack.RateLimitedError
	if !errors.As(err1, &rl) || slackError(err2) != "internal_error" || err3 != nil {
		t.Fatalf("errors = %v, %v, %v; want rate limit, internal_error, success", err1, err2, err3)
	}
}

func TestRefusedTokensDoNotUseUpFaults(t *testing.T) {
	srv, api := newWorkspace(t)
	srv.FailMethod("auth.test", "account_inactive", 1)
	ctx := testContext(t)

	wrong := slack.New("xoxb-wrong", slack.OptionAPIURL(srv.APIURL()))
	if _, err := wrong.AuthTestContext(ctx); slackError(err) != "invalid_auth" {
		t.Fatalf("wrong token: %v, want invalid_auth", err)
	}
	if _, err := api.AuthTestContext(ctx); slackError(err) != "account_inactive" {
		t.Fatalf("right token: %v, want the injected account_inactive", err)
	}
}

func TestCallsListsEveryMethodInTheOrderItArrived(t *testing.T) {
	srv, api := newWorkspace(t)
	srv.FailMethod("chat.postEphemeral", "channel_not_found", 1)
	ctx := testContext(t)
	_, _, _ = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("card", false))
	_, _ = api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("refused", false))
	_, _, _, _ = api.UpdateMessageContext(ctx, "C1", "1.0", slack.MsgOptionText("card", false))
	got, want := srv.CallNames(), []string{"chat.postMessage", "chat.postEphemeral", "chat.update"}
	if !slices.Equal(got, want) {
		t.Fatalf("Calls() = %q, want %q (refused calls too)", got, want)
	}
}
