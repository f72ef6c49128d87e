package approvals

import (
	"testing"
	"time"
)

func TestRaiseRemembersWhichValuesAreTenantDefaults(t *testing.T) {
	h := newHarness(t, nil)
	multi := false
	tests := []struct {
		name                 string
		in                   RaiseInput
		wantLifetime, wantUs bool
	}{
		{"nothing given", RaiseInput{UPN: "user0@contoso.com"}, true, true},
		{"lifetime given", RaiseInput{UPN: "user1@contoso.com", Lifetime: 2 * time.Hour}, false, true},
		{"use given", RaiseInput{UPN: "user2@contoso.com", Once: &multi}, true, false},
		{"both given, equal to the defaults", RaiseInput{UPN: "user3@contoso.com", Lifetime: time.Hour, Once: &multi}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raised := h.raise(t, tt.in)
			stored, err := h.store.Get(raised.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []*Request{raised, stored} {
				if r.LifetimeDefaulted != tt.wantLifetime || r.OnceDefaulted != tt.wantUs {
					t.Fatalf("LifetimeDefaulted %v, OnceDefaulted %v; want %v, %v", r.LifetimeDefaulted, r.OnceDefaulted, tt.wantLifetime, tt.wantUs)
				}
			}
		})
	}
}
