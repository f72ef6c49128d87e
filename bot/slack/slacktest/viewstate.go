package slacktest

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Entries are what a person types or picks in a modal's input blocks,
// keyed by block_id, each written as the person enters it:
//
//	plain_text_input, email_text_input,
//	url_text_input, number_input           the text
//	static_select, radio_buttons           the value of the option picked
//	multi_static_select, checkboxes        the values picked, one per line
//	users_select, conversations_select,
//	channels_select                        the id picked (U…, C…)
//	multi_users_select                     the ids, one per line
//	datepicker                             "2006-01-02"
//	timepicker                             "15:04"
//	datetimepicker                         Unix seconds, RFC 3339, or
//	                                       "2006-01-02 15:04" in the person's
//	                                       Slack time zone
//
// "" empties an input. An input the entries leave out keeps what it holds:
// its initial value, or what the person entered before.
type Entries map[string]string

// dateTimeEntryLayout is how a datetimepicker entry is written in local
// time.
const dateTimeEntryLayout = "2006-01-02 15:04"

// Input is one input block of a view and what it holds now.
type Input struct {
	BlockID  string
	ActionID string
	Type     string // the element's type: "plain_text_input", "static_select", "datetimepicker", …
	Label    string
	Optional bool
	Options  []string // the option values of a select, radio buttons or checkboxes, in order
	// Value is what the input holds, written as Entries are: its initial
	// value until the person enters something, "" when empty.
	Value string
}

// inputBlock is one input block of a view as the fake reads it.
type inputBlock struct {
	blockID, actionID, label string
	optional                 bool
	element                  map[string]any
}

// inputBlocks returns the input blocks of a view object, in order.
func inputBlocks(obj map[string]any) []inputBlock {
	var out []inputBlock
	for _, b := range objects(obj["blocks"]) {
		if b["type"] != "input" {
			continue
		}
		el, _ := b["element"].(map[string]any)
		optional, _ := b["optional"].(bool)
		out = append(out, inputBlock{
			blockID: str(b, "block_id"), actionID: str(el, "action_id"),
			label: textOf(b["label"]), optional: optional, element: el,
		})
	}
	return out
}

// inputsOf lists v's input blocks and what each holds now.
func inputsOf(v *view) []Input {
	var out []Input
	for _, in := range inputBlocks(v.obj) {
		value := initialEntry(in.element)
		if val, ok := v.state[in.blockID][in.actionID].(map[string]any); ok {
			value = entryOf(val)
		}
		out = append(out, Input{
			BlockID: in.blockID, ActionID: in.actionID, Type: str(in.element, "type"), Label: in.label,
			Optional: in.optional, Options: optionValues(in.element), Value: value,
		})
	}
	return out
}

// submittedState returns view.state.values of v once the person has made
// entries, and the response_urls of the conversations picked in inputs with
// response_url_enabled, named after trigger. It returns an error for what
// Slack would not let the person submit: an entry for no input block, an
// empty required input, or an entry the input cannot hold. s.mu held.
func (s *Server) submittedState(v *view, entries Entries, loc *time.Location, trigger string) (map[string]map[string]any, []any, error) {
	blocks := inputBlocks(v.obj)
	known := map[string]bool{}
	for _, in := range blocks {
		known[in.blockID] = true
	}
	for id := range entries {
		if !known[id] {
			return nil, nil, fmt.Errorf("view %s has no input block %q", v.id, id)
		}
	}
	state := map[string]map[string]any{}
	urls := []any{}
	for _, in := range blocks {
		val, err := s.inputValue(v, in, entries, loc)
		if err != nil {
			return nil, nil, fmt.Errorf("input %q of view %s: %w", in.blockID, v.id, err)
		}
		if !in.optional && entryOf(val) == "" {
			return nil, nil, fmt.Errorf("input %q (%s) of view %s is required: Slack does not let the person submit it empty", in.blockID, in.label, v.id)
		}
		state[in.blockID] = map[string]any{in.actionID: val}
		if ch := conversationOf(val); ch != "" && in.element["response_url_enabled"] == true {
			urls = append(urls, map[string]any{
				"block_id": in.blockID, "action_id": in.actionID, "channel_id": ch,
				"response_url": s.responseURL(trigger+"-"+in.blockID, ch),
			})
		}
	}
	return state, urls, nil
}

