package approvals

import (
	"errors"
	"fmt"
)

// Error codes. The chat front-ends turn a code into how they answer: every
// code but EINTERNAL carries a message written for the technician.
const (
	EINVALID     = "invalid"     // the input is wrong; the message says how
	EFORBIDDEN   = "forbidden"   // the actor may not do this
	ENOTFOUND    = "not_found"   // the request or the user does not exist
	ECONFLICT    = "conflict"    // the request is no longer in a state that allows it
	EUNAVAILABLE = "unavailable" // a dependency (Graph, chat) failed; try again
	EPERMISSION  = "permission"  // the bot's own Graph permissions are missing
	EINTERNAL    = "internal"    // a bug or a storage failure
)

// Error is the one error type of the domain. Message is safe to show to the
// technician who caused it; it never contains a secret.
type Error struct {
	Code    string
	Message string
	Err     error // underlying cause, for logs; may be nil
}

// Error is the code, the message and the cause, for logs. Show a
// technician only the message (ErrorMessage).
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the underlying cause, so errors.Is and errors.As see it.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL when err is not an *Error,
// and "" when err is nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the technician-facing message of err. Errors that are
// not an *Error get a generic sentence: their text may hold details that do
// not belong in a chat.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "Something went wrong inside tapbot; the operator can find the details in its log."
}
