package demo

import (
	"context"
	"fmt"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// script is what the three technicians do: a request for each customer
// tenant, each refused where the two-person rule or the tenant's own rules
// say so, and a domain no tenant has.
func (w *demoWorld) script() []demoStep {
	return []demoStep{
		{"Rita asks for a pass longer than contoso allows", w.askTooLong,
			"Refused with contoso's own bounds: nothing was stored and no approver was disturbed."},
		{"Rita asks for a pass for Alice at contoso, who got a new phone",
			w.ask("contoso", "alice@contoso.com 2h once new phone, ticket INC-4711"),
			"contoso.com is contoso's domain, so the request went to contoso: the card names the tenant and shows approvers what they need to decide — who asks, for whom, how long, why — and never a pass."},
		{"Rita tries to approve her own request", w.refusedClick(demoRita, "contoso", "own request"),
			"Two-person rule: Rita is an approver too, but never of her own request. The card did not change."},
		{"Fay, who approves for fabrikam, tries to approve contoso's card", w.refusedClick(demoFay, "contoso", "not an approver"),
			"Each tenant has its own approvers: Fay approves fabrikam's requests only, so contoso's card is not hers, even in the channel she shares with it. The card did not change."},
		{"Sam approves", w.approve(demoSam, "contoso", map[string]int{demoContosoID: 1}),
			"Only Rita saw the pass, in a message Slack does not keep. It was created in contoso's directory, with a token from contoso's own authority, and fabrikam's has none (checked). The channel shows who approved and until when the pass is valid, never the pass."},
		{"Rita asks for a pass for Alice at fabrikam, a different person",
			w.ask("fabrikam", "alice@fabrikam.com 1h lost phone, ticket FAB-118"),
			"Same name, another customer: fabrikam.com is fabrikam's domain, so this request went to fabrikam's own directory and rules."},
		{"Fay approves fabrikam's card", w.approve(demoFay, "fabrikam", map[string]int{demoContosoID: 1, demoFabrikamID: 1}),
			"fabrikam's pass was created in fabrikam's directory alone; contoso still has just its one (checked)."},
		{"Rita asks for a pass at a domain no tenant has", w.askUnknownDomain,
			"tapbot serves only the customers in its tenants file: an unknown domain is refused, naming it and how to add it, and nothing was stored."},
	}
}

func (w *demoWorld) askTooLong(ctx context.Context) error {
	if err := w.command(ctx, demoRita, "alice@contoso.com 12h new phone"); err != nil {
		return err
	}
	_, err := w.until(ctx, "the refusal", sent(slacktest.KindResponseURL, "was not raised"))
	return err
}

// ask makes Rita type "/tap text", a request for a user of tenant, and
// waits for its card, which must name the tenant, and her receipt.
func (w *demoWorld) ask(tenant, text string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if err := w.command(ctx, demoRita, text); err != nil {
			return err
		}
		got, err := w.until(ctx, "the approval card and Rita's receipt",
			sent(slacktest.KindPostMessage, "Temporary Access Pass request"), sent(slacktest.KindResponseURL, "waiting for approval"))
		if err != nil {
			return err
		}
		if !containsText(got[0], "in "+tenant) {
			return fmt.Errorf("the approval card does not name tenant %s: %s", tenant, got[0].Text)
		}
		w.cards[tenant] = got[0]
		return nil
	}
}

// refusedClick makes who press Approve on tenant's card and waits for the
// refusal, which contains want.
func (w *demoWorld) refusedClick(who demoPerson, tenant, want string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if err := w.click(ctx, who, w.cards[tenant], "tap_approve"); err != nil {
			return err
		}
		_, err := w.until(ctx, "the refusal", sent(slacktest.KindResponseURL, want))
		return err
	}
}

// approve makes who approve tenant's card, waits for Rita's pass and the
// final card, and checks that the passes so far are where want says.
func (w *demoWorld) approve(who demoPerson, tenant string, want map[string]int) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if err := w.click(ctx, who, w.cards[tenant], "tap_approve"); err != nil {
			return err
		}
		_, err := w.until(ctx, "the pass and the final card",
			sent(slacktest.KindPostEphemeral, "Temporary Access Pass for"), sent(slacktest.KindUpdate, "Issued and delivered"))
		if err != nil {
			return err
		}
		return w.passesIn(want)
	}
}

func (w *demoWorld) askUnknownDomain(ctx context.Context) error {
	if err := w.command(ctx, demoRita, "eve@tailspin.example 1h new laptop"); err != nil {
		return err
	}
	_, err := w.until(ctx, "the refusal", sent(slacktest.KindResponseURL, "No tenant has the domain tailspin.example"))
	return err
}
