package slacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// decoded unmarshals an interaction payload into plain maps.
func decoded(t *testing.T, in Interaction) map[string]any {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(in.Payload, &p); err != nil {
		t.Fatalf("payload is not JSON: %v", err)
	}
	return p
}

// at walks a decoded payload along keys.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// asJSON marshals v, for comparing decoded parts with Slack's shapes.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// newYorker adds a technician whose Slack time zone is America/New_York.
func newYorker(srv *Server) string {
	srv.AddUser(User{ID: "U5", Name: "nina", RealName: "Nina Night", TZ: "America/New_York"})
	return "U5"
}

func TestViewSubmissionCarriesTheStateSlackSends(t *testing.T) {
	srv, api := newWorkspace(t)
	nina := newYorker(srv)
	v := openModal(t, srv, api, nina, requestForm())

	in, err := srv.ViewSubmission(nina, v.ID, Entries{"user": "bob@contoso.com", "once": "yes", "start": "2025-03-01 09:00", "where": "C1"})
	if err != nil {
		t.Fatal(err)
	}
	p := decoded(t, in)
	if p["type"] != "view_submission" || at(p, "user", "id") != nina || at(p, "user", "username") != "nina" ||
		at(p, "team", "id") != TeamID || p["api_app_id"] != AppID || p["token"] != VerificationToken ||
		p["trigger_id"] != in.TriggerID || in.TriggerID == "" || at(p, "view", "id") != v.ID {
		t.Fatalf("payload = %s", in.Payload)
	}
	if at(p, "view", "callback_id") != "tap-request" || at(p, "view", "private_metadata") != `{"channel":"C1"}` || at(p, "view", "hash") == "" {
		t.Fatalf("view = %s", asJSON(t, p["view"]))
	}
	ninaMorning := time.Date(2025, 3, 1, 9, 0, 0, 0, mustLoad(t, "America/New_York")).Unix()
	values := at(p, "view", "state", "values")
	for _, tc := range []struct{ block, action, want string }{
		{"user", "upn", `{"type":"plain_text_input","value":"bob@contoso.com"}`},
		{"once", "once", `{"selected_option":{"text":{"emoji":false,"text":"One-time use","type":"plain_text"},"value":"yes"},"type":"radio_buttons"}`},
		{"start", "start", `{"selected_date_time":` + jsonInt(ninaMorning) + `,"type":"datetimepicker"}`},
		{"reason", "reason", `{"type":"plain_text_input","value":null}`},
		{"where", "where", `{"selected_conversation":"C1","type":"conversations_select"}`},
	} {
		if got := asJSON(t, at(values, tc.block, tc.action)); got != tc.want {
			t.Errorf("state of %s = %s, want %s", tc.block, got, tc.want)
		}
	}
	if got := at(values, "duration", "duration", "selected_option", "value"); got != "2h" {
		t.Errorf("duration = %v, want the initial option 2h", got)
	}
	urls, _ := p["response_urls"].([]any)
	if len(urls) != 1 || at(urls[0], "block_id") != "where" || at(urls[0], "channel_id") != "C1" ||
		!strings.HasPrefix(at(urls[0], "response_url").(string), srv.URL+"/response/") {
		t.Fatalf("response_urls = %s", asJSON(t, p["response_urls"]))
	}
}

func TestViewSubmissionRoundTripsThroughSlackGo(t *testing.T) {
	srv, api := newWorkspace(t)
	v := openModal(t, srv, api, "U1", requestForm())
	in, err := srv.ViewSubmission("U1", v.ID, Entries{"user": "bob@contoso.com", "once": "no", "duration": "8h", "start": "1740837600", "where": "C1"})
	if err != nil {
		t.Fatal(err)
	}

	cb := parseForm(t, in)
	state := cb.View.State.Values
	if cb.Type != slack.InteractionTypeViewSubmission || cb.User.ID != "U1" || cb.View.ID != v.ID || cb.View.CallbackID != "tap-request" ||
		state["user"]["upn"].Value != "bob@contoso.com" || state["duration"]["duration"].SelectedOption.Value != "8h" ||
		state["once"]["once"].SelectedOption.Value != "no" || state["start"]["start"].SelectedDateTime != 1740837600 ||
		state["where"]["where"].SelectedConversation != "C1" || len(cb.ResponseURLs) != 1 || cb.ResponseURLs[0].ChannelID != "C1" {
		t.Fatalf("slack-go read %+v", cb)
	}
	if _, _, _, err := api.SendMessage("", slack.MsgOptionResponseURL(cb.ResponseURLs[0].ResponseURL, slack.ResponseTypeEphemeral), slack.MsgOptionText("Asked for approval", false)); err != nil {
		t.Fatalf("post to the submission's response URL: %v", err)
	}
	if m, err := srv.WaitFor(testContext(t), IsKind(KindResponseURL)); err != nil || m.Channel != "C1" {
		t.Fatalf("recorded %+v, %v", m, err)
	}
}

