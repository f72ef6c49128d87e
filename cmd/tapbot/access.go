package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"go.yaml.in/yaml/v3"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient"
)

// Group keys in TAPBOT_REQUESTERS / TAPBOT_APPROVERS and the policy file:
// a Slack user group id (S…) or "entra-group:<object id>".
var (
	slackGroupID = regexp.MustCompile(`^(slack-group:)?S[A-Z0-9]{2,}$`)
	entraGroupID = regexp.MustCompile(`^entra-group:[0-9a-fA-F-]{36}$`)
)

// validAccessEntry accepts a person (validPrincipalID) or a group.
func validAccessEntry(id string) bool {
	return slackGroupID.MatchString(id) || entraGroupID.MatchString(id) || validPrincipalID(id)
}

// accessKey is the approvals key of a configured person or group.
func accessKey(id string) string {
	switch {
	case slackGroupID.MatchString(id):
		return "slack-group:" + strings.TrimPrefix(id, "slack-group:")
	case entraGroupID.MatchString(id):
		return strings.ToLower(id)
	}
	return principalKey(id)
}

// PolicyFile is the optional YAML file named by TAPBOT_POLICY_FILE. Where it
// and the environment both speak, the stricter value wins (allowed domains:
// those in both lists); people and groups from both are allowed.
type PolicyFile struct {
	Requesters            []string                `yaml:"requesters"`
	Approvers             []string                `yaml:"approvers"`
	ApprovalsRequired     int                     `yaml:"approvalsRequired"`
	SeparateGroups        []string                `yaml:"separateGroups"`
	AllowedDomains        []string                `yaml:"allowedDomains"`
	AllowDisabledAccounts bool                    `yaml:"allowDisabledAccounts"`
	AllowGuests           bool                    `yaml:"allowGuests"`
	Protect               []approvals.ProtectRule `yaml:"protect"`
	Reason                struct {
		Required      bool   `yaml:"required"`
		MinLength     int    `yaml:"minLength"`
		TicketPattern string `yaml:"ticketPattern"`
	} `yaml:"reason"`
	Limits struct {
		RequestsPerRequester int           `yaml:"requestsPerRequester"`
		Window               time.Duration `yaml:"window"`
		TargetCooldown       time.Duration `yaml:"targetCooldown"`
	} `yaml:"limits"`
	AuditChannel string `yaml:"auditChannel"` // Slack channel id to mirror audit events to
	// ProtectOff names built-in protect rules (approvals.DefaultProtect) to
	// turn off; protect rules are added to the built-in ones, never
	// instead of them.
	ProtectOff []string `yaml:"protectOff"`
	// AllowTechnicianTargets names the break-glass process under which a
	// pass may be requested for a technician's own account.
	AllowTechnicianTargets string `yaml:"allowTechnicianTargets"`
}

// loadPolicyFile reads and checks path. Every problem is reported.
func loadPolicyFile(path string) (*PolicyFile, []string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, []string{fmt.Sprintf("TAPBOT_POLICY_FILE: cannot read %s: %v", path, err)}
	}
	pf := new(PolicyFile)
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(pf); err != nil {
		return nil, []string{fmt.Sprintf("TAPBOT_POLICY_FILE %s: %v", path, err)}
	}
	var p []string
	for _, list := range [][]string{pf.Requesters, pf.Approvers, pf.SeparateGroups} {
		for _, id := range list {
			if !validAccessEntry(id) {
				p = append(p, fmt.Sprintf("TAPBOT_POLICY_FILE: %q is not a Slack user or user group id, an Entra object id, or entra-group:<object id>", id))
			}
		}
	}
	if _, err := regexp.Compile(pf.Reason.TicketPattern); err != nil {
		p = append(p, fmt.Sprintf("TAPBOT_POLICY_FILE: reason.ticketPattern: %v", err))
	}
	for i, r := range pf.Protect {
		if r.Name == "" {
			p = append(p, fmt.Sprintf("TAPBOT_POLICY_FILE: protect[%d] needs a name (it is shown in refusals)", i))
		}
		if !r.Refuse && r.ApprovalsRequired < 2 {
			p = append(p, fmt.Sprintf("TAPBOT_POLICY_FILE: protect %q must either refuse or need at least 2 approvals", r.Name))
		}
	}
	return pf, append(p, pf.checkProtectNames()...)
}

