package slacktest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
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
)

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

// validateBlocks checks raw against the Block Kit limits and returns Slack's
// error code and messages, or "" when the blocks are acceptable.
func validateBlocks(raw string, maxBlocks int) (string, []string) {
	var blocks []any
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return "invalid_blocks_format", []string{"[ERROR] blocks must be a JSON array: " + err.Error()}
	}
	var v blockValidator
	if len(blocks) > maxBlocks {
		v.fail("/blocks", "no more than %d items allowed", maxBlocks)
	}
	seen := map[string]bool{}
	for i, b := range blocks {
		v.block(fmt.Sprintf("/blocks/%d", i), b, seen)
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
	if el["type"] != "button" {
		return
	}
	v.text(p+"/text", el["text"], maxButtonText, "plain_text")
	v.maxLen(p+"/value", str(el, "value"), maxButtonValue)
	if style := str(el, "style"); style != "" && style != "primary" && style != "danger" {
		v.fail(p+"/style", "must be one of primary, danger")
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
