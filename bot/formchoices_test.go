package bot

import (
	"strings"
	"testing"

	"github.com/tapbot/tapbot/approvals"
)

func TestFormChoicesFollowTheTenantsPolicy(t *testing.T) {
	values := func(cs []Choice) string {
		var v []string
		for _, c := range cs {
			v = append(v, c.Value)
		}
		return strings.Join(v, ",")
	}
	one := NewFormChoices(approvals.FormPolicy{TAP: &approvals.TAPPolicy{MinLifetime: 60, MaxLifetime: 480, DefaultLifetime: 90, UsableOnce: true}})
	if got := values(one.Lifetimes); got != "default,1h,2h,4h,8h" || one.Lifetimes[0].Label != "1 hour 30 minutes (tenant default)" {
		t.Errorf("lifetimes %v, want the tenant's range, its default first and marked", one.Lifetimes)
	}
	if got := values(one.Usages); got != "default" {
		t.Errorf("usages %v, want only one-time where the tenant forces it", one.Usages)
	}
	msp := NewFormChoices(approvals.FormPolicy{Multi: true})
	if msp.Lifetimes[0].Value != ChoiceDefault || values(msp.Usages) != "default,once,multi" || len(msp.Lifetimes) != len(formLifetimes)+1 {
		t.Errorf("MSP choices %+v, want the tenant default first, then the fixed set", msp)
	}
}
