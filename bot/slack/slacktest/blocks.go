package slacktest

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// The formats of Slack's date and time pickers.
const (
	dateLayout = "2006-01-02"
	timeLayout = "15:04"
)

// Block Kit limits Slack enforces, answering invalid_blocks when one is
// broken. See https://docs.slack.dev/reference/block-kit/blocks.
const (
	maxMessageBlocks = 50
	maxModalBlocks   = 100
	maxSectionText   = 3000
	maxSectionField  = 2000
	maxSectionFields = 10
	maxHeaderText    = 150
	maxButtonText    = 75
	maxButtonValue   = 2000
	maxActionID      = 255
	maxBlockID       = 255
	maxActionsItems  = 25
	maxContextItems  = 10
	maxInputLabel    = 2000
	maxPlaceholder   = 150
	maxOptionText    = 75
	maxOptionValue   = 150
	maxSelectOptions = 100
	maxChoiceOptions = 10 // radio buttons and checkboxes
	maxTextInput     = 3000
)

// inputElements are the element types an input block may hold that the
// fake knows how to fill in (see Entries).
var inputElements = map[string]bool{
	"plain_text_input": true, "email_text_input": true, "url_text_input": true, "number_input": true,
	"static_select": true, "multi_static_select": true, "radio_buttons": true, "checkboxes": true,
	"users_select": true, "multi_users_select": true, "conversations_select": true, "channels_select": true,
	"datepicker": true, "timepicker": true, "datetimepicker": true,
}

// Button is a button found in a message's blocks.
type Button struct {
	BlockID  string
	ActionID string
	Value    string
	Text     string
	Style    string // "", "primary" or "danger"
}

// Buttons returns every button of the message, in order: those in actions
// blocks and those set as a section's accessory.
func (m Message) Buttons() []Button {
	var blocks []map[string]any
	if json.Unmarshal(m.Blocks, &blocks) != nil {
		return nil
	}
	var buttons []Button
	for _, b := range blocks {
		blockID, _ := b["block_id"].(string)
		for _, el := range interactiveElements(b) {
			if el["type"] != "button" {
				continue
			}
			buttons = append(buttons, Button{
				BlockID:  blockID,
				ActionID: str(el, "action_id"),
				Value:    str(el, "value"),
				Text:     textOf(el["text"]),
				Style:    str(el, "style"),
			})
		}
	}
	return buttons
}

// Button returns the message's button with that action_id.
func (m Message) Button(actionID string) (Button, bool) {
	for _, b := range m.Buttons() {
		if b.ActionID == actionID {
			return b, true
		}
	}
	return Button{}, false
}

func interactiveElements(block map[string]any) []map[string]any {
	switch block["type"] {
	case "actions":
		return objects(block["elements"])
	case "section":
		if acc, ok := block["accessory"].(map[string]any); ok {
			return []map[string]any{acc}
		}
	}
	return nil
}

// validateBlocks checks raw, found at the JSON pointer at ("/blocks" in a
// message, "/view/blocks" in a view), against the Block Kit limits and
// returns Slack's error code and messages, or "" when the blocks are
// acceptable.
func validateBlocks(raw string, maxBlocks int, at string) (string, []string) {
	var blocks []any
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil || blocks == nil {
		return "invalid_blocks_format", []string{fmt.Sprintf("[ERROR] blocks must be a JSON array [json-pointer:%s]", at)}
	}
	var v blockValidator
	if len(blocks) > maxBlocks {
		v.fail(at, "no more than %d items allowed", maxBlocks)
	}
	seen := map[string]bool{}
	for i, b := range blocks {
		v.block(fmt.Sprintf("%s/%d", at, i), b, seen)
	}
	if len(v.messages) > 0 {
		return "invalid_blocks", v.messages
	}
	return "", nil
}

// blockValidator collects Slack-style messages:
// "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]".
type blockValidator struct{ messages []string }

func (v *blockValidator) fail(pointer, format string, args ...any) {
	v.messages = append(v.messages,
		fmt.Sprintf("[ERROR] %s [json-pointer:%s]", fmt.Sprintf(format, args...), pointer))
}

func (v *blockValidator) maxLen(pointer, s string, limit int) {
	if utf8.RuneCountInString(s) > limit {
		v.fail(pointer, "must be less than %d characters", limit+1)
	}
}

func (v *blockValidator) block(p string, raw any, seenIDs map[string]bool) {
	b, ok := raw.(map[string]any)
	if !ok || str(b, "type") == "" {
		v.fail(p, "must provide an object with a type")
		return
	}
	if id := str(b, "block_id"); id != "" {
		v.maxLen(p+"/block_id", id, maxBlockID)
		if seenIDs[id] {
			v.fail(p+"/block_id", "duplicate block_id %q", id)
		}
		seenIDs[id] = true
	}
	switch b["type"] {
	case "section":
		v.section(p, b)
	case "header":
		v.text(p+"/text", b["text"], maxHeaderText, "plain_text")
	case "actions":
		v.actions(p, b)
	case "input":
		v.input(p, b)
	case "context":
		elements := objects(b["elements"])
		if len(elements) > maxContextItems {
			v.fail(p+"/elements", "no more than %d items allowed", maxContextItems)
		}
		for i, el := range elements {
			if el["type"] != "image" {
				v.text(fmt.Sprintf("%s/elements/%d", p, i), el, maxSectionText, "plain_text", "mrkdwn")
			}
		}
	}
}

