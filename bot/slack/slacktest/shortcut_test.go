package slacktest

import (
	"encoding/json"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestShortcutIsTheGlobalShortcutPayloadSlackSends(t *testing.T) {
	srv, _ := newWorkspace(t)
	in, err := srv.Shortcut("U1", "tap_request")
	if err != nil {
		t.Fatal(err)
	}
	p := decoded(t, in)
	if p["type"] != "shortcut" || p["callback_id"] != "tap_request" || p["trigger_id"] != in.TriggerID || in.TriggerID == "" ||
		at(p, "user", "id") != "U1" || at(p, "user", "username") != "alice" || at(p, "user", "team_id") != TeamID ||
		at(p, "team", "id") != TeamID || p["token"] != VerificationToken || p["action_ts"] == "" {
		t.Fatalf("payload = %s", in.Payload)
	}
	cb := parseForm(t, in)
	if cb.Type != slack.InteractionTypeShortcut || cb.CallbackID != "tap_request" || cb.TriggerID != in.TriggerID || cb.User.ID != "U1" {
		t.Fatalf("slack-go read %+v", cb)
	}
	if _, err := srv.Shortcut("U9", "tap_request"); err == nil {
		t.Fatal("a deactivated user used a shortcut")
	}
}

func TestShortcutOverSocketModeAcceptsNoResponsePayload(t *testing.T) {
	srv, _ := newWorkspace(t)
	client := startSocketClient(t, srv)
	ctx := testContext(t)
	in, err := srv.Shortcut("U1", "tap_request")
	if err != nil {
		t.Fatal(err)
	}

	acked := send(func() (json.RawMessage, error) {
		ans, err := srv.DeliverInteraction(ctx, in)
		return ans.Body, err
	})
	evt := nextEvent(ctx, t, client, socketmode.EventTypeInteractive)
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok || cb.Type != slack.InteractionTypeShortcut || cb.CallbackID != "tap_request" || evt.Request.AcceptsResponsePayload {
		t.Fatalf("event = %+v", evt)
	}
	if err := client.Ack(*evt.Request); err != nil {
		t.Fatal(err)
	}
	if res := <-acked; res.err != nil || res.payload != nil {
		t.Fatalf("ack = %s, %v", res.payload, res.err)
	}
}

func TestClickViewSendsABlockActionFromTheHomeTab(t *testing.T) {
	srv, api := newWorkspace(t)
	resp, err := api.PublishViewContext(testContext(t), slack.PublishViewContextRequest{UserID: "U1", View: homeTab("Waiting for your approval: none")})
	if err != nil {
		t.Fatal(err)
	}

	in, err := srv.ClickView("U1", resp.ID, "tap_new")
	if err != nil {
		t.Fatal(err)
	}
	p := decoded(t, in)
	if p["type"] != "block_actions" || at(p, "container", "type") != "view" || at(p, "container", "view_id") != resp.ID ||
		at(p, "view", "id") != resp.ID || at(p, "view", "type") != "home" || p["trigger_id"] != in.TriggerID || p["response_url"] != nil {
		t.Fatalf("payload = %s", in.Payload)
	}
	cb := parseForm(t, in)
	if len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("actions = %+v", cb.ActionCallback)
	}
	a := cb.ActionCallback.BlockActions[0]
	if a.ActionID != "tap_new" || a.Value != "new" || a.BlockID != "mine" || cb.View.ID != resp.ID || cb.Container.ViewID != resp.ID || cb.User.ID != "U1" {
		t.Fatalf("slack-go read action %+v in %+v", a, cb)
	}

	if _, err := srv.ClickView("U2", resp.ID, "tap_new"); err == nil {
		t.Fatal("U2 clicked in U1's Home tab")
	}
	if _, err := srv.ClickView("U1", resp.ID, "tap_delete"); err == nil {
		t.Fatal("clicked a button the Home tab does not have")
	}
}
