// Package tenantsfile reads the file named by TAPBOT_TENANTS_FILE: the
// customer tenants one tapbot serves in MSP mode, each with its domains,
// approval channel, optional credentials and optional policy overrides.
//
// It checks everything it can without the network and reports every problem
// at once, each with its line.
package tenantsfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tapbot/tapbot/approvals"
)

// File is the whole tenants file.
type File struct {
	Tenants []Tenant `yaml:"tenants"`
}

// Tenant is one entry of the file.
type Tenant struct {
	Name                      string   `yaml:"name"`    // short name on cards, lists, audit, metrics, logs
	ID                        string   `yaml:"id"`      // the customer's Entra tenant id
	Domains                   []string `yaml:"domains"` // UPN domains that route to this tenant
	ApprovalChannel           string   `yaml:"approvalChannel"`
	TeamsApprovalConversation string   `yaml:"teamsApprovalConversation"`
	// ClientID, with ClientSecretFile or ClientCertificatePath, is an app
	// registration of the customer's own, instead of the MSP's
	// multi-tenant one. The file holds the secret; only its path is here.
	ClientID              string `yaml:"clientId"`
	ClientSecretFile      string `yaml:"clientSecretFile"`
	ClientCertificatePath string `yaml:"clientCertificatePath"`
	// VerifiedIDAuthority is the tenant's Entra Verified ID verifier DID
	// (Entra admin center → Verified ID → Overview → Decentralized
	// identifier, e.g. did:web:verifiedid.contoso.com): the verifiedId step
	// of this tenant's requests asks in its name. Each tenant has its own;
	// the Request Service refuses another tenant's.
	VerifiedIDAuthority string `yaml:"verifiedIdAuthority"`
	// Policy holds the policy-file settings this tenant overrides.
	Policy `yaml:",inline"`
	// Line is where the entry starts in the file.
	Line int `yaml:"-"`
}

// Policy is a tenant's override of the policy file (TAPBOT_POLICY_FILE):
// the same keys, each nil when the tenant leaves it to the global policy.
// An empty list that is written out (requesters: []) is set, to nobody.
type Policy struct {
	Requesters            []string                `yaml:"requesters"` // replaces the global requesters for this tenant
	Approvers             []string                `yaml:"approvers"`  // replaces the global approvers for this tenant
	ApprovalsRequired     *int                    `yaml:"approvalsRequired"`
	SeparateGroups        []string                `yaml:"separateGroups"`
	AllowedDomains        []string                `yaml:"allowedDomains"`
	AllowDisabledAccounts *bool                   `yaml:"allowDisabledAccounts"`
	AllowGuests           *bool                   `yaml:"allowGuests"`
	Protect               []approvals.ProtectRule `yaml:"protect"`
	Reason                struct {
		Required      *bool   `yaml:"required"`
		MinLength     *int    `yaml:"minLength"`
		TicketPattern *string `yaml:"ticketPattern"`
	} `yaml:"reason"`
	Limits struct {
		RequestsPerRequester *int           `yaml:"requestsPerRequester"`
		Window               *time.Duration `yaml:"window"`
		TargetCooldown       *time.Duration `yaml:"targetCooldown"`
	} `yaml:"limits"`
	AuditChannel           *string  `yaml:"auditChannel"`
	ProtectOff             []string `yaml:"protectOff"`
	AllowTechnicianTargets *string  `yaml:"allowTechnicianTargets"`
	ReminderMentions       []string `yaml:"reminderMentions"` // replaces the global ones for this tenant
	DenyReason             *string  `yaml:"denyReason"`       // "required" or "optional"
	// Verify replaces the global verify: section as a whole.
	Verify *approvals.VerifyPolicy `yaml:"verify"`
}

// Problem is one thing wrong with the file.
type Problem struct {
	Line    int // 0: the file as a whole
	Message string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Message
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Message)
}

// Load reads and checks the tenants file at path; see Parse. A problem is
// worded for the operator and never holds a secret file's content.
func Load(path string, validAccessEntry func(string) bool) (*File, []Problem) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []Problem{{Message: fmt.Sprintf("cannot read %s: %v", path, err)}}
	}
	return Parse(data, validAccessEntry)
}

// Parse decodes and checks a tenants file. It refuses keys it does not know
// and reports every problem it finds, each with its line: a missing or
// malformed name, id or domain, a name, id or domain used twice, a channel
// that is no channel id, credentials that do not fit together or a secret
// file that cannot be read, and policy settings the policy file would
// refuse. validAccessEntry tells which entries of requesters, approvers and
// separateGroups are valid (the forms TAPBOT_REQUESTERS accepts); nil
// accepts none. With problems the File may be partial: do not use it.
func Parse(data []byte, validAccessEntry func(string) bool) (*File, []Problem) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, []Problem{{Message: err.Error()}}
	}
	f := new(File)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var problems []Problem
	if err := dec.Decode(f); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, []Problem{{Message: err.Error()}}
		}
		problems = append(problems, typeProblems(te)...)
	}
	lines := linesOf(&root)
	for i := range f.Tenants {
		f.Tenants[i].Line = lines.entry(i)
	}
	c := checker{lines: lines, validAccess: validAccessEntry}
	if validAccessEntry == nil {
		c.validAccess = func(string) bool { return false }
	}
	return f, append(problems, c.check(f)...)
}

// typeProblems rewords the decoder's errors (one per unknown key or value
// of the wrong type), keeping their lines.
func typeProblems(te *yaml.TypeError) []Problem {
	var p []Problem
	for _, msg := range te.Errors {
		m := decoderError.FindStringSubmatch(msg)
		if m == nil {
			p = append(p, Problem{Message: msg})
			continue
		}
		line, _ := strconv.Atoi(m[1]) // the pattern admits only digits
		text := m[2]
		if k := unknownField.FindStringSubmatch(text); k != nil {
			text = fmt.Sprintf("%s is not a setting tapbot knows here; check its spelling (see deploy/tenants.example.yaml)", k[1])
		}
		p = append(p, Problem{Line: line, Message: text})
	}
	return p
}

var (
	decoderError = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type `)
)
