package bot

import (
	"strings"
	"testing"
	"time"
)

// noReasonRule stands in for a policy that asks nothing of a reason.
type noReasonRule struct{}

func (noReasonRule) CheckReason(string, string) error { return nil }

func TestFormIsCheckedWithTheTypedGrammarsRules(t *testing.T) {
	now := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone data")
	}
	tests := []struct {
		name  string
		form  Form
		field string // "" when the form is fine
		want  string
	}{
		{"fine", Form{User: "Alice@Contoso.com", Lifetime: "2h", Usage: "once"}, "", ""},
		{"no user", Form{User: "  "}, FieldUser, "Enter the user's sign-in name"},
		{"not a UPN", Form{User: "alice"}, FieldUser, "needs an @"},
		{"lifetime too long", Form{User: "a@b.com", Lifetime: "31d"}, FieldLifetime, "too long"},
		{"unknown usage", Form{User: "a@b.com", Usage: "twice"}, FieldUsage, "one-time or multi-use"},
		{"picked start passed", Form{User: "a@b.com", Start: now.Add(-time.Minute)}, FieldStart, "has passed"},
		{"picked start too far", Form{User: "a@b.com", Start: now.Add(31 * 24 * time.Hour)}, FieldStart, "more than 30 days"},
		{"date without time", Form{User: "a@b.com", StartDate: "2026-03-02"}, FieldStart, "Pick a time of day"},
		{"reason too long", Form{User: "a@b.com", Reason: strings.Repeat("x", MaxReasonLen+1)}, FieldReason, "keep it to 300"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := tc.form.Command(now, ny, noReasonRule{})
			if tc.field == "" {
				if len(errs) != 0 {
					t.Fatalf("errors %v, want none", errs)
				}
				return
			}
			if len(errs) != 1 || !strings.Contains(errs[tc.field], tc.want) {
				t.Fatalf("errors %v, want one under %s saying %q", errs, tc.field, tc.want)
			}
			if strings.Contains(errs[tc.field], "`") {
				t.Errorf("the message quotes with backticks, which a field shows as they are: %q", errs[tc.field])
			}
		})
	}
}

func TestFormTimeAloneIsTheNextSuchTimeInTheRequestersZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone data")
	}
	now := time.Date(2026, 3, 1, 22, 0, 0, 0, ny) // 22:00 in New York: 08:00 is tomorrow
	cmd, errs := Form{User: "a@b.com", StartTime: "08:00"}.Command(now, ny, noReasonRule{})
	if want := time.Date(2026, 3, 2, 8, 0, 0, 0, ny); len(errs) != 0 || !cmd.Start.Equal(want) {
		t.Fatalf("start %v (errors %v), want %v", cmd.Start, errs, want)
	}
}

func TestFormDefaultsAreLeftToTheTenant(t *testing.T) {
	cmd, errs := Form{User: "a@b.com", Lifetime: ChoiceDefault, Usage: ChoiceDefault}.Command(time.Now(), nil, noReasonRule{})
	if len(errs) != 0 || cmd.Lifetime != 0 || cmd.Once != nil || !cmd.Start.IsZero() {
		t.Fatalf("command %+v (errors %v), want the tenant's defaults", cmd, errs)
	}
}

func TestAsksForForm(t *testing.T) {
	for text, want := range map[string]bool{"": true, "  ": true, "tap": true, "/tap": true, "help": false, "tap help": false, "alice@contoso.com": false} {
		if got := AsksForForm(text); got != want {
			t.Errorf("AsksForForm(%q) = %v, want %v", text, got, want)
		}
	}
}
