package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

func TestMessagesNameTheTenantInMSPModeOnly(t *testing.T) {
	st := Style{Escape: EscapeMrkdwn, Bold: func(s string) string { return "*" + s + "*" }, When: func(time.Time) string { return "soon" }, Person: func(p approvals.Principal) string { return p.ID }}
	r := &approvals.Request{ID: "TAP-AAAAAA", TenantName: "contoso", Target: approvals.Target{UPN: "alice@contoso.com"}, State: approvals.StatePending}
	single := *r
	single.TenantName = ""
	for name, c := range map[string]struct{ msp, single string }{
		"card summary": {Summary(r, st), Summary(&single, st)},
		"waiting":      {Waiting(r, "#approvals", st), Waiting(&single, "#approvals", st)},
		"list":         {OpenList([]*approvals.Request{r}, nil, st), OpenList([]*approvals.Request{&single}, nil, st)},
		"card lines":   {CardLines(r, st)[0], CardLines(&single, st)[0]},
		"status":       {Status(approvals.UserStatus{Target: r.Target, Tenant: "contoso"}, nil, st), Status(approvals.UserStatus{Target: r.Target}, nil, st)},
	} {
		if !strings.Contains(c.msp, "contoso)") && !strings.Contains(c.msp, "in contoso") && !strings.Contains(c.msp, "Tenant contoso") && !strings.Contains(c.msp, "tenant contoso") {
			t.Errorf("%s in MSP mode does not name the tenant: %q", name, c.msp)
		}
		if strings.Contains(strings.ToLower(c.single), "tenant") || strings.Contains(c.single, "(contoso)") {
			t.Errorf("%s of the single tenant names a tenant: %q", name, c.single)
		}
	}
	if TenantTag(r) != "[contoso] " || TenantTag(&single) != "" {
		t.Errorf("TenantTag = %q / %q", TenantTag(r), TenantTag(&single))
	}
}