// parseForm posts in's form the way Slack does and reads it back with
// slack-go, as a bot's HTTP handler does.
func parseForm(t *testing.T, in Interaction) slack.InteractionCallback {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/slack/interactions", strings.NewReader(in.Form().Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cb, err := slack.InteractionCallbackParse(req)
	if err != nil {
		t.Fatalf("slack-go cannot parse the %s: %v", in.Type, err)
	}
	return cb
}

// mustCallback decodes in with slack-go.
func mustCallback(t *testing.T, in Interaction) slack.InteractionCallback {
	t.Helper()
	cb, err := in.Callback()
	if err != nil {
		t.Fatal(err)
	}
	return cb
}

func TestViewSubmissionRefusesWhatSlackWouldNotSend(t *testing.T) {
	tests := []struct {
		name    string
		user    string
		entries Entries
	}{
		{"a required input left empty", "U1", Entries{"user": "", "once": "yes"}},
		{"a required input never filled", "U1", Entries{"user": "bob@contoso.com"}},
		{"no such input block", "U1", Entries{"user": "bob@contoso.com", "once": "yes", "ticket": "INC-1"}},
		{"an option the select does not offer", "U1", Entries{"user": "bob@contoso.com", "once": "yes", "duration": "3d"}},
		{"text longer than max_length", "U1", Entries{"user": "bob@contoso.com", "once": "yes", "reason": strings.Repeat("r", 41)}},
		{"a date-time that is none", "U1", Entries{"user": "bob@contoso.com", "once": "yes", "start": "tomorrow"}},
		{"a conversation that does not exist", "U1", Entries{"user": "bob@contoso.com", "once": "yes", "where": "C404"}},
		{"someone else's modal", "U2", Entries{"user": "bob@contoso.com", "once": "yes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newWorkspace(t)
			v := openModal(t, srv, api, "U1", requestForm())
			if in, err := srv.ViewSubmission(tt.user, v.ID, tt.entries); err == nil {
				t.Fatalf("submitted %s", in.Payload)
			}
		})
	}
}

func TestAnswerDoesWhatTheResponseActionSays(t *testing.T) {
	answer := func(r *slack.ViewSubmissionResponse) string {
		b, _ := json.Marshal(r)
		return string(b)
	}
	deny := denyModal("Deny")
	tests := []struct {
		name       string
		status     int
		body       string
		wantErr    bool
		wantOpen   bool   // U1 still sees a modal
		wantKind   string // recorded, "" for nothing
		wantErrors bool
	}{
		{"empty answer closes the view", 200, "", false, false, "", false},
		{"errors keep the modal open", 200, answer(slack.NewErrorsViewSubmissionResponse(map[string]string{"user": "No user bob@contoso.com in the tenant."})), false, true, KindViewErrors, true},
		{"update replaces the view", 200, answer(slack.NewUpdateViewSubmissionResponse(&deny)), false, true, KindUpdateView, false},
		{"push stacks a view", 200, answer(slack.NewPushViewSubmissionResponse(&deny)), false, true, KindPushView, false},
		{"clear closes the modal", 200, answer(slack.NewClearViewSubmissionResponse()), false, false, "", false},
		{"errors for a block that is no input", 200, answer(slack.NewErrorsViewSubmissionResponse(map[string]string{"nowhere": "x"})), true, true, "", false},
		{"unknown response_action", 200, `{"response_action":"close"}`, true, true, "", false},
		{"not JSON", 200, "ok", true, true, "", false},
		{"HTTP 500", 500, "", true, true, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newWorkspace(t)
			v := openModal(t, srv, api, "U1", requestForm())
			in, err := srv.ViewSubmission("U1", v.ID, Entries{"user": "bob@contoso.com", "once": "yes"})
			if err != nil {
				t.Fatal(err)
			}
			before := len(srv.Messages())

			ans, err := srv.Answer(in, tt.status, []byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Answer: %v, want error %v", err, tt.wantErr)
			}
			if _, open := srv.OpenModal("U1"); open != tt.wantOpen {
				t.Fatalf("modal open = %v, want %v", open, tt.wantOpen)
			}
			msgs := srv.Messages()[before:]
			if tt.wantKind == "" && len(msgs) != 0 || tt.wantKind != "" && (len(msgs) != 1 || msgs[0].Kind != tt.wantKind || msgs[0].ResponseAction != ans.ResponseAction) {
				t.Fatalf("recorded %+v, want one %q", msgs, tt.wantKind)
			}
			shown, _ := srv.View(v.ID)
			if (shown.Errors != nil) != tt.wantErrors || tt.wantErrors && (ans.Errors["user"] == "" || !strings.Contains(msgs[0].Text, "No user bob")) {
				t.Fatalf("view errors %v, answer %+v", shown.Errors, ans)
			}
		})
	}
}

