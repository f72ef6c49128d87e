package doctor

import (
	"context"
	"fmt"

	"github.com/tapbot/tapbot/approvals"
)

// Teams users are Entra users: doctor looks them up through Graph.

func (d *run) resolveEntraUser(id string) (string, string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	u, err := d.graph.LookupUser(ctx, id)
	switch {
	case err != nil:
		return id, "Teams user " + id + ": " + approvals.ErrorMessage(err), true
	case !u.AccountEnabled:
		return id, fmt.Sprintf("Teams user %s (%s) has a disabled account", id, u.UPN), true
	}
	return fmt.Sprintf("%s %s", id, u.UPN), "", true
}
