package slack

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/slack-go/slack"
)

// The lean decoding of a press gives what slack-go's own does, but for the
// message the button sat on.
func TestDecodeInteractionIsSlackGosWithoutTheMessage(t *testing.T) {
	for _, cb := range []slack.InteractionCallback{
		{Type: slack.InteractionTypeBlockActions, ResponseURL: "https://hooks.slack.com/actions/T1/1/x", TriggerID: "1.2.3",
			User: slack.User{ID: "U1", Name: "ann"}, Container: slack.Container{Type: "message", ChannelID: "C1", MessageTs: "1.2"},
			Message: slack.Message{Msg: slack.Msg{Text: "card", Blocks: slack.Blocks{BlockSet: []slack.Block{
				slack.NewActionBlock("acts", slack.NewButtonBlockElement("tap_approve", "TAP-ABC234", slack.NewTextBlockObject("plain_text", "Approve", false, false)))}}}},
			ActionCallback:   slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: "tap_approve", Value: "TAP-ABC234", BlockID: "acts"}}},
			BlockActionState: &slack.BlockActionStates{Values: map[string]map[string]slack.BlockAction{"b": {"a": {Value: "v"}}}}},
		{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U2"},
			View: slack.View{ID: "V1", CallbackID: "tap_form", PrivateMetadata: `{"channel":"C1"}`,
				State: &slack.ViewState{Values: map[string]map[string]slack.BlockAction{"upn": {"upn": {Value: "alice@contoso.com"}}}}}},
		{Type: slack.InteractionTypeDialogSubmission, DialogSubmissionCallback: slack.DialogSubmissionCallback{State: `"dialog state"`}, User: slack.User{ID: "U3"}},
	} {
		payload, err := json.Marshal(&cb)
		if err != nil {
			t.Fatal(err)
		}
		var want slack.InteractionCallback
		if err := json.Unmarshal(payload, &want); err != nil {
			t.Fatal(err)
		}
		got, err := decodeInteraction(payload)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Message.Blocks.BlockSet) != 0 {
			t.Errorf("%s: the message was decoded", cb.Type)
		}
		want.Message, want.OriginalMessage = slack.Message{}, slack.Message{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded\n%+v\nwant\n%+v", cb.Type, got, want)
		}
	}
	if _, err := decodeInteraction([]byte(`{"type":`)); err == nil {
		t.Error("a truncated payload decoded")
	}
}
