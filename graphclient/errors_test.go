package graphclient_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tapbot/tapbot/approvals"
)

func TestHugeGraphErrorIsClippedWhereItEnters(t *testing.T) {
	e := newEnv(t)
	// Both reads of the lookup (the user, their passes) get the answer; the
	// user's failure is the one reported.
	e.s.FailWithMessage("/users/alice", "GET", 400, strings.Repeat("Code", 1000), strings.Repeat("<&>é", 2500), 2)
	_, err := e.c.LookupUser(context.Background(), "alice@contoso.com")
	wantError(t, err, approvals.EINVALID, "Microsoft Graph refused to look users up", "<&>é", "…")
	if n := utf8.RuneCountInString(approvals.ErrorMessage(err)); n > 700 {
		t.Errorf("message of %d characters carries Graph's text whole", n)
	}
}
