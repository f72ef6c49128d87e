package bot

import (
	"strings"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// The fields of the request form, named the same on both platforms (Slack
// block ids, Adaptive Card input ids). FieldErrors are keyed by them.
const (
	FieldUser     = "tap_user"
	FieldLifetime = "tap_lifetime"
	FieldUsage    = "tap_once"
	FieldStart    = "tap_start"
	FieldReason   = "tap_reason"
)

// FormFields lists the fields in the order a form shows them.
var FormFields = []string{FieldUser, FieldLifetime, FieldUsage, FieldStart, FieldReason}

// ChoiceDefault is the value of the choice that leaves a lifetime or the
// one-time setting to the tenant's policy.
const ChoiceDefault = "default"

// Form is a request as the request form holds it, each field as entered.
type Form struct {
	User     string    // the sign-in name as typed
	Lifetime string    // ChoiceDefault or "", else a lifetime as /tap reads it ("2h", "1d")
	Usage    string    // ChoiceDefault or "", else "once" or "multi"
	Start    time.Time // a picked moment (Slack's datetimepicker); zero: see StartDate
	// StartDate ("2006-01-02") and StartTime ("15:04") are a start picked
	// as a date and a time of day in the requester's zone (Teams' Input.Date
	// and Input.Time), read as "at <date> <time>" is; a time alone is the
	// next such time. Both empty, and Start zero: immediately.
	StartDate, StartTime string
	Reason               string
}

// FieldErrors are the messages to show under a form's fields, by field
// name (FieldUser, …). An empty map means the form is fine.
type FieldErrors map[string]string

// ReasonChecker applies the policy's reason rule for the tenant of a user,
// without asking Graph. approvals.Service implements it.
type ReasonChecker interface {
	CheckReason(upn, reason string) error
}

var _ ReasonChecker = (*approvals.Service)(nil)

// Command checks the form with the rules of the typed grammar (ParseUPN,
// ParseLifetime, the words once and multi, the bounds of a start, the
// reason's length) and the policy's reason rule, and returns the request
// command it asks for. Start messages show times in loc. When errs is not
// empty the command must not be raised.
func (f Form) Command(now time.Time, loc *time.Location, reasons ReasonChecker) (cmd Command, errs FieldErrors) {
	if loc == nil {
		loc = time.UTC
	}
	errs = FieldErrors{}
	cmd = Command{Verb: VerbRequest, Start: f.Start}
	var err error
	if cmd.Start.IsZero() {
		if cmd.Start, err = formStartAt(f.StartDate, f.StartTime, now, loc); err != nil {
			errs[FieldStart] = fieldMessage(err)
		}
	}
	if cmd.UPN, err = formUPN(f.User); err != nil {
		errs[FieldUser] = fieldMessage(err)
	}
	if cmd.Lifetime, err = formLifetime(f.Lifetime); err != nil {
		errs[FieldLifetime] = fieldMessage(err)
	}
	if cmd.Once, err = formUsage(f.Usage); err != nil {
		errs[FieldUsage] = fieldMessage(err)
	}
	if msg := formStart(cmd.Start, now, loc); msg != "" && errs[FieldStart] == "" {
		errs[FieldStart] = msg
	}
	if cmd.Reason, err = parseReason(normalize(f.Reason)); err == nil && errs[FieldUser] == "" && reasons != nil {
		err = reasons.CheckReason(cmd.UPN, cmd.Reason)
	}
	if err != nil {
		errs[FieldReason] = fieldMessage(err)
	}
	return cmd, errs
}

// formStartAt reads a start picked as a date and a time of day in loc with
// the grammar's readers: a date needs a time; a time alone is the next one.
func formStartAt(date, clock string, now time.Time, loc *time.Location) (time.Time, error) {
	date, clock = strings.TrimSpace(date), strings.TrimSpace(clock)
	switch {
	case date == "" && clock == "":
		return time.Time{}, nil
	case clock == "":
		return time.Time{}, invalid("Pick a time of day for the start too, or clear the date to start at once.")
	case date == "":
		return nextClock(clock, now, loc)
	}
	return dateAndClock(date, clock, loc)
}

// AsksForForm reports whether text, what follows /tap or is typed to the
// bot, asks for the request form: nothing, or only the command's name.
func AsksForForm(text string) bool {
	toks := tokenize(normalize(text))
	if len(toks) > 0 && isCommandName(toks[0].text) {
		toks = toks[1:]
	}
	return len(toks) == 0
}

// formUPN reads the sign-in name field.
func formUPN(s string) (string, error) {
	s = strings.TrimSpace(normalize(s))
	if s == "" {
		return "", invalid("Enter the user's sign-in name, like alice@contoso.com.")
	}
	return ParseUPN(s)
}

// formLifetime reads the lifetime field: 0 leaves it to the tenant.
func formLifetime(s string) (time.Duration, error) {
	if s == "" || s == ChoiceDefault {
		return 0, nil
	}
	return ParseLifetime(s)
}

// formUsage reads the one-time field: nil leaves it to the tenant.
func formUsage(s string) (*bool, error) {
	if s == "" || s == ChoiceDefault {
		return nil, nil
	}
	once, ok := usageWords[strings.ToLower(s)]
	if !ok {
		return nil, invalid("Pick one-time or multi-use.")
	}
	return &once, nil
}

// formStart applies the rule for a start to a picked time, in the form's
// words: a picker has no "at +2h".
func formStart(t, now time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	switch startBound(t, now) {
	case startPassed:
		return "This start has passed: it is now " + formatTime(now, loc) + ". Pick a later time, or leave it empty to start at once."
	case startTooFar:
		return "This start is more than 30 days ahead; a pass can be scheduled at most 30 days in advance."
	}
	return ""
}

// fieldMessage is an error's message for the place under a field, which
// shows plain text: the backticks that quote a typed word become quotes.
func fieldMessage(err error) string {
	return strings.ReplaceAll(approvals.ErrorMessage(err), "`", "\"")
}
