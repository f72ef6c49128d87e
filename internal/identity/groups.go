package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
)

// Groups finds the groups of a technician (approvals.GroupResolver): Slack
// user groups through usergroups.users.list, Entra groups through Graph (a
// Slack user is matched to an Entra user by the e-mail address Slack
// verified). Answers are cached for a short time so a burst of clicks does
// not become a burst of calls, while a removal from a group takes effect
// within minutes.
type Groups struct {
	slack       *slack.Client // nil without Slack
	graph       *graphclient.Client
	slackGroups []string           // Slack user group ids named in the configuration
	entra       bool               // whether any entra-group key is configured
	cache       ttlCache[[]string] // by principal key
}

var _ approvals.GroupResolver = (*Groups)(nil)

// NewGroups resolves the group keys among keys (the configured access
// entries as approvals keys); it returns nil when none is a group.
func NewGroups(keys []string, sc *slack.Client, gc *graphclient.Client, now func() time.Time) *Groups {
	g := &Groups{slack: sc, graph: gc, cache: newTTLCache[[]string](5*time.Minute, now)}
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, "slack-group:"):
			g.slackGroups = append(g.slackGroups, strings.TrimPrefix(k, "slack-group:"))
		case strings.HasPrefix(k, "entra-group:"):
			g.entra = true
		}
	}
	if len(g.slackGroups) == 0 && !g.entra {
		return nil
	}
	return g
}

// GroupsOf returns p's group keys among those tapbot cares about. It
// returns an error when Slack or Graph could not be asked.
func (g *Groups) GroupsOf(ctx context.Context, p approvals.Principal) ([]string, error) {
	return g.cache.get(ctx, p.Key(), func() ([]string, error) { return g.lookup(ctx, p) })
}

func (g *Groups) lookup(ctx context.Context, p approvals.Principal) ([]string, error) {
	var out []string
	entraUser := p.ID
	if p.Platform == "slack" {
		for _, sg := range g.slackGroups {
			members, err := g.slack.GetUserGroupMembersContext(ctx, sg)
			if err != nil {
				return nil, fmt.Errorf("members of Slack user group %s (needs the usergroups:read scope): %w", sg, err)
			}
			if slices.Contains(members, p.ID) {
				out = append(out, "slack-group:"+sg)
			}
		}
		if !g.entra {
			return out, nil
		}
		id, err := g.entraIDOfSlackUser(ctx, p.ID)
		if err != nil || id == "" {
			return out, err
		}
		entraUser = id
	}
	if !g.entra {
		return out, nil
	}
	groups, err := g.graph.UserGroups(ctx, entraUser)
	if err != nil {
		return nil, err
	}
	for _, id := range groups {
		out = append(out, "entra-group:"+strings.ToLower(id))
	}
	return out, nil
}

// entraIDOfSlackUser maps a Slack user to an Entra user by the e-mail Slack
// verified (slackIdentity); "" when there is no such user.
func (g *Groups) entraIDOfSlackUser(ctx context.Context, slackID string) (string, error) {
	id, err := slackIdentity(ctx, g.slack, g.graph, slackID)
	return id.EntraID, err
}