// inputValue is the value object of one input after entries; s.mu held.
func (s *Server) inputValue(v *view, in inputBlock, entries Entries, loc *time.Location) (map[string]any, error) {
	entry, given := entries[in.blockID]
	if !given {
		if val, ok := v.state[in.blockID][in.actionID].(map[string]any); ok {
			return val, nil
		}
		entry = initialEntry(in.element)
	}
	return s.stateValue(in.element, entry, loc)
}

// stateValue turns an entry (see Entries) into the value object Slack puts
// in view.state.values for element el: its type and the value under the
// key Slack uses for that type, null when empty. loc is the person's time
// zone. s.mu held: picked users and conversations must exist.
func (s *Server) stateValue(el map[string]any, entry string, loc *time.Location) (map[string]any, error) {
	typ := str(el, "type")
	val := map[string]any{"type": typ}
	var err error
	switch typ {
	case "plain_text_input", "email_text_input", "url_text_input", "number_input":
		err = checkTextEntry(el, entry)
		val["value"] = nullable(entry)
	case "static_select", "radio_buttons":
		val["selected_option"], err = pickOption(el, entry)
	case "multi_static_select", "checkboxes":
		val["selected_options"], err = pickOptions(el, entry)
	case "users_select", "conversations_select", "channels_select":
		key := map[string]string{"users_select": "selected_user", "conversations_select": "selected_conversation", "channels_select": "selected_channel"}[typ]
		err = s.checkPicked(typ, entry)
		val[key] = nullable(entry)
	case "multi_users_select":
		users := []any{}
		for _, u := range lines(entry) {
			err = firstError(err, s.checkPicked("users_select", u))
			users = append(users, u)
		}
		val["selected_users"] = users
	case "datepicker", "timepicker":
		val[map[string]string{"datepicker": "selected_date", "timepicker": "selected_time"}[typ]], err = pickerEntry(typ, entry)
		if tz := str(el, "timezone"); typ == "timepicker" && tz != "" {
			val["timezone"] = tz
		}
	case "datetimepicker":
		val["selected_date_time"], err = dateTimeEntry(entry, loc)
	default:
		err = fmt.Errorf("the fake cannot fill in a %q element", typ)
	}
	return val, err
}

// checkTextEntry checks text against the limits Slack's client enforces
// before it lets the person submit.
func checkTextEntry(el map[string]any, text string) error {
	if text == "" {
		return nil
	}
	n := utf8.RuneCountInString(text)
	if limit, ok := el["max_length"].(float64); ok && n > int(limit) {
		return fmt.Errorf("%d characters, more than its max_length %d", n, int(limit))
	}
	if limit, ok := el["min_length"].(float64); ok && n < int(limit) {
		return fmt.Errorf("%d characters, fewer than its min_length %d", n, int(limit))
	}
	switch el["type"] {
	case "email_text_input":
		if !strings.Contains(text, "@") {
			return fmt.Errorf("%q is not an e-mail address", text)
		}
	case "url_text_input":
		if u, err := url.Parse(text); err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("%q is not a URL", text)
		}
	case "number_input":
		return checkNumberEntry(el, text)
	}
	return nil
}

// checkNumberEntry checks a number_input entry: a number, whole unless
// is_decimal_allowed, within min_value and max_value.
func checkNumberEntry(el map[string]any, text string) error {
	n, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", text)
	}
	if el["is_decimal_allowed"] != true && n != float64(int64(n)) {
		return fmt.Errorf("%q is not a whole number", text)
	}
	if lo, err := strconv.ParseFloat(str(el, "min_value"), 64); err == nil && n < lo {
		return fmt.Errorf("%s is below its min_value %s", text, str(el, "min_value"))
	}
	if hi, err := strconv.ParseFloat(str(el, "max_value"), 64); err == nil && n > hi {
		return fmt.Errorf("%s is above its max_value %s", text, str(el, "max_value"))
	}
	return nil
}

// pickOption returns the option of el whose value is value, nil for "".
func pickOption(el map[string]any, value string) (any, error) {
	if value == "" {
		return nil, nil
	}
	for _, o := range objects(el["options"]) {
		if str(o, "value") == value {
			return o, nil
		}
	}
	return nil, fmt.Errorf("no option %q; the options are %q", value, optionValues(el))
}

// pickOptions returns the options of el whose values are the lines of
// entry.
func pickOptions(el map[string]any, entry string) (any, error) {
	picked := []any{}
	for _, value := range lines(entry) {
		o, err := pickOption(el, value)
		if err != nil {
			return nil, err
		}
		picked = append(picked, o)
	}
	return picked, nil
}

