package slacktest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestAuthTestIdentifiesTheBotAndListsScopes(t *testing.T) {
	srv, api := newWorkspace(t)
	srv.SetScopes("commands", "chat:write")

	resp, err := api.AuthTestContext(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if resp.UserID != BotUserID || resp.BotID != BotID || resp.TeamID != TeamID || resp.Team != TeamName ||
		resp.URL != "https://"+TeamDomain+".slack.com/" {
		t.Fatalf("auth.test = %+v", resp)
	}
	if got := resp.Header.Get("X-OAuth-Scopes"); got != "commands,chat:write" {
		t.Fatalf("X-OAuth-Scopes = %q", got)
	}
}

func TestCallsWithoutTheBotTokenAreRefused(t *testing.T) {
	tests := []struct {
		name, token, want string
	}{
		{"no token", "", "not_authed"},
		{"wrong token", "xoxb-someone-else", "invalid_auth"},
		{"app-level token", testAppToken, "not_allowed_token_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newWorkspace(t)
			srv.EnableSocketMode(testAppToken)
			api := slack.New(tt.token, slack.OptionAPIURL(srv.APIURL()))
			_, _, err := api.PostMessageContext(testContext(t), "C1", slack.MsgOptionText("hi", false))
			if got := slackError(err); got != tt.want {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if len(srv.Messages()) != 0 {
				t.Fatal("an unauthenticated message was recorded")
			}
		})
	}
}

func TestMissingScopeSaysWhichIsNeeded(t *testing.T) {
	srv, api := newWorkspace(t)
	srv.SetScopes("commands", "users:read")

	_, _, err := api.PostMessageContext(testContext(t), "C1", slack.MsgOptionText("hi", false))
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "missing_scope" || se.Needed != "chat:write" || se.Provided != "commands,users:read" {
		t.Fatalf("error = %#v, want missing_scope needing chat:write", err)
	}
}

func TestBearerHeaderAuthenticatesFormCalls(t *testing.T) {
	srv, _ := newWorkspace(t)
	body := postRaw(t, srv, "users.info", url.Values{"user": {"U2"}}, "Bearer "+testBotToken)
	if body["ok"] != true {
		t.Fatalf("users.info with bearer header = %v", body)
	}
}

func TestUnknownMethodIsUnknownMethod(t *testing.T) {
	srv, _ := newWorkspace(t)
	body := postRaw(t, srv, "chat.teleport", url.Values{"token": {testBotToken}}, "")
	if body["ok"] != false || body["error"] != "unknown_method" {
		t.Fatalf("answer = %v, want unknown_method", body)
	}
	if srv.CallCount("chat.teleport") != 1 {
		t.Fatalf("CallCount = %d, want 1", srv.CallCount("chat.teleport"))
	}
}

// postRaw calls a Web API method without slack-go and decodes the answer.
func postRaw(t *testing.T, srv *Server, method string, form url.Values, authorization string) map[string]any {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodPost, srv.APIURL()+method, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode %s answer: %v", method, err)
	}
	return body
}
