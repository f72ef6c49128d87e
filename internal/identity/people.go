package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	slackbot "github.com/tapbot/tapbot/bot/slack"
	teamsbot "github.com/tapbot/tapbot/bot/teams"
	"github.com/tapbot/tapbot/graphclient"
)

// People tells who technicians are in Entra (approvals.Identities): a
// Teams user's id is their Entra object id; a Slack user is matched to the
// Entra user whose mail or UPN is the e-mail address Slack verified.
// Answers are cached for a short time, like group memberships, so a burst
// of requests does not become a burst of calls.
type People struct {
	slack   *slack.Client // nil without Slack
	graph   *graphclient.Client
	people  ttlCache[approvals.Identity]
	members ttlCache[[]approvals.Principal]
}

var _ approvals.Identities = (*People)(nil)

// NewPeople asks sc (nil without Slack) and gc, and caches the answers on
// now's clock.
func NewPeople(sc *slack.Client, gc *graphclient.Client, now func() time.Time) *People {
	const ttl = 5 * time.Minute
	return &People{slack: sc, graph: gc, people: newTTLCache[approvals.Identity](ttl, now), members: newTTLCache[[]approvals.Principal](ttl, now)}
}

// Identify returns what tapbot knows of p in Entra.
func (ids *People) Identify(ctx context.Context, p approvals.Principal) (approvals.Identity, error) {
	switch {
	case p.Platform == teamsbot.Platform:
		return approvals.Identity{EntraID: strings.ToLower(p.ID)}, nil
	case p.Platform != slackbot.Platform || ids.slack == nil:
		return approvals.Identity{}, nil
	}
	return ids.people.get(ctx, p.ID, func() (approvals.Identity, error) {
		return slackIdentity(ctx, ids.slack, ids.graph, p.ID)
	})
}

// Members returns the members of a Slack user group ("slack-group:S…").
func (ids *People) Members(ctx context.Context, key string) ([]approvals.Principal, error) {
	group, ok := strings.CutPrefix(key, "slack-group:")
	if !ok || ids.slack == nil {
		return nil, nil
	}
	return ids.members.get(ctx, group, func() ([]approvals.Principal, error) {
		users, err := ids.slack.GetUserGroupMembersContext(ctx, group)
		if err != nil {
			return nil, fmt.Errorf("members of Slack user group %s (needs the usergroups:read scope): %w", group, err)
		}
		out := make([]approvals.Principal, len(users))
		for i, u := range users {
			out[i] = approvals.Principal{Platform: slackbot.Platform, ID: u}
		}
		return out, nil
	})
}

// slackIdentity matches a Slack user to Entra by the e-mail address Slack
// verified. An address Slack has not confirmed counts for nothing: anyone
// could type a colleague's. An unknown Slack user, or an address no single
// Entra user has, is not an error: tapbot then knows less.
func slackIdentity(ctx context.Context, sc *slack.Client, gc *graphclient.Client, slackID string) (approvals.Identity, error) {
	u, err := sc.GetUserInfoContext(ctx, slackID)
	switch {
	case err != nil && err.Error() == "user_not_found":
		return approvals.Identity{}, nil
	case err != nil:
		return approvals.Identity{}, fmt.Errorf("look up Slack user %s (needs the users:read.email scope): %w", slackID, err)
	case u.Profile.Email == "" || !u.IsEmailConfirmed:
		return approvals.Identity{}, nil
	}
	id := approvals.Identity{Email: u.Profile.Email}
	if gc == nil { // MSP mode without a home tenant: compare by address only
		return id, nil
	}
	t, err := gc.LookupUserByMail(ctx, u.Profile.Email)
	switch approvals.ErrorCode(err) {
	case "":
		id.EntraID = strings.ToLower(t.ID)
	case approvals.ENOTFOUND, approvals.EINVALID: // no one, or several: compare by address only
	default:
		return approvals.Identity{}, err
	}
	return id, nil
}
