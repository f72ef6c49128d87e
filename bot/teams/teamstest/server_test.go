package teamstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

const (
	appID    = "b07b07b0-7b07-4b07-8b07-b07b07b07b07"
	password = "secret-value"
	channel  = "19:approvals@thread.tacv2"
)

// newServer starts the fake and the Entra fake the bot gets its token from.
func newServer(t *testing.T) (*teamstest.Server, *graphtest.Server) {
	t.Helper()
	login := graphtest.NewServer()
	t.Cleanup(login.Close)
	s := teamstest.NewServer(appID, password, login)
	t.Cleanup(s.Close)
	s.AddChannel(channel, "tap-approvals")
	return s, login
}

// token asks the Entra fake for a Bot Connector token as client with secret.
func token(t *testing.T, login *graphtest.Server, client, secret string) string {
	t.Helper()
	resp, err := login.Client().PostForm(login.AuthorityHost()+teamstest.TenantID+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {secret}, "scope": {teamstest.Scope},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("no token for %s: HTTP %d %v", client, resp.StatusCode, err)
	}
	return body.AccessToken
}

// call sends a connector request with bearer token and returns the status
// and body.
func call(t *testing.T, method, target, bearer string, body any) (int, string) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, target, bytes.NewReader(data))
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func TestConnectorNeedsAnIssuedToken(t *testing.T) {
	s, login := newServer(t)
	target := s.ServiceURL() + "v3/conversations/" + channel + "/activities"
	msg := map[string]any{"type": "message", "text": "hello"}
	if status, _ := call(t, http.MethodPost, target, "", msg); status != http.StatusUnauthorized {
		t.Fatalf("no token: HTTP %d", status)
	}
	if status, _ := call(t, http.MethodPost, target, "made-up", msg); status != http.StatusUnauthorized {
		t.Fatalf("made-up token: HTTP %d", status)
	}
	other := token(t, login, "f00f00f0-0f00-4f00-8f00-f00f00f00f00", "another app's secret")
	if status, _ := call(t, http.MethodPost, target, other, msg); status != http.StatusUnauthorized {
		t.Fatalf("another app's token: HTTP %d", status)
	}
	tok := token(t, login, appID, password)
	status, body := call(t, http.MethodPost, target, tok, msg)
	if status != http.StatusCreated || !strings.Contains(body, `"id"`) {
		t.Fatalf("with token: HTTP %d %s", status, body)
	}
	if n := s.RefusedCalls(); n != 3 {
		t.Fatalf("%d refused calls recorded, want 3", n)
	}
	if acts := s.Activities(); len(acts) != 1 || acts[0].Text != "hello" || acts[0].ConvType != teamstest.TypeChannel {
		t.Fatalf("recorded %+v", acts)
	}
}

func TestUpdateReplacesAMessageAndOnlyAKnownOne(t *testing.T) {
	s, login := newServer(t)
	tok := token(t, login, appID, password)
	_, body := call(t, http.MethodPost, s.ServiceURL()+"v3/conversations/"+channel+"/activities", tok, map[string]any{"type": "message", "text": "v1"})
	var sent struct{ ID string }
	_ = json.Unmarshal([]byte(body), &sent)
	at := s.ServiceURL() + "v3/conversations/" + channel + "/activities/" + sent.ID
	if status, _ := call(t, http.MethodPut, at, tok, map[string]any{"type": "message", "text": "v2"}); status != http.StatusOK {
		t.Fatalf("update: HTTP %d", status)
	}
	if cur, ok := s.Current(channel, sent.ID); !ok || cur.Text != "v2" {
		t.Fatalf("current %+v", cur)
	}
	if status, _ := call(t, http.MethodPut, at+"0", tok, map[string]any{"type": "message"}); status != http.StatusNotFound {
		t.Fatalf("update of a message never sent: HTTP %d", status)
	}
}

func TestOneToOneChatOpensOnlyForUsersWithTheApp(t *testing.T) {
	s, login := newServer(t)
	with := s.AddUser(teamstest.User{Name: "With App", Personal: true})
	without := s.AddUser(teamstest.User{Name: "Without App"})
	tok := token(t, login, appID, password)
	open := func(u teamstest.User) (int, string) {
		return call(t, http.MethodPost, s.ServiceURL()+"v3/conversations", tok, map[string]any{
			"bot": map[string]any{"id": s.BotID()}, "members": []any{map[string]any{"id": u.TeamsID}}, "tenantId": teamstest.TenantID,
		})
	}
	if status, body := open(with); status != http.StatusCreated || !strings.Contains(body, s.PersonalConversation(with)) {
		t.Fatalf("user with the app: HTTP %d %s", status, body)
	}
	if status, body := open(without); status != http.StatusForbidden || !strings.Contains(body, "not installed") {
		t.Fatalf("user without the app: HTTP %d %s", status, body)
	}
}

func TestClickNeedsTheButtonAndTheChatsOwner(t *testing.T) {
	s, login := newServer(t)
	owner := s.AddUser(teamstest.User{Name: "Owner", Personal: true})
	other := s.AddUser(teamstest.User{Name: "Other", Personal: true})
	tok := token(t, login, appID, password)
	card := map[string]any{"type": "AdaptiveCard", "actions": []any{map[string]any{"type": "Action.Submit", "title": "Done", "data": map[string]any{"action": "done", "requestId": "TAP-AAAAAA"}}}}
	call(t, http.MethodPost, s.ServiceURL()+"v3/conversations/"+s.PersonalConversation(owner)+"/activities", tok,
		map[string]any{"type": "message", "attachments": []any{map[string]any{"contentType": teamstest.AdaptiveCardType, "content": card}}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := s.WaitFor(ctx, teamstest.Sent(s.PersonalConversation(owner)))
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Click(owner, m, "done")
	if err != nil || a.Value["requestId"] != "TAP-AAAAAA" || a.ReplyToID != m.ID {
		t.Fatalf("owner's click: %+v %v", a, err)
	}
	if _, err := s.Click(owner, m, "approve"); err == nil {
		t.Fatal("a click on a missing button succeeded")
	}
	if _, err := s.Click(other, m, "done"); err == nil {
		t.Fatal("a click in someone else's 1:1 chat succeeded")
	}
}