// policy builds the approvals policy from the settings and the policy file.
func (c Config) policy(groups approvals.GroupResolver) approvals.Policy {
	requesters, approvers := c.Requesters, c.Approvers
	p := approvals.Policy{
		ApprovalsRequired: c.ApprovalsRequired, RequestTTL: c.RequestTTL, AllowedDomains: c.AllowedDomains, Groups: groups,
	}
	if pf := c.PolicyFile; pf != nil {
		requesters, approvers = append(slices.Clone(requesters), pf.Requesters...), append(slices.Clone(approvers), pf.Approvers...)
		p.ApprovalsRequired = max(p.ApprovalsRequired, pf.ApprovalsRequired)
		p.AllowedDomains = stricterDomains(p.AllowedDomains, pf.AllowedDomains)
		p.AllowDisabled, p.AllowGuests, p.Protect = pf.AllowDisabledAccounts, pf.AllowGuests, pf.protectRules()
		p.AllowTechnicianTargets = pf.AllowTechnicianTargets
		for _, g := range pf.SeparateGroups {
			p.SeparateGroups = append(p.SeparateGroups, accessKey(g))
		}
		p.Reason = approvals.ReasonRule{Required: pf.Reason.Required, MinLength: pf.Reason.MinLength}
		if pf.Reason.TicketPattern != "" {
			p.Reason.TicketPattern = regexp.MustCompile(pf.Reason.TicketPattern) // checked when loaded
		}
		p.RequesterLimit, p.RequesterWindow, p.TargetCooldown = pf.Limits.RequestsPerRequester, pf.Limits.Window, pf.Limits.TargetCooldown
	}
	a := approvals.NewStaticAuthorizer(accessKeys(requesters), accessKeys(approvers))
	a.Groups = groups
	p.Authorizer = a
	return p
}

func accessKeys(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = accessKey(id)
	}
	return out
}

// groupResolver finds the groups of a technician: Slack user groups through
// usergroups.users.list, Entra groups through Graph (a Slack user is matched
// to an Entra user by the e-mail address Slack verified). Answers are cached
// for a short time so a burst of clicks does not become a burst of calls,
// while a removal from a group takes effect within minutes.
type groupResolver struct {
	slack       *slack.Client // nil without Slack
	graph       *graphclient.Client
	slackGroups []string // Slack user group ids named in the configuration
	entra       bool     // whether any entra-group key is configured
	ttl         time.Duration
	now         func() time.Time

	mu    sync.Mutex
	cache map[string]cachedGroups
}

type cachedGroups struct {
	groups  []string
	expires time.Time
}

// newGroupResolver returns nil when no group is configured anywhere.
func newGroupResolver(keys []string, sc *slack.Client, gc *graphclient.Client, now func() time.Time) *groupResolver {
	g := &groupResolver{slack: sc, graph: gc, ttl: 5 * time.Minute, now: now, cache: map[string]cachedGroups{}}
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

// GroupsOf returns p's group keys among those tapbot cares about.
func (g *groupResolver) GroupsOf(ctx context.Context, p approvals.Principal) ([]string, error) {
	g.mu.Lock()
	c, ok := g.cache[p.Key()]
	g.mu.Unlock()
	if ok && g.now().Before(c.expires) {
		return c.groups, nil
	}
	groups, err := g.lookup(ctx, p)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.cache[p.Key()] = cachedGroups{groups: groups, expires: g.now().Add(g.ttl)}
	g.mu.Unlock()
	return groups, nil
}

func (g *groupResolver) lookup(ctx context.Context, p approvals.Principal) ([]string, error) {
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
func (g *groupResolver) entraIDOfSlackUser(ctx context.Context, slackID string) (string, error) {
	id, err := slackIdentity(ctx, g.slack, g.graph, slackID)
	return id.EntraID, err
}
