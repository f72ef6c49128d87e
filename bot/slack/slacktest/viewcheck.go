package slacktest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
)

// Limits of the view object Slack enforces. See
// https://docs.slack.dev/reference/views/modal-views.
const (
	maxViewTitle       = 24 // title, close and submit texts
	maxPrivateMetadata = 3000
	maxCallbackID      = 255
	maxExternalID      = 255
	maxViewBytes       = 250 << 10 // view_too_large
)

// checkView validates a view object of type wantType ("modal" or "home")
// as Slack does and returns it decoded, with a block_id on every block and
// an action_id on every element, as Slack fills them in. self is the id of
// the view being replaced, whose external_id it may keep.
func (s *Server) checkView(raw json.RawMessage, wantType, self string) (map[string]any, *apiError) {
	if len(raw) > maxViewBytes {
		return nil, errCode("view_too_large")
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		return nil, invalidArguments("[ERROR] missing required field: view")
	}
	if obj["type"] != wantType {
		return nil, invalidArguments(fmt.Sprintf("[ERROR] must be '%s' [json-pointer:/view/type]", wantType))
	}
	var v blockValidator
	if wantType == "modal" {
		v.modal(obj)
	}
	v.maxLen("/view/private_metadata", str(obj, "private_metadata"), maxPrivateMetadata)
	v.maxLen("/view/callback_id", str(obj, "callback_id"), maxCallbackID)
	v.maxLen("/view/external_id", str(obj, "external_id"), maxExternalID)
	if len(v.messages) > 0 {
		return nil, &apiError{code: "invalid_arguments", messages: v.messages}
	}
	if ext := str(obj, "external_id"); ext != "" {
		if owner, taken := s.views.external[ext]; taken && owner != self {
			return nil, errCode("duplicate_external_id")
		}
	}
	blocks, _ := json.Marshal(obj["blocks"])
	if code, msgs := validateBlocks(string(blocks), maxModalBlocks, "/view/blocks"); code != "" {
		return nil, &apiError{code: code, messages: msgs}
	}
	fillIDs(obj)
	return obj, nil
}

// modal checks what only modals have: a title, close and submit texts of
// at most 24 characters, and a submit button when there are input blocks.
func (v *blockValidator) modal(obj map[string]any) {
	v.text("/view/title", obj["title"], maxViewTitle, "plain_text")
	if obj["close"] != nil {
		v.text("/view/close", obj["close"], maxViewTitle, "plain_text")
	}
	if obj["submit"] != nil {
		v.text("/view/submit", obj["submit"], maxViewTitle, "plain_text")
		return
	}
	if len(inputBlocks(obj)) > 0 {
		v.fail("/view/submit", "must provide submit when the view has input blocks")
	}
}

// fillIDs gives every block without a block_id, and every interactive
// element without an action_id, a random one, as Slack does.
func fillIDs(obj map[string]any) {
	for _, b := range objects(obj["blocks"]) {
		if str(b, "block_id") == "" {
			b["block_id"] = shortRandomID()
		}
		elements := interactiveElements(b)
		if el, ok := b["element"].(map[string]any); ok {
			elements = append(elements, el)
		}
		for _, el := range elements {
			if str(el, "action_id") == "" {
				el["action_id"] = shortRandomID()
			}
		}
	}
}

// shortRandomID returns an id like the ones Slack makes up for blocks,
// e.g. "2WGp9".
func shortRandomID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 5)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	for i, c := range b {
		b[i] = alphabet[int(c)%len(alphabet)]
	}
	return string(b)
}

func invalidArguments(msg string) *apiError {
	return &apiError{code: "invalid_arguments", messages: []string{msg}}
}
