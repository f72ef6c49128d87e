package teamstest

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
)

// The formats Teams sends Input.Date and Input.Time values in.
const (
	dateLayout = "2006-01-02"
	timeLayout = "15:04"
)

// Submit returns the activity Teams posts when from fills in inputs of card
// (the message as the test last saw it) and presses its Action.Submit
// button whose data.action is action: a message with no text whose value
// is the button's data merged with the values of the inputs the button
// gathers, by input id, as strings. A button gathers the inputs of the
// card it is on and, on an Action.ShowCard's card, of every card above it
// (not those of other ShowCards), and none when its associatedInputs is
// "none".
//
// inputs are what from types or picks, by input id, written as Teams sends
// them: Input.Text and Input.Number the text; Input.ChoiceSet the choice's
// value (values joined by commas when isMultiSelect); Input.Date
// "2006-01-02"; Input.Time "15:04"; Input.Toggle its valueOn or valueOff
// ("true" and "false" unless the card sets them). An input the map leaves
// out keeps the card's value. An empty input is left out of the value, as
// Teams' Adaptive Card renderer leaves it out; a toggle is always sent.
//
// It returns an error when the card has no such button, it is in a 1:1
// chat that is not from's, an input named is not one the button gathers, a
// value does not fit its input (a choice not offered, a date or time in
// another format, a number out of range, text longer than maxLength or
// not matching regex), or a required input (isRequired) is empty: Teams
// does not send those.
func (s *Server) Submit(from User, card Activity, action string, inputs map[string]string) (schema.Activity, error) {
	submit, cards, ok := findSubmit(card.Card(), action)
	if !ok {
		return schema.Activity{}, fmt.Errorf("message %s in %s has no %q button", card.ID, card.Conversation, action)
	}
	if card.ConvType == TypePersonal && !s.owns(from, card.Conversation) {
		return schema.Activity{}, fmt.Errorf("%s cannot see message %s: it is in someone else's 1:1 chat", from.Name, card.ID)
	}
	value, err := submittedValue(submit, cards, inputs)
	if err != nil {
		return schema.Activity{}, fmt.Errorf("%s presses %q on message %s: %w", from.Name, action, card.ID, err)
	}
	a := s.replyActivity(from, card)
	a.ReplyToID, a.Value = card.ID, value
	a.ChannelData["postBack"] = true
	return a, nil
}

// replyActivity is a message from from in the conversation of card, in
// the card's thread when it is in a channel.
func (s *Server) replyActivity(from User, card Activity) schema.Activity {
	switch card.ConvType {
	case TypeChannel:
		a := s.channelActivity(schema.Message, from, card.Conversation)
		a.Conversation.ID = card.Conversation + ";messageid=" + card.Thread
		return a
	case TypeGroupChat:
		return s.incoming(schema.Message, from, schema.ConversationAccount{ID: card.Conversation, ConversationType: TypeGroupChat, IsGroup: true, TenantID: TenantID})
	}
	return s.incoming(schema.Message, from, schema.ConversationAccount{ID: card.Conversation, ConversationType: TypePersonal, TenantID: TenantID})
}