func TestAPushedViewHidesTheOneUnderIt(t *testing.T) {
	srv, api := newWorkspace(t)
	v := openModal(t, srv, api, "U1", requestForm())
	in, _ := srv.ViewSubmission("U1", v.ID, Entries{"user": "bob@contoso.com", "once": "yes"})
	confirm := denyModal("Sure?")
	body, _ := json.Marshal(slack.NewPushViewSubmissionResponse(&confirm))
	if _, err := srv.Answer(in, 200, body); err != nil {
		t.Fatal(err)
	}
	top, _ := srv.OpenModal("U1")
	if top.PreviousViewID != v.ID || top.RootViewID != v.ID {
		t.Fatalf("pushed view = %+v", top)
	}
	if _, err := srv.ViewSubmission("U1", v.ID, nil); err == nil {
		t.Fatal("submitted a view hidden under another")
	}
	done, err := srv.ViewSubmission("U1", top.ID, Entries{"reason": "sure"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Answer(done, 200, nil); err != nil {
		t.Fatal(err)
	}
	if again, _ := srv.OpenModal("U1"); again.ID != v.ID {
		t.Fatalf("after closing the pushed view U1 sees %q, want %s again", again.ID, v.ID)
	}
}

func TestSubmittingAgainKeepsWhatWasEntered(t *testing.T) {
	srv, api := newWorkspace(t)
	v := openModal(t, srv, api, "U1", requestForm())
	first, _ := srv.ViewSubmission("U1", v.ID, Entries{"user": "bob@contoso.com", "once": "no", "reason": "new phone"})
	if _, err := srv.Answer(first, 200, []byte(`{"response_action":"errors","errors":{"user":"No such user."}}`)); err != nil {
		t.Fatal(err)
	}

	second, err := srv.ViewSubmission("U1", v.ID, Entries{"user": "robert@contoso.com"})
	if err != nil {
		t.Fatal(err)
	}
	state := mustCallback(t, second).View.State.Values
	if state["user"]["upn"].Value != "robert@contoso.com" || state["once"]["once"].SelectedOption.Value != "no" || state["reason"]["reason"].Value != "new phone" {
		t.Fatalf("second submission state = %+v", state)
	}
	if shown, _ := srv.View(v.ID); shown.Errors != nil {
		t.Fatalf("errors %v still shown after the person submitted again", shown.Errors)
	}
}

func TestAnswersReachTheLeakScan(t *testing.T) {
	srv, api := newWorkspace(t)
	v := openModal(t, srv, api, "U1", requestForm())
	in, _ := srv.ViewSubmission("U1", v.ID, Entries{"user": "bob@contoso.com", "once": "yes"})
	if _, err := srv.Answer(in, 200, []byte(`{"response_action":"errors","errors":{"user":"pass Xy\u0026Z1 leaked"}}`)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(srv.AllText(), "pass Xy&Z1 leaked") {
		t.Fatal("the answer's text is not in AllText")
	}
}

// signedBot is a bot's interactivity endpoint: it checks Slack's signature
// (401 otherwise), reads the payload with slack-go and answers what answer
// returns for it.
func signedBot(t *testing.T, answer func(slack.InteractionCallback) any) *httptest.Server {
	t.Helper()
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sv, err := slack.NewSecretsVerifier(r.Header, testSigningSecret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		form, _ := url.ParseQuery(string(body))
		var cb slack.InteractionCallback
		if err != nil || json.Unmarshal([]byte(form.Get("payload")), &cb) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if a := answer(cb); a != nil {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(a)
		}
	}))
	t.Cleanup(bot.Close)
	return bot
}

func TestPostInteractionSignsTheSubmissionAndAppliesTheAnswer(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	bot := signedBot(t, func(cb slack.InteractionCallback) any {
		if upn := cb.View.State.Values["user"]["upn"].Value; !strings.HasSuffix(upn, "@contoso.com") {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{"user": "Write the user's sign-in name, like bob@contoso.com."})
		}
		return nil
	})
	v := openModal(t, srv, api, "U1", requestForm())

	in, _ := srv.ViewSubmission("U1", v.ID, Entries{"user": "bob", "once": "yes"})
	ans, err := srv.PostInteraction(ctx, bot.URL, testSigningSecret, in)
	if err != nil || ans.Status != 200 || ans.ResponseAction != "errors" || !strings.Contains(ans.Errors["user"], "sign-in name") {
		t.Fatalf("answer = %+v, %v", ans, err)
	}
	if shown, _ := srv.View(v.ID); !shown.Open || shown.Errors["user"] == "" {
		t.Fatalf("after errors the view is %+v", shown)
	}

	in, _ = srv.ViewSubmission("U1", v.ID, Entries{"user": "bob@contoso.com"})
	if ans, err := srv.PostInteraction(ctx, bot.URL, testSigningSecret, in); err != nil || ans.ResponseAction != "" || ans.Body != nil {
		t.Fatalf("answer = %+v, %v", ans, err)
	}
	if _, open := srv.OpenModal("U1"); open {
		t.Fatal("an empty answer left the modal open")
	}

	v = openModal(t, srv, api, "U1", requestForm())
	in, _ = srv.ViewSubmission("U1", v.ID, Entries{"user": "bob@contoso.com", "once": "yes"})
	if ans, err := srv.PostInteraction(ctx, bot.URL, "wrong-secret", in); err == nil || ans.Status != http.StatusUnauthorized {
		t.Fatalf("wrongly signed: %+v, %v; want HTTP 401 and an error", ans, err)
	}
}

