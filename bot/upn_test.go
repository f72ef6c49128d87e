package bot

import (
	"testing"

	"github.com/tapbot/tapbot/approvals"
)

func TestParseUPNIsUsableAlone(t *testing.T) {
	if got, err := ParseUPN("<mailto:Bob@Contoso.com|Bob@Contoso.com>"); err != nil || got != "bob@contoso.com" {
		t.Errorf("ParseUPN = %q, %v", got, err)
	}
	if _, err := ParseUPN("bob"); approvals.ErrorCode(err) != approvals.EINVALID {
		t.Errorf("ParseUPN(bob) error = %v, want EINVALID", err)
	}
}
