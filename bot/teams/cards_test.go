package teams

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// bodyText renders an Adaptive Card's body as the plain lines a phone
// shows: each TextBlock's text and each fact "title: value", in order.
func bodyText(card map[string]any) []string {
	var lines []string
	body, _ := card["body"].([]any)
	for _, e := range body {
		o, _ := e.(map[string]any)
		switch o["type"] {
		case "TextBlock":
			lines = append(lines, strings.Split(o["text"].(string), "\n")...)
		case "FactSet":
			for _, f := range o["facts"].([]any) {
				f := f.(map[string]any)
				lines = append(lines, f["title"].(string)+": "+f["value"].(string))
			}
		}
	}
	return lines
}

func TestTeamsCardsFirstThreeLinesCarryTheDecision(t *testing.T) {
	b := &Bot{cfg: Config{Location: time.UTC}}
	base := func() *approvals.Request {
		return &approvals.Request{
			ID: "TAP-AAAAAA", State: approvals.StatePending, ApprovalsRequired: 1,
			Requester:       approvals.Principal{Platform: Platform, ID: "aad-rita", Name: "Rita Requester"},
			Target:          approvals.Target{UPN: "alice@contoso.com", DisplayName: "Alice Andersen", AccountEnabled: true},
			LifetimeMinutes: 120, UsableOnce: true, Reason: "new phone INC-4711",
		}
	}
	defaulted := base()
	defaulted.LifetimeMinutes, defaulted.LifetimeDefaulted, defaulted.UsableOnce, defaulted.OnceDefaulted = 60, true, false, true
	delayed := base()
	delayed.StartAt = time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)
	msp := base()
	msp.TenantName = "fabrikam"
	long := base()
	long.Reason = "new phone INC-4711 " + strings.Repeat("the user dropped it in the harbour ", 5) + "END-OF-REASON"
	for _, c := range []struct {
		name          string
		r             *approvals.Request
		want, notWant []string
	}{
		{"chosen terms", base(), []string{"Rita Requester asks for a pass for", "Alice Andersen", "alice@contoso.com", "2h", "one-time", "starts now", "new phone INC-4711"}, []string{"tenant default", "Account"}},
		{"tenant defaults", defaulted, []string{"1h (tenant default)", "multi-use (tenant default)", "starts now"}, nil},
		{"delayed start", delayed, []string{"2h", "one-time", "starts Fri 1 Mar 09:00 UTC"}, []string{"starts now"}},
		{"MSP tenant", msp, []string{"in tenant fabrikam", "alice@contoso.com"}, nil},
		{"long reason clipped", long, []string{"Reason: new phone INC-4711", "…"}, []string{"END-OF-REASON"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines := bodyText(b.approvalCard(c.r).Content.(map[string]any))
			if len(lines) < 3 {
				t.Fatalf("card has %d lines: %q", len(lines), lines)
			}
			head := strings.Join(lines[:3], "\n")
			for _, w := range c.want {
				if !strings.Contains(head, w) {
					t.Errorf("first three lines lack %q:\n%s", w, head)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(head, w) {
					t.Errorf("first three lines show %q:\n%s", w, head)
				}
			}
			if summary := b.cardSummary(c.r); !strings.HasPrefix(summary, "Rita Requester asks: ") || !strings.Contains(summary, "alice@contoso.com") {
				t.Errorf("notification text = %q", summary)
			}
			if c.name == "long reason clipped" && !strings.Contains(strings.Join(lines, "\n"), "END-OF-REASON") {
				t.Error("a clipped reason is not shown in full below the first lines")
			}
		})
	}
}