// checkPicked checks that the user or conversation id picked exists; s.mu
// held.
func (s *Server) checkPicked(typ, id string) error {
	if id == "" {
		return nil
	}
	if typ == "users_select" {
		if _, ok := s.directory.activeUser(id); !ok {
			return fmt.Errorf("no active user %s to pick", id)
		}
		return nil
	}
	if _, ok := s.directory.channels[id]; !ok {
		return fmt.Errorf("no conversation %s to pick", id)
	}
	return nil
}

// pickerEntry checks a datepicker or timepicker entry and returns it, nil
// for "".
func pickerEntry(typ, entry string) (any, error) {
	if entry == "" {
		return nil, nil
	}
	layout := dateLayout
	if typ == "timepicker" {
		layout = timeLayout
	}
	if _, err := time.Parse(layout, entry); err != nil {
		return nil, fmt.Errorf("%q is not written %s", entry, layout)
	}
	return entry, nil
}

// dateTimeEntry reads a datetimepicker entry as Unix seconds, nil for "".
func dateTimeEntry(entry string, loc *time.Location) (any, error) {
	if entry == "" {
		return nil, nil
	}
	if n, err := strconv.ParseInt(entry, 10, 64); err == nil {
		return n, nil
	}
	if t, err := time.Parse(time.RFC3339, entry); err == nil {
		return t.Unix(), nil
	}
	if t, err := time.ParseInLocation(dateTimeEntryLayout, entry, loc); err == nil {
		return t.Unix(), nil
	}
	return nil, fmt.Errorf("%q is not a date and time: write Unix seconds, RFC 3339 or %q", entry, dateTimeEntryLayout)
}

// initialEntry is what an element holds before the person touches it,
// written as an entry.
func initialEntry(el map[string]any) string {
	switch el["type"] {
	case "static_select", "radio_buttons":
		o, _ := el["initial_option"].(map[string]any)
		return str(o, "value")
	case "multi_static_select", "checkboxes":
		return strings.Join(optionValuesOf(objects(el["initial_options"])), "\n")
	case "users_select":
		return str(el, "initial_user")
	case "multi_users_select":
		return strings.Join(stringList(el["initial_users"]), "\n")
	case "conversations_select":
		return str(el, "initial_conversation")
	case "channels_select":
		return str(el, "initial_channel")
	case "datepicker":
		return str(el, "initial_date")
	case "timepicker":
		return str(el, "initial_time")
	case "datetimepicker":
		if n, ok := el["initial_date_time"].(float64); ok {
			return strconv.FormatInt(int64(n), 10)
		}
		return ""
	}
	return str(el, "initial_value")
}

// entryOf writes a value object of view.state.values back as an entry.
func entryOf(val map[string]any) string {
	for _, key := range []string{"value", "selected_user", "selected_conversation", "selected_channel", "selected_date", "selected_time"} {
		if s, ok := val[key].(string); ok {
			return s
		}
	}
	if o, ok := val["selected_option"].(map[string]any); ok {
		return str(o, "value")
	}
	if list, ok := val["selected_options"].([]any); ok {
		return strings.Join(optionValuesOf(objects(list)), "\n")
	}
	if list, ok := val["selected_users"].([]any); ok {
		return strings.Join(stringList(list), "\n")
	}
	if n, ok := val["selected_date_time"].(int64); ok {
		return strconv.FormatInt(n, 10)
	}
	return ""
}

// conversationOf is the conversation a value object picked, "" for none.
func conversationOf(val map[string]any) string {
	if c, ok := val["selected_conversation"].(string); ok {
		return c
	}
	c, _ := val["selected_channel"].(string)
	return c
}

func optionValues(el map[string]any) []string { return optionValuesOf(objects(el["options"])) }

func optionValuesOf(opts []map[string]any) []string {
	values := make([]string, 0, len(opts))
	for _, o := range opts {
		values = append(values, str(o, "value"))
	}
	return values
}

// stringList returns the strings of a decoded JSON array.
func stringList(raw any) []string {
	list, _ := raw.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// lines splits a multi-value entry, one value per line; "" is none.
func lines(entry string) []string {
	if entry == "" {
		return nil
	}
	return strings.Split(entry, "\n")
}

// nullable is s, or JSON null when s is empty.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func firstError(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
