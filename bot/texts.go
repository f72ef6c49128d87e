package bot

import (
	"fmt"
	"time"
)

// Usage is the full help for /tap, one form per paragraph with examples.
// It is plain text without any character Slack mrkdwn or Teams markdown
// would read as markup, so both platforms can send it unchanged.
const Usage = `How to use /tap (words are not case-sensitive):

/tap user@domain [lifetime] [once|multi] [at start] [reason…]
Ask for a Temporary Access Pass for a user. Another technician approves it, then the pass comes to you privately.
- lifetime: 10m to 30d, e.g. 90m, 2h, 1h30m, 1d or 1d12h (default: the tenant's policy)
- once or multi: a one-time or a multi-use pass (default: the tenant's policy)
- at start: at 14:30 (the next 14:30 in your time zone: today, or tomorrow once it has passed), at +30m or at +1d (from now), at YYYY-MM-DD HH:MM for a day within 30 days, or an RFC 3339 time (default: at once)
- reason: everything after the options, e.g. a ticket number (up to 300 characters)

/tap status user@domain
Show the user's current pass and open requests.

/tap revoke user@domain
Delete the user's pass.

/tap list
List the open requests.

/tap cancel TAP-7K3Q9D
Withdraw a request you made that is still waiting for approval.

/tap deny TAP-7K3Q9D [reason…]
Refuse a request that is waiting for approval.

/tap verify TAP-7K3Q9D
Send the user a new Verified ID link for your request when the Face Check failed or its link expired.

/tap help
Show this text.

Examples:
/tap alice@contoso.com 2h once new phone, INC-4711
/tap bob@contoso.com 1d multi at 08:00 new hire, first sign-in
/tap carol@contoso.com 4h once at +1d replacement phone arrives tomorrow
/tap status alice@contoso.com`

// ShortUsage is a one-line reminder of the request form, for the end of
// an error message. Like Usage it needs no escaping.
const ShortUsage = "Usage: /tap user@domain [lifetime] [once|multi] [at start] [reason…], or /tap help for everything."

// SignInHint tells the holder of a pass how to use it, in the words of
// Microsoft's user documentation. bold renders the names of the buttons
// the user must find (Slack: "*"+s+"*", Teams: "**"+s+"**"); nil leaves
// them plain.
func SignInHint(bold func(string) string) string {
	if bold == nil {
		bold = func(s string) string { return s }
	}
	return "Sign in at https://myaccount.microsoft.com (or wherever you were asked to sign in) with your user name; " +
		"when asked for a password, choose " + bold("Sign-in options") + " → " + bold("Temporary Access Pass") +
		" and enter the pass. Then set up Microsoft Authenticator or your security key."
}

// DescribePass says what kind of pass this is and when it is valid, e.g.
// "one-time, valid 2h from 14:05 to 16:05 UTC on Sat 1 Mar". Times are
// shown in loc (UTC when nil). A zero end is start plus the lifetime; a
// zero start means the pass is valid from when it is issued; a lifetime
// of 0 stands for the tenant's default.
func DescribePass(lifetimeMinutes int, once bool, start, end time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	kind, life := "multi-use", "for the tenant's default lifetime"
	if once {
		kind = "one-time"
	}
	if lifetimeMinutes > 0 {
		life = FormatMinutes(lifetimeMinutes)
	}
	if start.IsZero() {
		return fmt.Sprintf("%s, valid %s from when it is issued", kind, life)
	}
	if end.IsZero() && lifetimeMinutes > 0 {
		end = start.Add(time.Duration(lifetimeMinutes) * time.Minute)
	}
	return fmt.Sprintf("%s, valid %s %s", kind, life, describeSpan(start.In(loc), end.In(loc)))
}

// describeSpan writes "from … to …" for a pass valid from s to e, with
// the date once when both fall on the same day and the zone once when it
// does not change in between.
func describeSpan(s, e time.Time) string {
	if e.IsZero() {
		return "from " + s.Format("Mon 2 Jan 15:04 MST")
	}
	sameDay := s.YearDay() == e.YearDay() && s.Year() == e.Year()
	sameZone := s.Format("MST") == e.Format("MST")
	switch {
	case sameDay && sameZone:
		return fmt.Sprintf("from %s to %s on %s", s.Format("15:04"), e.Format("15:04 MST"), s.Format("Mon 2 Jan"))
	case sameDay:
		return fmt.Sprintf("from %s to %s on %s", s.Format("15:04 MST"), e.Format("15:04 MST"), s.Format("Mon 2 Jan"))
	case sameZone:
		return fmt.Sprintf("from %s to %s", s.Format("Mon 2 Jan 15:04"), e.Format("Mon 2 Jan 15:04 MST"))
	}
	return fmt.Sprintf("from %s to %s", s.Format("Mon 2 Jan 15:04 MST"), e.Format("Mon 2 Jan 15:04 MST"))
}
