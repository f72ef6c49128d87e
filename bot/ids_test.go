package bot

import (
	"testing"

	"github.com/tapbot/tapbot/approvals"
)

func TestParseRequestIDIsUsableAlone(t *testing.T) {
	if got, err := ParseRequestID(" tap-abcd "); err != nil || got != "TAP-ABCD" {
		t.Errorf("ParseRequestID = %q, %v", got, err)
	}
	if _, err := ParseRequestID("TAP-ABC"); approvals.ErrorCode(err) != approvals.EINVALID {
		t.Errorf("ParseRequestID(TAP-ABC) error = %v, want EINVALID", err)
	}
}
