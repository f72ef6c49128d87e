package main

import (
	"strings"
	"testing"
)

// The fake tenant's pass policy defaults to 1h and multi-use.
const (
	defaultLifetimeFact = "1h (tenant default)"
	defaultUseFact      = "multi-use (tenant default)"
)

func TestSlackCardSaysWhichValuesAreTenantDefaults(t *testing.T) {
	tests := []struct {
		name, text       string
		shows, showsNone []string
	}{
		{"nothing chosen", "alice@contoso.com new phone", []string{defaultLifetimeFact, defaultUseFact}, nil},
		{"lifetime chosen", "alice@contoso.com 2h new phone", []string{"2h", defaultUseFact}, []string{defaultLifetimeFact}},
		{"use chosen", "alice@contoso.com multi new phone", []string{defaultLifetimeFact, "multi-use"}, []string{defaultUseFact}},
		{"everything chosen", "alice@contoso.com 1h multi new phone", []string{"1h", "multi-use"}, []string{"(tenant default)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, nil)
			e.command(requester, tt.text)
			card := shown(e.card())
			for _, want := range tt.shows {
				if !strings.Contains(card, want) {
					t.Errorf("card lacks %q: %s", want, card)
				}
			}
			for _, unwanted := range tt.showsNone {
				if strings.Contains(card, unwanted) {
					t.Errorf("card shows %q: %s", unwanted, card)
				}
			}
		})
	}
}

func TestTeamsCardSaysWhichValuesAreTenantDefaults(t *testing.T) {
	te := startTeamsEnv(t, nil)
	te.says(te.rita, "tap alice@contoso.com new phone")
	card := te.teamsCard()
	for _, want := range []string{defaultLifetimeFact, defaultUseFact} {
		if !card.Shows(want) {
			t.Errorf("card lacks %q: %s", want, card.Card())
		}
	}
	te.says(te.rita, "tap carol@contoso.com 2h once new phone")
	if card := te.teamsCard(); card.Shows("(tenant default)") {
		t.Errorf("card of a request that chose everything says tenant default: %s", card.Card())
	}
}
