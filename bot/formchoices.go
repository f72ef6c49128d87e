package bot

import (
	"slices"
	"strings"

	"github.com/tapbot/tapbot/approvals"
)

// Choice is one option of a form's select or radio buttons.
type Choice struct {
	Value string // what the form sends back: ChoiceDefault, a lifetime ("2h"), "once" or "multi"
	Label string // what the technician reads
}

// FormChoices is what the request form offers, built from the policy.
type FormChoices struct {
	Lifetimes      []Choice // the first with Value ChoiceDefault is picked at first
	Usages         []Choice // likewise
	ReasonRequired bool
	ReasonHint     string // a placeholder naming the ticket the reason must carry
}

// formLifetimes are the lifetimes a form offers, in minutes, within the 10
// minutes to 30 days Entra allows; a tenant's bounds narrow them.
var formLifetimes = []int{10, 30, 60, 2 * 60, 4 * 60, 8 * 60, 12 * 60, 24 * 60, 2 * 24 * 60, 3 * 24 * 60, 7 * 24 * 60, 14 * 24 * 60, 30 * 24 * 60}

// maxHint is the longest placeholder Slack shows (150 characters).
const maxHint = 150

// NewFormChoices builds the form's choices from fp. With the tenant's TAP
// policy known, the lifetimes lie within its bounds and its default is
// marked "(tenant default)"; without it (several tenants, or Graph did not
// answer), a "Tenant default" choice comes first and Raise applies the
// tenant's bounds to the others.
func NewFormChoices(fp approvals.FormPolicy) FormChoices {
	c := FormChoices{ReasonRequired: fp.Reason.Required || fp.Reason.MinLength > 0 || fp.Reason.TicketPattern != nil}
	c.ReasonHint = reasonHint(fp.Reason)
	if fp.TAP == nil {
		c.Lifetimes = append([]Choice{{ChoiceDefault, "Tenant default"}}, lifetimeChoices(formLifetimes, -1)...)
		c.Usages = []Choice{{ChoiceDefault, "Tenant default"}, {"once", "Yes, one-time"}, {"multi", "No, multi-use"}}
		return c
	}
	tp := *fp.TAP
	c.Lifetimes = lifetimeChoices(boundedLifetimes(tp), tp.DefaultLifetime)
	i := slices.IndexFunc(c.Lifetimes, func(ch Choice) bool { return ch.Value == ChoiceDefault })
	c.Lifetimes = append(append([]Choice{c.Lifetimes[i]}, c.Lifetimes[:i]...), c.Lifetimes[i+1:]...)
	switch {
	case tp.UsableOnce:
		c.Usages = []Choice{{ChoiceDefault, "Yes, one-time (the tenant allows only one-time passes)"}}
	default:
		c.Usages = []Choice{{ChoiceDefault, "No, multi-use (tenant default)"}, {"once", "Yes, one-time"}}
	}
	return c
}

// boundedLifetimes are the offered lifetimes within tp's bounds, with its
// bounds and default among them.
func boundedLifetimes(tp approvals.TAPPolicy) []int {
	out := []int{tp.MinLifetime, tp.MaxLifetime, tp.DefaultLifetime}
	for _, m := range formLifetimes {
		if m >= tp.MinLifetime && m <= tp.MaxLifetime {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// lifetimeChoices labels lifetimes; the one equal to def is the tenant
// default's choice.
func lifetimeChoices(minutes []int, def int) []Choice {
	out := make([]Choice, 0, len(minutes))
	for _, m := range minutes {
		if m == def {
			out = append(out, Choice{ChoiceDefault, SpellMinutes(m) + " (tenant default)"})
			continue
		}
		out = append(out, Choice{approvals.FormatMinutes(m), SpellMinutes(m)})
	}
	return out
}

// SpellMinutes writes m minutes in words for a form's label: "10 minutes",
// "2 hours", "1 day 12 hours".
func SpellMinutes(m int) string {
	var parts []string
	for _, u := range []struct {
		size      int
		one, many string
	}{{24 * 60, "day", "days"}, {60, "hour", "hours"}, {1, "minute", "minutes"}} {
		if n := m / u.size; n > 0 {
			parts = append(parts, plural(n, u.one, u.many))
			m -= n * u.size
		}
	}
	if len(parts) == 0 {
		return "0 minutes"
	}
	return strings.Join(parts, " ")
}

// reasonHint is the reason field's placeholder.
func reasonHint(r approvals.ReasonRule) string {
	hint := "Why the pass is needed, e.g. new phone, INC-4711"
	if r.TicketPattern != nil {
		hint = "Why, with a ticket matching " + r.TicketPattern.String() + ", e.g. new phone, INC-4711"
	}
	return Truncate(hint, maxHint)
}
