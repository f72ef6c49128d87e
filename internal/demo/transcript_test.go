package demo

import (
	"slices"
	"testing"

	"github.com/tapbot/tapbot/internal/tenantsfile"
)

// The whole demo runs through the binary in cmd/tapbot
// (TestDemoPlaysTheWholeFlowAndEndsWithTheVerifiedAuditLog); this test
// holds the transcript's rendering of Slack's mrkdwn to what a reader of
// a terminal needs.
func TestTranscriptShowsMrkdwnAsPlainText(t *testing.T) {
	text := slackText{users: map[string]string{"U0RITA001": "Rita"}, channels: map[string]string{"C0HELPDESK": "helpdesk"}}
	for _, tc := range []struct{ in, want string }{
		{"*<@U0RITA001>* asks in <#C0HELPDESK>", "@Rita asks in #helpdesk"},
		{"<@U0NOBODY1|someone> and <#C0OTHER01|other>", "@U0NOBODY1 and #C0OTHER01"},
		{":key: _for Alice_ &lt;b&gt; &amp; co", "🔑 for Alice <b> & co"},
		{"see <https://example.com/a|the runbook>", "see the runbook (https://example.com/a)"},
		{"pass:\n```*Ab&amp;1_x_*```", "pass:\n    *Ab&1_x_*"},
		{":unknown_code:", ":unknown_code:"},
	} {
		if got := text.mrkdwn(tc.in); got != tc.want {
			t.Errorf("mrkdwn(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The MSP scenes refuse four of the eight steps; the audit report names
// each step that left no event.
func TestRefusedStepsAreNamedUnderTheAuditLog(t *testing.T) {
	for _, tc := range []struct {
		wrote map[int]bool
		want  string
	}{
		{map[int]bool{2: true, 5: true, 6: true, 7: true}, "Steps 1, 3, 4 and 8 were"},
		{map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true}, "Step 8 was"},
		{map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true}, ""},
	} {
		w := &demoWorld{eventStep: map[uint64]int{}}
		seq := uint64(0)
		for step := range tc.wrote {
			seq++
			w.eventStep[seq] = step
		}
		if got := w.stepsWithoutEvents(len(w.script())); got != tc.want {
			t.Errorf("steps with events %v: %q, want %q", tc.wrote, got, tc.want)
		}
	}
}

// The demo's tenants file passes tapbot's own check, with fabrikam's one
// approver Fay and contoso on the global approvers.
func TestDemoTenantsFileNamesBothTenantsAndFabrikamsApprover(t *testing.T) {
	f, problems := tenantsfile.Parse([]byte(demoTenantsFile), func(string) bool { return true })
	if len(problems) > 0 {
		t.Fatalf("the demo's tenants file: %v", problems)
	}
	if len(f.Tenants) != 2 {
		t.Fatalf("%d tenants, want contoso and fabrikam", len(f.Tenants))
	}
	contoso, fabrikam := f.Tenants[0], f.Tenants[1]
	if contoso.Name != "contoso" || contoso.ID != demoContosoID || contoso.Approvers != nil {
		t.Errorf("contoso = %+v, want the global approvers", contoso)
	}
	if fabrikam.Name != "fabrikam" || fabrikam.ID != demoFabrikamID || !slices.Equal(fabrikam.Approvers, []string{demoFay.id}) {
		t.Errorf("fabrikam = %+v, want Fay alone as approver", fabrikam)
	}
}
