package slack

import (
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
)

// cardCase is a request and the facts its card's first three lines must
// carry.
type cardCase struct {
	name          string
	r             *approvals.Request
	want, notWant []string
}

func cardCases(start time.Time) []cardCase {
	base := func() *approvals.Request {
		return &approvals.Request{
			ID: "TAP-AAAAAA", State: approvals.StatePending, ApprovalsRequired: 1,
			Requester:       approvals.Principal{Platform: Platform, ID: "UREQ0001", Name: "rita"},
			Target:          approvals.Target{UPN: "alice@contoso.com", DisplayName: "Alice Andersen", AccountEnabled: true},
			LifetimeMinutes: 120, UsableOnce: true, Reason: "new phone INC-4711",
		}
	}
	defaulted := base()
	defaulted.LifetimeMinutes, defaulted.LifetimeDefaulted, defaulted.UsableOnce, defaulted.OnceDefaulted = 60, true, false, true
	delayed := base()
	delayed.StartAt = start
	msp := base()
	msp.TenantName = "fabrikam"
	long := base()
	long.Reason = "new phone INC-4711 " + strings.Repeat("the user dropped it in the harbour ", 5) + "END-OF-REASON"
	return []cardCase{
		{"chosen terms", base(), []string{"<@UREQ0001> asks for a pass for", "Alice Andersen", "alice@contoso.com", "2h", "one-time", "starts now", "new phone INC-4711"}, []string{"tenant default", "Account"}},
		{"tenant defaults", defaulted, []string{"1h (tenant default)", "multi-use (tenant default)", "starts now"}, nil},
		{"delayed start", delayed, []string{"2h", "one-time", "starts <!date^" + fmtUnix(start)}, []string{"starts now"}},
		{"MSP tenant", msp, []string{"in tenant fabrikam", "alice@contoso.com"}, nil},
		{"long reason clipped", long, []string{"Reason: new phone INC-4711", "…"}, []string{"END-OF-REASON"}},
	}
}

func fmtUnix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// blocksText renders Slack blocks as the plain lines a phone shows: each
// section's text and fields and each context's elements, in order.
func blocksText(blocks []slack.Block) []string {
	var lines []string
	add := func(t *slack.TextBlockObject) {
		if t != nil {
			lines = append(lines, strings.Split(t.Text, "\n")...)
		}
	}
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			add(b.Text)
			for _, f := range b.Fields {
				add(f)
			}
		case *slack.ContextBlock:
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					add(t)
				}
			}
		}
	}
	return lines
}

func TestSlackCardsFirstThreeLinesCarryTheDecision(t *testing.T) {
	b := New(Config{}, slog.New(slog.DiscardHandler))
	start := time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range cardCases(start) {
		t.Run(c.name, func(t *testing.T) {
			lines := blocksText(b.card(c.r))
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
			if summary := b.cardFallback(c.r); !strings.Contains(summary, "<@UREQ0001> asks: ") || !strings.Contains(summary, "alice@contoso.com") {
				t.Errorf("notification text = %q", summary)
			}
			if c.name == "long reason clipped" && !strings.Contains(strings.Join(lines, "\n"), "END-OF-REASON") {
				t.Error("a clipped reason is not shown in full below the first lines")
			}
		})
	}
}
