package slacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// homeOpened parses ev with slack-go as a bot's Events API handler does.
func homeOpened(t *testing.T, ev Event) (slackevents.EventsAPIEvent, *slackevents.AppHomeOpenedEvent) {
	t.Helper()
	outer, err := slackevents.ParseEvent(ev.Payload, slackevents.OptionNoVerifyToken())
	if err != nil {
		t.Fatalf("slack-go cannot parse the event: %v", err)
	}
	inner, ok := outer.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok {
		t.Fatalf("inner event = %#v", outer.InnerEvent.Data)
	}
	return outer, inner
}

func TestAppHomeOpenedCarriesTheDMAndThePublishedView(t *testing.T) {
	srv, api := newWorkspace(t)
	ev, err := srv.AppHomeOpened("U1")
	if err != nil {
		t.Fatal(err)
	}
	outer, inner := homeOpened(t, ev)
	dm, _ := srv.IMChannel("U1")
	if ev.Type != "app_home_opened" || outer.Type != slackevents.CallbackEvent || outer.TeamID != TeamID || outer.APIAppID != AppID ||
		inner.User != "U1" || inner.Channel != dm || !strings.HasPrefix(dm, "D") || inner.Tab != "home" || inner.View != nil || inner.EventTimeStamp == "" {
		t.Fatalf("first opening: %+v / %+v", outer, inner)
	}

	resp, err := api.PublishViewContext(testContext(t), slack.PublishViewContextRequest{UserID: "U1", View: homeTab("Your requests")})
	if err != nil {
		t.Fatal(err)
	}
	ev, _ = srv.AppHomeOpened("U1")
	if _, inner := homeOpened(t, ev); inner.View == nil || inner.View.ID != resp.ID || inner.Channel != dm {
		t.Fatalf("after a publish: %+v", inner)
	}
	if _, err := srv.AppHomeOpened("U9"); err == nil {
		t.Fatal("a deactivated user opened the Home tab")
	}
}

func TestPostEventSignsAJSONBody(t *testing.T) {
	srv, _ := newWorkspace(t)
	var got slackevents.EventsAPIEvent
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sv, err := slack.NewSecretsVerifier(r.Header, testSigningSecret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got, _ = slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	}))
	t.Cleanup(bot.Close)
	ev, _ := srv.AppHomeOpened("U2")

	if status, err := srv.PostEvent(testContext(t), bot.URL, testSigningSecret, ev); err != nil || status != http.StatusOK {
		t.Fatalf("PostEvent = %d, %v", status, err)
	}
	if inner, ok := got.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); !ok || inner.User != "U2" {
		t.Fatalf("the bot read %+v", got)
	}
	if status, _ := srv.PostEvent(testContext(t), bot.URL, "wrong-secret", ev); status != http.StatusUnauthorized {
		t.Fatalf("wrongly signed event: HTTP %d, want 401", status)
	}
}

func TestSendEventDeliversAnEventsAPIEnvelope(t *testing.T) {
	srv, _ := newWorkspace(t)
	client := startSocketClient(t, srv)
	ctx := testContext(t)
	ev, _ := srv.AppHomeOpened("U1")

	acked := send(func() (json.RawMessage, error) { return nil, srv.SendEvent(ctx, ev) })
	evt := nextEvent(ctx, t, client, socketmode.EventTypeEventsAPI)
	outer, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok || evt.Request.AcceptsResponsePayload {
		t.Fatalf("event = %+v", evt)
	}
	if inner, ok := outer.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); !ok || inner.User != "U1" || inner.Tab != "home" {
		t.Fatalf("inner event = %#v", outer.InnerEvent.Data)
	}
	if err := client.Ack(*evt.Request); err != nil {
		t.Fatal(err)
	}
	if res := <-acked; res.err != nil {
		t.Fatal(res.err)
	}
}