func (v *blockValidator) section(p string, b map[string]any) {
	fields := objects(b["fields"])
	if b["text"] == nil && len(fields) == 0 {
		v.fail(p, "must provide either text or fields")
	}
	if b["text"] != nil {
		v.text(p+"/text", b["text"], maxSectionText, "plain_text", "mrkdwn")
	}
	if len(fields) > maxSectionFields {
		v.fail(p+"/fields", "no more than %d items allowed", maxSectionFields)
	}
	for i, f := range fields {
		v.text(fmt.Sprintf("%s/fields/%d", p, i), f, maxSectionField, "plain_text", "mrkdwn")
	}
	if acc, ok := b["accessory"].(map[string]any); ok {
		v.element(p+"/accessory", acc, map[string]bool{})
	}
}

func (v *blockValidator) actions(p string, b map[string]any) {
	elements := objects(b["elements"])
	if len(elements) == 0 || len(elements) > maxActionsItems {
		v.fail(p+"/elements", "must provide between 1 and %d items", maxActionsItems)
	}
	actionIDs := map[string]bool{}
	for i, el := range elements {
		v.element(fmt.Sprintf("%s/elements/%d", p, i), el, actionIDs)
	}
}

func (v *blockValidator) element(p string, el map[string]any, actionIDs map[string]bool) {
	if id := str(el, "action_id"); id != "" {
		v.maxLen(p+"/action_id", id, maxActionID)
		if actionIDs[id] {
			v.fail(p+"/action_id", "duplicate action_id %q", id)
		}
		actionIDs[id] = true
	}
	if el["placeholder"] != nil {
		v.text(p+"/placeholder", el["placeholder"], maxPlaceholder, "plain_text")
	}
	switch el["type"] {
	case "button":
		v.text(p+"/text", el["text"], maxButtonText, "plain_text")
		v.maxLen(p+"/value", str(el, "value"), maxButtonValue)
		if style := str(el, "style"); style != "" && style != "primary" && style != "danger" {
			v.fail(p+"/style", "must be one of primary, danger")
		}
	case "static_select", "multi_static_select":
		v.options(p, el, maxSelectOptions, "plain_text")
	case "radio_buttons", "checkboxes":
		v.options(p, el, maxChoiceOptions, "plain_text", "mrkdwn")
	case "plain_text_input":
		v.textInput(p, el)
	case "datepicker", "timepicker":
		v.dateOrTime(p, el)
	}
}

// input checks an input block: a plain_text label, an optional hint and
// one element the fake can fill in.
func (v *blockValidator) input(p string, b map[string]any) {
	v.text(p+"/label", b["label"], maxInputLabel, "plain_text")
	if b["hint"] != nil {
		v.text(p+"/hint", b["hint"], maxInputLabel, "plain_text")
	}
	el, ok := b["element"].(map[string]any)
	if !ok {
		v.fail(p+"/element", "must provide an object")
		return
	}
	if !inputElements[str(el, "type")] {
		v.fail(p+"/element/type", "must be an input element type")
		return
	}
	v.element(p+"/element", el, map[string]bool{})
}

// options checks the options of a select, radio buttons or checkboxes, and
// that initial options are among them.
func (v *blockValidator) options(p string, el map[string]any, limit int, textTypes ...string) {
	opts := objects(el["options"])
	if len(opts) == 0 || len(opts) > limit {
		v.fail(p+"/options", "must provide between 1 and %d items", limit)
	}
	values := map[string]bool{}
	for i, o := range opts {
		at := fmt.Sprintf("%s/options/%d", p, i)
		v.text(at+"/text", o["text"], maxOptionText, textTypes...)
		v.maxLen(at+"/value", str(o, "value"), maxOptionValue)
		values[str(o, "value")] = true
	}
	initial := objects(el["initial_options"])
	if o, ok := el["initial_option"].(map[string]any); ok {
		initial = append(initial, o)
	}
	for _, o := range initial {
		if !values[str(o, "value")] {
			v.fail(p+"/initial_option", "must match one of the options, %q is not one", str(o, "value"))
		}
	}
}

// textInput checks a plain_text_input's length limits.
func (v *blockValidator) textInput(p string, el map[string]any) {
	maxLen, hasMax := el["max_length"].(float64)
	if hasMax && (maxLen < 1 || maxLen > maxTextInput) {
		v.fail(p+"/max_length", "must be between 1 and %d", maxTextInput)
	}
	if !hasMax {
		maxLen = maxTextInput
	}
	v.maxLen(p+"/initial_value", str(el, "initial_value"), int(maxLen))
}

// dateOrTime checks the initial value of a datepicker (YYYY-MM-DD) or
// timepicker (HH:mm).
func (v *blockValidator) dateOrTime(p string, el map[string]any) {
	key, layout := "initial_date", dateLayout
	if el["type"] == "timepicker" {
		key, layout = "initial_time", timeLayout
	}
	if s := str(el, key); s != "" {
		if _, err := time.Parse(layout, s); err != nil {
			v.fail(p+"/"+key, "must be in the format %s", layout)
		}
	}
}

// text checks a text object: its type is one of types and its text is not
// empty and at most limit characters long.
func (v *blockValidator) text(p string, raw any, limit int, types ...string) {
	t, ok := raw.(map[string]any)
	if !ok {
		v.fail(p, "must provide an object")
		return
	}
	typ := str(t, "type")
	allowed := false
	for _, want := range types {
		allowed = allowed || typ == want
	}
	if !allowed {
		v.fail(p+"/type", "must be one of %v", types)
	}
	s := str(t, "text")
	if s == "" {
		v.fail(p+"/text", "must be more than 0 characters")
	}
	v.maxLen(p+"/text", s, limit)
}

func objects(raw any) []map[string]any {
	list, _ := raw.([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func textOf(raw any) string {
	t, _ := raw.(map[string]any)
	return str(t, "text")
}
