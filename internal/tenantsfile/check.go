package tenantsfile

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// checker holds what the checks of one file share.
type checker struct {
	lines       lines
	validAccess func(string) bool
	problems    []Problem
	seen        map[string]int // "name:…", "id:…", "domain:…" → index of the first tenant with it
}

func (c *checker) add(line int, format string, args ...any) {
	c.problems = append(c.problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) check(f *File) []Problem {
	if len(f.Tenants) == 0 {
		c.add(0, "no tenants: list them under tenants: (see deploy/tenants.example.yaml)")
	}
	c.seen = map[string]int{}
	for i, t := range f.Tenants {
		c.identity(i, t, f.Tenants)
		c.delivery(i, t)
		c.credentials(i, t)
		c.verifiedID(i, t)
		c.policy(i, t)
	}
	return c.problems
}

// label names a tenant in a problem: by its name, or by its place.
func label(i int, t Tenant) string {
	if t.Name == "" {
		return fmt.Sprintf("tenant #%d", i+1)
	}
	return "tenant " + t.Name
}

// identity checks name, id and domains, alone and against earlier tenants.
func (c *checker) identity(i int, t Tenant, all []Tenant) {
	who := label(i, t)
	switch {
	case t.Name == "":
		c.add(t.Line, "%s needs a name (shown on cards, lists and the audit log)", who)
	case !approvals.ValidTenantName(t.Name):
		c.add(c.lines.key(i, "name"), "name %q must be 1 to 32 lower-case letters, digits and hyphens", t.Name)
	default:
		c.once(i, "name:"+t.Name, c.lines.key(i, "name"), "name %s is already used by the tenant on line %d", t.Name, all)
	}
	switch {
	case t.ID == "":
		c.add(t.Line, "%s needs an id: the customer's Entra tenant id (Entra admin center → Overview → Tenant ID)", who)
	case !approvals.ValidTenantID(t.ID):
		c.add(c.lines.key(i, "id"), "%s: id %q is not an Entra tenant id (a GUID)", who, t.ID)
	default:
		c.once(i, "id:"+strings.ToLower(t.ID), c.lines.key(i, "id"), "id %s is already the id of the tenant on line %d", t.ID, all)
	}
	if len(t.Domains) == 0 {
		c.add(t.Line, "%s needs domains: the UPN domains of its users, e.g. [contoso.com, contoso.onmicrosoft.com]", who)
	}
	for j, d := range t.Domains {
		line := c.lines.item(i, "domains", j)
		if !approvals.ValidTenantDomain(d) {
			c.add(line, "%s: %q is not a domain name", who, d)
			continue
		}
		key := "domain:" + strings.ToLower(d)
		if first, ok := c.seen[key]; ok && first != i {
			c.add(line, "domain %s is claimed by %s (line %d) and %s; a domain belongs to one tenant", d, label(first, all[first]), all[first].Line, who)
			continue
		}
		c.seen[key] = i
	}
}

// once records that tenant i has key, or reports that an earlier one has.
func (c *checker) once(i int, key string, line int, format, value string, all []Tenant) {
	if first, ok := c.seen[key]; ok {
		c.add(line, format, value, all[first].Line)
		return
	}
	c.seen[key] = i
}

// delivery checks where the tenant's cards go.
func (c *checker) delivery(i int, t Tenant) {
	if t.ApprovalChannel != "" && !bot.IsSlackChannelID(t.ApprovalChannel) {
		c.add(c.lines.key(i, "approvalChannel"), "%s: approvalChannel %q is not a Slack channel id (C… or G…: the channel's details → About, at the bottom)", label(i, t), t.ApprovalChannel)
	}
	if t.TeamsApprovalConversation != "" && !bot.IsTeamsConversationID(t.TeamsApprovalConversation) {
		c.add(c.lines.key(i, "teamsApprovalConversation"), "%s: teamsApprovalConversation %q is not a Teams conversation id (19:…)", label(i, t), t.TeamsApprovalConversation)
	}
}

// credentials checks a tenant's own app registration, if it has one. The
// secret file is read only to see that it can be, and not kept.
func (c *checker) credentials(i int, t Tenant) {
	who := label(i, t)
	secret, cert := t.ClientSecretFile != "", t.ClientCertificatePath != ""
	switch {
	case secret && cert:
		c.add(c.lines.key(i, "clientCertificatePath"), "%s: give clientSecretFile or clientCertificatePath, not both", who)
	case (secret || cert) && t.ClientID == "":
		c.add(c.lines.key(i, first(secret, "clientSecretFile", "clientCertificatePath")), "%s: a client secret or certificate needs the clientId of its app registration", who)
	case t.ClientID != "" && !secret && !cert:
		c.add(c.lines.key(i, "clientId"), "%s: clientId needs clientSecretFile or clientCertificatePath (or leave it out to use the MSP's app)", who)
	}
	if t.ClientID != "" && !approvals.ValidEntraID(t.ClientID) {
		c.add(c.lines.key(i, "clientId"), "%s: clientId %q is not an application (client) id (a GUID)", who, t.ClientID)
	}
	if secret {
		c.readable(c.lines.key(i, "clientSecretFile"), who, "clientSecretFile", t.ClientSecretFile)
	}
	if cert {
		c.readable(c.lines.key(i, "clientCertificatePath"), who, "clientCertificatePath", t.ClientCertificatePath)
	}
}

// verifiedID checks the tenant's Verified ID authority, if it has one.
func (c *checker) verifiedID(i int, t Tenant) {
	if t.VerifiedIDAuthority == "" || strings.HasPrefix(t.VerifiedIDAuthority, "did:") {
		return
	}
	c.add(c.lines.key(i, "verifiedIdAuthority"), "%s: verifiedIdAuthority %q is not a DID; copy the tenant's Decentralized identifier (did:web:…) from its Entra admin center → Verified ID → Overview", label(i, t), t.VerifiedIDAuthority)
}

func first(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// readable reports a file tapbot cannot read or that is empty. The problem
// names the file, never what is in it.
func (c *checker) readable(line int, who, key, path string) {
	info, err := os.Stat(path)
	if err == nil && info.IsDir() {
		c.add(line, "%s: %s %s is a directory, not a file", who, key, path)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		c.add(line, "%s: %s: cannot read %s (%s)", who, key, path, openReason(err))
		return
	}
	defer f.Close()
	if n, _ := f.Read(make([]byte, 1)); n == 0 {
		c.add(line, "%s: %s %s is empty", who, key, path)
	}
}

// openReason says why a file could not be opened without repeating the
// path (the problem names it already).
func openReason(err error) string {
	switch {
	case os.IsNotExist(err):
		return "no such file"
	case os.IsPermission(err):
		return "permission denied: tapbot's user must be able to read it"
	}
	return err.Error()
}

// policy checks the policy-file settings a tenant overrides, as the policy
// file's own check does.
func (c *checker) policy(i int, t Tenant) {
	who := label(i, t)
	for _, key := range []string{"requesters", "approvers", "separateGroups", "reminderMentions"} {
		for j, id := range t.list(key) {
			if !c.validAccess(id) {
				c.add(c.lines.item(i, key, j), "%s: %s: %q is not a Slack user or user group id, an Entra object id, or entra-group:<object id>", who, key, id)
			}
		}
	}
	if n := t.ApprovalsRequired; n != nil && *n < 1 {
		c.add(c.lines.key(i, "approvalsRequired"), "%s: approvalsRequired must be at least 1", who)
	}
	if d := t.DenyReason; d != nil && *d != "required" && *d != "optional" {
		c.add(c.lines.key(i, "denyReason"), "%s: denyReason is %q; write required or optional", who, *d)
	}
	if p := t.Reason.TicketPattern; p != nil {
		if _, err := regexp.Compile(*p); err != nil {
			c.add(c.lines.key(i, "reason"), "%s: reason.ticketPattern: %v", who, err)
		}
	}
	for j, r := range t.Protect {
		line := c.lines.item(i, "protect", j)
		if r.Name == "" {
			c.add(line, "%s: protect[%d] needs a name (it is shown in refusals)", who, j)
		} else if !r.Refuse && r.ApprovalsRequired < 2 && len(r.Verify) == 0 {
			c.add(line, "%s: protect %q must refuse, need at least 2 approvals, or name verification steps (verify: [callback, manager, verifiedId])", who, r.Name)
		}
		for _, pr := range approvals.StepProblems(fmt.Sprintf("protect %q: verify", r.Name), r.Verify) {
			c.add(line, "%s: %s", who, pr)
		}
		if approvals.ShadowsBuiltin(r, t.ProtectOff) {
			c.add(line, "%s: protect %q has the name of a built-in rule, which still applies; give your rule another name, or add %q to protectOff to replace the built-in one", who, r.Name, r.Name)
		}
	}
	if t.Verify != nil {
		for _, pr := range t.Verify.Problems() {
			c.add(c.lines.key(i, "verify"), "%s: %s", who, pr)
		}
	}
	for j, name := range t.ProtectOff {
		if !approvals.IsBuiltinProtect(name) {
			c.add(c.lines.item(i, "protectOff", j), "%s: protectOff: %q is not a built-in protect rule (there is only %q)", who, name, approvals.DefaultProtect[0].Name)
		}
	}
}

// list is one of the tenant's access lists, by key.
func (t Tenant) list(key string) []string {
	switch key {
	case "requesters":
		return t.Requesters
	case "approvers":
		return t.Approvers
	case "reminderMentions":
		return t.ReminderMentions
	}
	return t.SeparateGroups
}

// lines finds where things are in the file, from its node tree.
type lines struct{ entries []*yaml.Node }

func linesOf(root *yaml.Node) lines {
	if len(root.Content) == 0 {
		return lines{}
	}
	if seq := valueOf(root.Content[0], "tenants"); seq != nil && seq.Kind == yaml.SequenceNode {
		return lines{entries: seq.Content}
	}
	return lines{}
}

// valueOf is the value node of key in mapping m, or nil.
func valueOf(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// entry is the line of tenant i.
func (l lines) entry(i int) int {
	if i >= len(l.entries) {
		return 0
	}
	return l.entries[i].Line
}

// key is the line of tenant i's key, or of the entry when it is absent.
func (l lines) key(i int, key string) int {
	if v := valueOf(l.node(i), key); v != nil {
		return v.Line
	}
	return l.entry(i)
}

// item is the line of element j of tenant i's list key.
func (l lines) item(i int, key string, j int) int {
	v := valueOf(l.node(i), key)
	if v == nil || v.Kind != yaml.SequenceNode || j >= len(v.Content) {
		return l.key(i, key)
	}
	return v.Content[j].Line
}

func (l lines) node(i int) *yaml.Node {
	if i >= len(l.entries) {
		return nil
	}
	return l.entries[i]
}