// submittedValue is the activity value of pressing submit: its data and
// the inputs of cards (the outermost card first) after inputs.
func submittedValue(submit map[string]any, cards []map[string]any, inputs map[string]string) (map[string]any, error) {
	data, _ := submit["data"].(map[string]any)
	value := maps.Clone(data)
	gathered := map[string]map[string]any{}
	if submit["associatedInputs"] != "none" {
		for _, c := range cards {
			for _, in := range cardInputs(c) {
				gathered[str(in, "id")] = in
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(inputs)) {
		if gathered[id] == nil {
			return nil, fmt.Errorf("the button does not gather an input %q (it gathers %q)", id, slices.Sorted(maps.Keys(gathered)))
		}
	}
	for id, in := range gathered {
		entry, given := inputs[id]
		v, err := inputValue(in, entry, given)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", id, err)
		}
		if v != "" || in["type"] == "Input.Toggle" {
			value[id] = v
		}
	}
	return value, nil
}

// inputValue is the value Teams sends for input in: entry when given, else
// the card's value, checked as the client checks it before sending.
func inputValue(in map[string]any, entry string, given bool) (string, error) {
	typ := str(in, "type")
	v := initialValue(in)
	if given {
		v = entry
	}
	if in["isRequired"] == true && (v == "" || typ == "Input.Toggle" && v != toggleValue(in, "valueOn", "true")) {
		return "", fmt.Errorf("it is required (isRequired): Teams does not send the card until it is filled in")
	}
	if v == "" && typ != "Input.Toggle" {
		return "", nil
	}
	var err error
	switch typ {
	case "Input.Text":
		err = checkText(in, v)
	case "Input.Number":
		err = checkNumber(in, v)
	case "Input.Date", "Input.Time":
		err = checkDateOrTime(in, v)
	case "Input.ChoiceSet":
		err = checkChoices(in, v)
	case "Input.Toggle":
		if v != toggleValue(in, "valueOn", "true") && v != toggleValue(in, "valueOff", "false") {
			err = fmt.Errorf("%q is neither its valueOn nor its valueOff", v)
		}
	default:
		err = fmt.Errorf("the fake cannot fill in an %s", typ)
	}
	return v, err
}

// initialValue is what an input holds before anyone touches it.
func initialValue(in map[string]any) string {
	switch v := in["value"].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	if in["type"] == "Input.Toggle" {
		return toggleValue(in, "valueOff", "false")
	}
	return ""
}

func toggleValue(in map[string]any, key, fallback string) string {
	if v, ok := in[key].(string); ok {
		return v
	}
	return fallback
}

func checkText(in map[string]any, v string) error {
	if n, ok := in["maxLength"].(float64); ok && len([]rune(v)) > int(n) {
		return fmt.Errorf("%d characters, more than its maxLength %d", len([]rune(v)), int(n))
	}
	if pattern := str(in, "regex"); pattern != "" {
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		if err != nil {
			return fmt.Errorf("its regex %q does not compile: %w", pattern, err)
		}
		if !re.MatchString(v) {
			return fmt.Errorf("%q does not match its regex %q", v, pattern)
		}
	}
	return nil
}

func checkNumber(in map[string]any, v string) error {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", v)
	}
	if lo, ok := in["min"].(float64); ok && n < lo {
		return fmt.Errorf("%s is below its min %v", v, lo)
	}
	if hi, ok := in["max"].(float64); ok && n > hi {
		return fmt.Errorf("%s is above its max %v", v, hi)
	}
	return nil
}

// checkDateOrTime checks an Input.Date ("2006-01-02") or Input.Time
// ("15:04") value and its min and max, which compare as text in those
// formats.
func checkDateOrTime(in map[string]any, v string) error {
	layout := dateLayout
	if in["type"] == "Input.Time" {
		layout = timeLayout
	}
	if _, err := time.Parse(layout, v); err != nil {
		return fmt.Errorf("%q is not written %s", v, layout)
	}
	if lo := str(in, "min"); lo != "" && v < lo {
		return fmt.Errorf("%s is before its min %s", v, lo)
	}
	if hi := str(in, "max"); hi != "" && v > hi {
		return fmt.Errorf("%s is after its max %s", v, hi)
	}
	return nil
}

func checkChoices(in map[string]any, v string) error {
	offered := map[string]bool{}
	var values []string
	for _, c := range objects(in["choices"]) {
		offered[str(c, "value")] = true
		values = append(values, str(c, "value"))
	}
	picked := []string{v}
	if in["isMultiSelect"] == true {
		picked = strings.Split(v, ",")
	}
	for _, p := range picked {
		if !offered[p] {
			return fmt.Errorf("no choice %q; the choices are %q", p, values)
		}
	}
	return nil
}

// findSubmit looks through an Adaptive Card for an Action.Submit whose
// data.action is action and returns it with the cards it is in: the card
// itself first, then each Action.ShowCard's card on the way to it.
func findSubmit(raw json.RawMessage, action string) (map[string]any, []map[string]any, bool) {
	var root map[string]any
	if json.Unmarshal(raw, &root) != nil || root == nil {
		return nil, nil, false
	}
	var found map[string]any
	var path []map[string]any
	var walk func(v any, cards []map[string]any)
	walk = func(v any, cards []map[string]any) {
		switch v := v.(type) {
		case map[string]any:
			if data, ok := v["data"].(map[string]any); ok && v["type"] == "Action.Submit" && data["action"] == action && found == nil {
				found, path = v, slices.Clone(cards)
			}
			for k, e := range v {
				if sub, ok := e.(map[string]any); ok && k == "card" && v["type"] == "Action.ShowCard" {
					walk(sub, append(slices.Clone(cards), sub))
					continue
				}
				walk(e, cards)
			}
		case []any:
			for _, e := range v {
				walk(e, cards)
			}
		}
	}
	walk(root, []map[string]any{root})
	return found, path, found != nil
}

// cardInputs returns the inputs with an id in card, inside its containers
// but not inside the cards of its Action.ShowCards.
func cardInputs(card map[string]any) []map[string]any {
	var inputs []map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if strings.HasPrefix(str(v, "type"), "Input.") && str(v, "id") != "" {
				inputs = append(inputs, v)
			}
			for k, e := range v {
				if k == "card" && v["type"] == "Action.ShowCard" {
					continue
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(card)
	return inputs
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
