package bot

import (
	"regexp"
	"strings"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// VerifyHeading titles the approval card's section that helps an approver
// make sure the caller is the person the pass is for.
const VerifyHeading = "Verify the caller"

// Warn marks a warning sign, and a fact tapbot could not check.
const Warn = "⚠ "

// Phone writes a directory phone number: shown is the number as the
// directory has it, already escaped for the platform; dial is it as a
// tel: URI ("tel:+15550100"), "" when it holds no digits to dial. Nil
// writes shown.
type Phone func(shown, dial string) string

// VerifyLines is the approval card's "Verify the caller" section, one
// item a line, already escaped for st: the target's directory phone
// numbers (through phone) and manager, the warning signs (Entra ID
// Protection's risk, sign-in methods registered lately), then where each
// verification step stands. A fact tapbot could not read says "not
// checked: <why>", never that it is fine. nil when the request carries
// neither facts nor steps. Only approvers may see it: the requester's
// messages never show it.
func VerifyLines(r *approvals.Request, st Style, phone Phone) []string {
	var lines []string
	if f := r.Facts; f != nil {
		lines = append(lines, phonesLine(f, st, phone), managerLine(f, st), riskLine(f.Risk, st))
		lines = append(lines, methodLines(f.Methods, r.CreatedAt, st)...)
	}
	return append(lines, StepLines(r.Verify, st)...)
}

// StepLines are where r's verification steps stand, one a line, escaped
// for st: ✅ satisfied, ⛔ failed, ⏳ waiting; then how the target's risk
// raised the approvals needed, if it did.
func StepLines(v *approvals.Verification, st Style) []string {
	if v == nil {
		return nil
	}
	var lines []string
	for _, s := range v.Summary() {
		icon := "⏳ "
		switch {
		case s.Failed:
			icon = "⛔ "
		case s.Done:
			icon = "✅ "
		}
		lines = append(lines, icon+st.Escape(s.Text))
	}
	if v.Risk != "" {
		lines = append(lines, Warn+st.Escape(v.Risk))
	}
	return lines
}

// phonesLine lists the numbers to call back on: the directory's, never
// one the caller gave.
func phonesLine(f *approvals.TargetFacts, st Style, phone Phone) string {
	label := st.bold("Call back on") + " "
	if !f.Phones.OK {
		return Warn + "Directory phone numbers " + notChecked(f.Phones, st)
	}
	var numbers []string
	for _, n := range f.BusinessPhones {
		if n = strings.TrimSpace(n); n != "" {
			numbers = append(numbers, dialable(n, st, phone)+" (office)")
		}
	}
	if n := strings.TrimSpace(f.MobilePhone); n != "" {
		numbers = append(numbers, dialable(n, st, phone)+" (mobile)")
	}
	if len(numbers) == 0 {
		return Warn + "No phone number in the directory: verify the caller another way."
	}
	return label + strings.Join(numbers, ", ") + " (from the directory)"
}

// dialable is number, escaped, as a link that dials it where the platform
// allows.
func dialable(number string, st Style, phone Phone) string {
	shown := st.Escape(number)
	if phone == nil {
		return shown
	}
	return phone(shown, TelURI(number))
}

// notDialled is what a tel: URI leaves out of a directory number.
var notDialled = regexp.MustCompile(`[^0-9]`)

// TelURI is number as a tel: URI: its digits, with the leading + of an
// international number (RFC 3966); "" when it has no digits. Extensions
// and punctuation are dropped, so the URI holds nothing but digits.
func TelURI(number string) string {
	number = strings.TrimSpace(number)
	if i := strings.IndexAny(strings.ToLower(number), "xe#;"); i >= 0 {
		number = number[:i] // an extension ("x123", "ext. 12") is not dialled
	}
	digits := notDialled.ReplaceAllString(number, "")
	if digits == "" {
		return ""
	}
	if strings.HasPrefix(number, "+") {
		digits = "+" + digits
	}
	return "tel:" + digits
}

// managerLine names the target's manager in the directory.
func managerLine(f *approvals.TargetFacts, st Style) string {
	label := st.bold("Manager") + ": "
	switch {
	case !f.ManagerRead.OK:
		return Warn + "Manager " + notChecked(f.ManagerRead, st)
	case f.Manager == nil:
		return label + "none in the directory"
	}
	m := f.Manager
	name := m.DisplayName
	if name == "" {
		name = m.UPN
	}
	text := label + st.Escape(name)
	if m.UPN != "" && m.UPN != name {
		text += " (" + st.Escape(m.UPN) + ")"
	}
	return text
}

// settled are the risk states after which ID Protection no longer sees a
// risk.
var settled = map[string]bool{"": true, "none": true, "remediated": true, "dismissed": true, "confirmedsafe": true}

// riskLine is Entra ID Protection's view of the target: a warning sign
// unless it sees no risk, "not checked" when it could not be read.
func riskLine(r approvals.Risk, st Style) string {
	if !r.OK {
		return Warn + "Risk in Entra ID Protection " + notChecked(r.Checked, st)
	}
	level := strings.ToLower(r.Level)
	state := strings.ToLower(r.State)
	if (level == "" || level == "none") && settled[state] {
		text := "No risk in Entra ID Protection"
		if state != "" && state != "none" {
			text += " (" + st.Escape(r.State) + ")"
		}
		return text
	}
	what := "Risk"
	if level != "" && level != "none" {
		what = strings.ToUpper(level[:1]) + level[1:] + " risk"
	}
	detail := r.State
	if r.Detail != "" && r.Detail != "none" {
		detail = strings.Trim(detail+", "+r.Detail, ", ")
	}
	text := Warn + st.Escape(what) + " in Entra ID Protection"
	if detail != "" {
		text += " (" + st.Escape(detail) + ")"
	}
	return text
}

// methodLines are the sign-in methods registered lately, each a warning
// sign (a caller who set up their own method is the attack this guards
// against), with how long before the request they were registered.
func methodLines(m approvals.Methods, asked time.Time, st Style) []string {
	if !m.OK {
		return []string{Warn + "New sign-in methods " + notChecked(m.Checked, st)}
	}
	if len(m.Recent) == 0 {
		text := "No sign-in method registered lately"
		if !m.Since.IsZero() && !asked.IsZero() {
			text = "No sign-in method registered in the last " + daysSince(asked.Sub(m.Since))
		}
		return []string{text}
	}
	lines := make([]string, 0, len(m.Recent))
	for _, x := range m.Recent {
		name := x.Name
		if name == "" {
			name = x.Type
		}
		text := Warn + st.Escape(name)
		if x.Detail != "" {
			text += " (" + st.Escape(x.Detail) + ")"
		}
		text += " registered"
		if !x.Created.IsZero() && !asked.IsZero() {
			text += " " + ago(asked.Sub(x.Created))
		}
		lines = append(lines, text)
	}
	return lines
}

// notChecked says a fact was not read, and why.
func notChecked(c approvals.Checked, st Style) string {
	why := c.Why
	if why == "" {
		why = "tapbot could not read it"
	}
	return "not checked: " + st.Escape(why)
}

// daysSince writes a lookback: "7 days", "1 day", "12 hours".
func daysSince(d time.Duration) string {
	if d < 24*time.Hour {
		return plural(int(d.Round(time.Hour)/time.Hour), "hour", "hours")
	}
	return plural(int(d.Round(24*time.Hour)/(24*time.Hour)), "day", "days")
}

// ago writes how long before the request something happened: "2 days
// ago", "5 hours ago", "less than an hour ago".
func ago(d time.Duration) string {
	switch {
	case d < time.Hour:
		return "less than an hour ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour", "hours") + " ago"
	}
	return plural(int(d/(24*time.Hour)), "day", "days") + " ago"
}
