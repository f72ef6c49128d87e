package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tapbot/tapbot/approvals"
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

// validReminderMention accepts what Slack can mention: a user (U… or W…)
// or a user group (S…), with or without the key prefix.
func validReminderMention(id string) bool {
	return slackGroupID.MatchString(id) || slackUserID.MatchString(strings.TrimPrefix(id, "slack:"))
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
	// DenyReason is "required" when approvers must say why they deny a
	// request, "optional" (or empty) when they may.
	DenyReason string `yaml:"denyReason"`
	Limits     struct {
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
	// ReminderMentions are the Slack users (U…) and user groups (S…)
	// mentioned when a pending request is re-announced in its card's
	// thread halfway through its lifetime.
	ReminderMentions []string `yaml:"reminderMentions"`
	// Verify is how the person a pass is for is verified (steps for every
	// request, risk rules, the notice after issuance); protect rules add
	// steps with their own verify: list.
	Verify approvals.VerifyPolicy `yaml:"verify"`
}

// loadPolicyFile reads and checks path. Every problem is reported.
func loadPolicyFile(path string) (*PolicyFile, []string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, []string{fmt.Sprintf("TAPBOT_POLICY_FILE: cannot read %s: %v", path, err)}
	}
	return parsePolicyFile(path, b)
}

// parsePolicyFile checks the content b of the policy file at path. Every
// problem is reported.
func parsePolicyFile(path string, b []byte) (*PolicyFile, []string) {
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
	for _, id := range pf.ReminderMentions {
		if !validReminderMention(id) {
			p = append(p, fmt.Sprintf("TAPBOT_POLICY_FILE: reminderMentions: %q is not a Slack user id (U…) or user group id (S…)", id))
		}
	}
	if pf.DenyReason != "" && pf.DenyReason != "required" && pf.DenyReason != "optional" {
		p = append(p, fmt.Sprintf("TAPBOT_POLICY_FILE: denyReason is %q; write required or optional", pf.DenyReason))
	}
	if _, err := regexp.Compile(pf.Reason.TicketPattern); err != nil {
		p = append(p, fmt.Sprintf("TAPBOT_POLICY_FILE: reason.ticketPattern: %v", err))
	}
	for i, r := range pf.Protect {
		if r.Name == "" {
			p = append(p, fmt.Sprintf("TAPBOT_POLICY_FILE: protect[%d] needs a name (it is shown in refusals)", i))
		}
		if !r.Refuse && r.ApprovalsRequired < 2 && len(r.Verify) == 0 {
			p = append(p, fmt.Sprintf("TAPBOT_POLICY_FILE: protect %q must refuse, need at least 2 approvals, or name verification steps (verify: [callback, manager, verifiedId])", r.Name))
		}
		for _, pr := range approvals.StepProblems(fmt.Sprintf("protect %q: verify", r.Name), r.Verify) {
			p = append(p, "TAPBOT_POLICY_FILE: "+pr)
		}
	}
	for _, pr := range pf.Verify.Problems() {
		p = append(p, "TAPBOT_POLICY_FILE: "+pr)
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
		p.ReminderMentions = accessKeys(pf.ReminderMentions)
		for _, g := range pf.SeparateGroups {
			p.SeparateGroups = append(p.SeparateGroups, accessKey(g))
		}
		p.Reason = approvals.ReasonRule{Required: pf.Reason.Required, MinLength: pf.Reason.MinLength}
		p.DenyReasonRequired = pf.DenyReason == "required"
		if pf.Reason.TicketPattern != "" {
			p.Reason.TicketPattern = regexp.MustCompile(pf.Reason.TicketPattern) // checked when loaded
		}
		p.RequesterLimit, p.RequesterWindow, p.TargetCooldown = pf.Limits.RequestsPerRequester, pf.Limits.Window, pf.Limits.TargetCooldown
		p.Verify = pf.Verify
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
