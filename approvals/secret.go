package approvals

import (
	"fmt"
	"log/slog"
)

// Secret holds a Temporary Access Pass. Every way of printing, logging or
// encoding it yields "[redacted]": only Reveal returns the text, and only the
// private delivery to the requester calls it.
type Secret struct{ s string }

// NewSecret wraps the pass text returned by Graph.
func NewSecret(s string) Secret { return Secret{s: s} }

// Reveal returns the pass text. Call it only to hand the pass to its holder.
func (s Secret) Reveal() string { return s.s }

// IsZero reports whether no pass is held.
func (s Secret) IsZero() bool { return s.s == "" }

const redacted = "[redacted]"

func (Secret) String() string               { return redacted }
func (Secret) GoString() string             { return redacted }
func (Secret) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (Secret) Format(f fmt.State, _ rune)   { _, _ = f.Write([]byte(redacted)) }
