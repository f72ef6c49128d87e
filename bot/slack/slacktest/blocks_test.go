package slacktest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func section(text string) string {
	return fmt.Sprintf(`{"type":"section","text":{"type":"mrkdwn","text":%q}}`, text)
}

func button(actionID, text, style string) string {
	return fmt.Sprintf(`{"type":"button","action_id":%q,"text":{"type":"plain_text","text":%q},"value":"v","style":%q}`, actionID, text, style)
}

func input(element string) string {
	return `[{"type":"input","block_id":"i","label":{"type":"plain_text","text":"Label"},"element":` + element + `}]`
}

func option(value string) string {
	return fmt.Sprintf(`{"text":{"type":"plain_text","text":%q},"value":%q}`, value, value)
}

func TestValidateBlocksEnforcesSlackLimits(t *testing.T) {
	fifty := strings.TrimSuffix(strings.Repeat(`{"type":"divider"},`, 50), ",")
	tests := []struct {
		name   string
		blocks string
		want   string
	}{
		{"a tapbot card", `[` + section("*alice* asks") + `,{"type":"actions","block_id":"d","elements":[` + button("approve", "Approve", "primary") + `,` + button("deny", "Deny", "danger") + `]}]`, ""},
		{"50 blocks", `[` + fifty + `]`, ""},
		{"51 blocks", `[` + fifty + `,{"type":"divider"}]`, "invalid_blocks"},
		{"not an array", `{"type":"divider"}`, "invalid_blocks_format"},
		{"not JSON", `[{`, "invalid_blocks_format"},
		{"block without type", `[{"text":"x"}]`, "invalid_blocks"},
		{"section text of 3000", `[` + section(strings.Repeat("a", 3000)) + `]`, ""},
		{"section text of 3001", `[` + section(strings.Repeat("a", 3001)) + `]`, "invalid_blocks"},
		{"empty section text", `[` + section("") + `]`, "invalid_blocks"},
		{"section without text or fields", `[{"type":"section"}]`, "invalid_blocks"},
		{"header in mrkdwn", `[{"type":"header","text":{"type":"mrkdwn","text":"x"}}]`, "invalid_blocks"},
		{"button text of 76", `[{"type":"actions","elements":[` + button("a", strings.Repeat("b", 76), "") + `]}]`, "invalid_blocks"},
		{"unknown button style", `[{"type":"actions","elements":[` + button("a", "A", "green") + `]}]`, "invalid_blocks"},
		{"duplicate block ids", `[{"type":"divider","block_id":"x"},{"type":"divider","block_id":"x"}]`, "invalid_blocks"},
		{"empty actions", `[{"type":"actions","elements":[]}]`, "invalid_blocks"},
		{"context text of 3000", `[{"type":"context","elements":[{"type":"mrkdwn","text":"` + strings.Repeat("a", 3000) + `"}]}]`, ""},
		{"context text of 3001", `[{"type":"context","elements":[{"type":"mrkdwn","text":"` + strings.Repeat("a", 3001) + `"}]}]`, "invalid_blocks"},
		{"an input block", input(`{"type":"plain_text_input","action_id":"t","max_length":40}`), ""},
		{"an input without label", `[{"type":"input","element":{"type":"plain_text_input"}}]`, "invalid_blocks"},
		{"an input without element", `[{"type":"input","label":{"type":"plain_text","text":"L"}}]`, "invalid_blocks"},
		{"an input of a button", input(button("b", "B", "")), "invalid_blocks"},
		{"max_length over 3000", input(`{"type":"plain_text_input","max_length":3001}`), "invalid_blocks"},
		{"a select", input(`{"type":"static_select","options":[` + option("2h") + `],"initial_option":` + option("2h") + `}`), ""},
		{"a select without options", input(`{"type":"static_select","options":[]}`), "invalid_blocks"},
		{"an initial option that is none", input(`{"type":"static_select","options":[` + option("2h") + `],"initial_option":` + option("3d") + `}`), "invalid_blocks"},
		{"eleven radio buttons", input(`{"type":"radio_buttons","options":[` + strings.TrimSuffix(strings.Repeat(option("x")+",", 11), ",") + `]}`), "invalid_blocks"},
		{"a datepicker", input(`{"type":"datepicker","initial_date":"2025-03-01"}`), ""},
		{"a datepicker's date in another format", input(`{"type":"datepicker","initial_date":"01/03/2025"}`), "invalid_blocks"},
		{"a timepicker's time with seconds", input(`{"type":"timepicker","initial_time":"08:00:00"}`), "invalid_blocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msgs := validateBlocks(tt.blocks, maxMessageBlocks, "/blocks")
			if code != tt.want {
				t.Fatalf("code = %q (%q), want %q", code, msgs, tt.want)
			}
			if code != "" && (len(msgs) == 0 || !strings.HasPrefix(msgs[0], "[ERROR] ")) {
				t.Fatalf("messages = %q; want Slack-style [ERROR] lines", msgs)
			}
		})
	}
}

func TestButtonsFindsActionsAndSectionAccessories(t *testing.T) {
	raw := `[{"type":"section","block_id":"s","text":{"type":"mrkdwn","text":"x"},"accessory":` + button("cancel", "Cancel", "") + `},` +
		`{"type":"actions","block_id":"a","elements":[` + button("approve", "Approve", "primary") + `]}]`
	m := Message{Blocks: json.RawMessage(raw)}

	got := m.Buttons()
	if len(got) != 2 || got[0] != (Button{BlockID: "s", ActionID: "cancel", Value: "v", Text: "Cancel"}) ||
		got[1] != (Button{BlockID: "a", ActionID: "approve", Value: "v", Text: "Approve", Style: "primary"}) {
		t.Fatalf("Buttons = %+v", got)
	}
	if _, ok := m.Button("deny"); ok {
		t.Fatal("found a button that is not there")
	}
}