func TestDeliverInteractionSendsTheSubmissionOverSocketMode(t *testing.T) {
	srv, api := newWorkspace(t)
	client := startSocketClient(t, srv)
	ctx := testContext(t)
	v := openModal(t, srv, api, "U1", requestForm())
	in, err := srv.ViewSubmission("U1", v.ID, Entries{"user": "bob", "once": "yes"})
	if err != nil {
		t.Fatal(err)
	}

	type result struct {
		ans Answer
		err error
	}
	done := make(chan result, 1)
	go func() {
		ans, err := srv.DeliverInteraction(ctx, in)
		done <- result{ans, err}
	}()
	evt := nextEvent(ctx, t, client, socketmode.EventTypeInteractive)
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok || cb.Type != slack.InteractionTypeViewSubmission || cb.View.State.Values["user"]["upn"].Value != "bob" || !evt.Request.AcceptsResponsePayload {
		t.Fatalf("event = %+v", evt)
	}
	if err := client.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"user": "Write a sign-in name."})); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil || res.ans.ResponseAction != "errors" || res.ans.Errors["user"] != "Write a sign-in name." {
		t.Fatalf("answer = %+v, %v", res.ans, res.err)
	}
	if shown, _ := srv.View(v.ID); shown.Errors["user"] != "Write a sign-in name." {
		t.Fatalf("view errors = %v", shown.Errors)
	}
}

func TestCloseViewTellsTheBotOnlyWhenAsked(t *testing.T) {
	tests := []struct {
		name                        string
		notifyOnClose, clearOnClose bool
		wantNotify, wantCleared     bool
	}{
		{"silent", false, false, false, false},
		{"notify_on_close", true, false, true, false},
		{"clear_on_close", true, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newWorkspace(t)
			form := denyModal("Deny")
			form.NotifyOnClose, form.ClearOnClose = tt.notifyOnClose, tt.clearOnClose
			v := openModal(t, srv, api, "U1", form)

			in, notify, err := srv.CloseView("U1", v.ID)
			if err != nil || notify != tt.wantNotify {
				t.Fatalf("CloseView: notify %v, %v; want %v", notify, err, tt.wantNotify)
			}
			if _, open := srv.OpenModal("U1"); open {
				t.Fatal("the modal is still open")
			}
			if !notify {
				return
			}
			cb := mustCallback(t, in)
			if cb.Type != slack.InteractionTypeViewClosed || cb.View.ID != v.ID || cb.IsCleared != tt.wantCleared || cb.User.ID != "U1" {
				t.Fatalf("view_closed = %+v", cb)
			}
		})
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func mustLoad(t *testing.T, zone string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Skipf("no time zone data for %s: %v", zone, err)
	}
	return loc
}
