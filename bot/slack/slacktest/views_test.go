package slacktest

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func denyModal(title string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		Title:      slack.NewTextBlockObject(slack.PlainTextType, title, false, false),
		Submit:     slack.NewTextBlockObject(slack.PlainTextType, "Deny", false, false),
		CallbackID: "deny-reason",
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("reason", slack.NewTextBlockObject(slack.PlainTextType, "Reason", false, false), nil,
				slack.NewPlainTextInputBlockElement(nil, "reason")),
		}},
	}
}

func TestOpenViewRecordsTheModalAndReturnsAViewID(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)

	resp, err := api.OpenViewContext(ctx, "1700000001.42.abc", denyModal("Deny request"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resp.ID, "V") || resp.CallbackID != "deny-reason" || resp.TeamID != TeamID {
		t.Fatalf("view = %+v", resp.View)
	}
	m, err := srv.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != KindOpenView || m.TriggerID != "1700000001.42.abc" || m.Text != "Deny request" || len(m.Blocks) == 0 {
		t.Fatalf("recorded %+v", m)
	}
}

func TestOpenViewRefusesATitleOver24Characters(t *testing.T) {
	srv, api := newWorkspace(t)
	_, err := api.OpenViewContext(testContext(t), "1.2.3", denyModal(strings.Repeat("t", 25)))
	if slackError(err) != "invalid_arguments" {
		t.Fatalf("error = %v, want invalid_arguments", err)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("a refused view was recorded")
	}
}
