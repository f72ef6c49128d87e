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
)

const (
	appID    = "b07b07b0-7b07-4b07-8b07-b07b07b07b07"
	password = "secret-value"
	channel  = "19:approvals@thread.tacv2"
)

func newServer(t *testing.T) *teamstest.Server {
	t.Helper()
	s := teamstest.NewServer(appID, password)
	t.Cleanup(s.Close)
	s.AddChannel(channel, "tap-approvals")
	return s
}

// token asks the fake token endpoint of tenant for a bot token.
func token(t *testing.T, s *teamstest.Server, tenant, secret string) (int, string) {
	t.Helper()
	resp, err := http.PostForm(s.TokenURL(tenant), url.Values{
		"grant_type": {"client_credentials"}, "client_id": {appID}, "client_secret": {secret}, "scope": {teamstest.Scope},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error_description"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.AccessToken + body.Error
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

func TestTokenEndpointAnswersAsEntraDoes(t *testing.T) {
	tests := []struct {
		name, tenant, secret string
		multi                bool
		status               int
		answer               string
	}{
		{"single tenant at its tenant", teamstest.TenantID, password, false, http.StatusOK, "fake-bf-token-"},
		{"single tenant at botframework.com", teamstest.MultiTenantAuthority, password, false, http.StatusBadRequest, "AADSTS700016"},
		{"multi tenant at botframework.com", teamstest.MultiTenantAuthority, password, true, http.StatusOK, "fake-bf-token-"},
		{"wrong secret", teamstest.TenantID, "guess", false, http.StatusUnauthorized, "AADSTS7000215"},
		{"unknown tenant", "contoso.example", password, false, http.StatusBadRequest, "AADSTS90002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			s.SetMultiTenant(tt.multi)
			status, answer := token(t, s, tt.tenant, tt.secret)
			if status != tt.status || !strings.Contains(answer, tt.answer) {
				t.Fatalf("HTTP %d %q, want %d %q", status, answer, tt.status, tt.answer)
			}
			if reqs := s.TokenRequests(); len(reqs) != 1 || reqs[0].Tenant != tt.tenant || reqs[0].Granted != (tt.status == http.StatusOK) {
				t.Fatalf("recorded %+v", reqs)
			}
		})
	}
}

func TestConnectorNeedsAnIssuedToken(t *testing.T) {
	s := newServer(t)
	target := s.ServiceURL() + "v3/conversations/" + channel + "/activities"
	msg := map[string]any{"type": "message", "text": "hello"}
	if status, _ := call(t, http.MethodPost, target, "", msg); status != http.StatusUnauthorized {
		t.Fatalf("no token: HTTP %d", status)
	}
	if status, _ := call(t, http.MethodPost, target, "made-up", msg); status != http.StatusUnauthorized {
		t.Fatalf("made-up token: HTTP %d", status)
	}
	_, tok := token(t, s, teamstest.TenantID, password)
	status, body := call(t, http.MethodPost, target, tok, msg)
	if status != http.StatusCreated || !strings.Contains(body, `"id"`) {
		t.Fatalf("with token: HTTP %d %s", status, body)
	}
	if n := s.RefusedCalls(); n != 2 {
		t.Fatalf("%d refused calls recorded, want 2", n)
	}
	if acts := s.Activities(); len(acts) != 1 || acts[0].Text != "hello" || acts[0].ConvType != teamstest.TypeChannel {
		t.Fatalf("recorded %+v", acts)
	}
}

func TestUpdateReplacesAndDeleteRemovesAMessage(t *testing.T) {
	s := newServer(t)
	_, tok := token(t, s, teamstest.TenantID, password)
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
	if status, _ := call(t, http.MethodDelete, at, tok, nil); status != http.StatusOK {
		t.Fatalf("delete: HTTP %d", status)
	}
	if _, ok := s.Current(channel, sent.ID); ok {
		t.Fatal("the deleted message is still there")
	}
	if status, _ := call(t, http.MethodPut, at, tok, map[string]any{"type": "message"}); status != http.StatusNotFound {
		t.Fatalf("update of a deleted message: HTTP %d", status)
	}
}

func TestOneToOneChatOpensOnlyForUsersWithTheApp(t *testing.T) {
	s := newServer(t)
	with := s.AddUser(teamstest.User{Name: "With App", Personal: true})
	without := s.AddUser(teamstest.User{Name: "Without App"})
	_, tok := token(t, s, teamstest.TenantID, password)
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
	s := newServer(t)
	owner := s.AddUser(teamstest.User{Name: "Owner", Personal: true})
	other := s.AddUser(teamstest.User{Name: "Other", Personal: true})
	_, tok := token(t, s, teamstest.TenantID, password)
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
