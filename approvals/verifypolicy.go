package approvals

import (
	"fmt"
	"maps"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// The verification steps a policy can ask for (issue 15). The names are
// written in policy files and stored with requests: never rename them.
const (
	// StepCallback: an approver ticks, when approving, that they called
	// the user back on a number from the directory.
	StepCallback = "callback"
	// StepManager: the target's manager confirms in chat that the request
	// is their employee's.
	StepManager = "manager"
	// StepVerifiedID: the user presents their Verified Employee credential
	// with Entra Verified ID and passes a Face Check.
	StepVerifiedID = "verifiedId"
)

// Steps lists every verification step, in the order cards show them.
var Steps = []string{StepCallback, StepManager, StepVerifiedID}

// What happens to a request whose target's manager cannot be asked
// (VerifyPolicy.ManagerUnreachable).
const (
	ManagerUnreachableRefuse   = "refuse"   // no pass: the request is refused or ends failed
	ManagerUnreachableCallback = "callback" // an approver must call the user back instead
)

// What happens when the target's risk cannot be read (RiskRule.Unchecked).
const (
	RiskUncheckedAllow  = "allow"  // the card shows "not checked"
	RiskUncheckedRefuse = "refuse" // no pass without the check
)

// Defaults of VerifyPolicy.
const (
	DefaultFaceCheckThreshold = 70
	DefaultRecentMethods      = 7 * 24 * time.Hour
)

// VerifyPolicy says how tapbot makes sure of the person a pass is for: the
// steps every request needs (protect rules add more for the targets they
// match), the warning signs that refuse a pass or need more approvals, and
// whether the person is told once their pass exists. Its YAML shape is the
// verify: section of the policy file and of a tenant's entry.
type VerifyPolicy struct {
	Steps []string `yaml:"steps"` // StepCallback, StepManager, StepVerifiedID: for every request
	// ManagerUnreachable is what happens when no manager can be asked in
	// chat: ManagerUnreachableRefuse (default) or ManagerUnreachableCallback.
	ManagerUnreachable string `yaml:"managerUnreachable"`
	// FaceCheckThreshold is the lowest Face Check score that matches
	// (matchConfidenceThreshold), 50 to 100; default 70.
	FaceCheckThreshold int `yaml:"faceCheckThreshold"`
	// RecentMethods: authentication methods registered this recently are
	// shown as a warning sign; default 7 days.
	RecentMethods time.Duration `yaml:"recentMethods"`
	Risk          RiskRule      `yaml:"risk"`
	NotifyTarget  TargetNotice  `yaml:"notifyTarget"`
}

// RiskRule turns Entra ID Protection's view of the target into policy.
// Values are riskLevel (low, medium, high, hidden) or riskState (atRisk,
// confirmedCompromised, …) values, compared without regard to case.
type RiskRule struct {
	Refuse    []string       `yaml:"refuse"`    // a target at one of these gets no pass
	Approvals map[string]int `yaml:"approvals"` // a target at one of these needs at least this many approvals
	// Unchecked is what happens when the risk cannot be read (a missing
	// permission or licence): RiskUncheckedAllow (default; the card says
	// "not checked") or RiskUncheckedRefuse.
	Unchecked string `yaml:"unchecked"`
}

// TargetNotice says how the person a pass was created for is told about
// it, after delivery. The notice never holds the pass.
type TargetNotice struct {
	MailFrom string `yaml:"mailFrom"` // the mailbox tapbot sends from through Graph sendMail; "": no mail
	Teams    bool   `yaml:"teams"`    // tell them in Teams, where the bot can reach them
	// Contact is whom to call if they did not ask for the pass, e.g. "the
	// service desk on +1 555 0100".
	Contact string `yaml:"contact"`
}

// Enabled reports whether v asks for anything: a step for every request,
// a risk rule, or a notice to the target. Only then (or when a protect
// rule names steps, Policy.verifies) does raising a request read the
// target's facts from Graph; otherwise requests are raised as before.
func (v VerifyPolicy) Enabled() bool {
	return len(v.Steps) > 0 || v.Risk.set() || v.NotifyTarget.set()
}

func (r RiskRule) set() bool {
	return len(r.Refuse) > 0 || len(r.Approvals) > 0 || r.Unchecked == RiskUncheckedRefuse
}

func (n TargetNotice) set() bool { return n.MailFrom != "" || n.Teams }

// withDefaults fills unset fields.
func (v VerifyPolicy) withDefaults() VerifyPolicy {
	if v.ManagerUnreachable == "" {
		v.ManagerUnreachable = ManagerUnreachableRefuse
	}
	if v.FaceCheckThreshold == 0 {
		v.FaceCheckThreshold = DefaultFaceCheckThreshold
	}
	if v.RecentMethods <= 0 {
		v.RecentMethods = DefaultRecentMethods
	}
	if v.Risk.Unchecked == "" {
		v.Risk.Unchecked = RiskUncheckedAllow
	}
	return v
}

// verifies reports whether requests under p need the target's facts: the
// verify policy is enabled, or a protect rule names steps.
func (p Policy) verifies() bool {
	return p.Verify.Enabled() || slices.ContainsFunc(p.Protect, func(r ProtectRule) bool { return len(r.Verify) > 0 })
}

// The values Entra ID Protection gives riskLevel and riskState, as a risk
// rule may name them. "none" is left out: it is every user never flagged.
var (
	riskLevels = []string{"low", "medium", "high", "hidden"}
	riskStates = []string{"atRisk", "confirmedCompromised", "remediated", "dismissed", "confirmedSafe"}
)

// Problems returns what is wrong with v, each a sentence that starts with
// the key under verify: it is about, e.g. `verify.steps: "calback" is not a
// verification step; did you mean "callback"?`. nil when nothing is.
func (v VerifyPolicy) Problems() []string {
	p := StepProblems("verify.steps", v.Steps)
	if !slices.Contains([]string{"", ManagerUnreachableRefuse, ManagerUnreachableCallback}, v.ManagerUnreachable) {
		p = append(p, fmt.Sprintf("verify.managerUnreachable is %q; write %s (no pass when no manager can be asked) or %s (an approver calls the user back instead)", v.ManagerUnreachable, ManagerUnreachableRefuse, ManagerUnreachableCallback))
	}
	if t := v.FaceCheckThreshold; t != 0 && (t < 50 || t > 100) {
		p = append(p, fmt.Sprintf("verify.faceCheckThreshold is %d; Entra Verified ID takes 50 to 100 (default %d)", t, DefaultFaceCheckThreshold))
	}
	if v.RecentMethods < 0 {
		p = append(p, fmt.Sprintf("verify.recentMethods is %s; write how far back a new sign-in method is a warning sign, e.g. 168h", v.RecentMethods))
	}
	p = append(p, v.Risk.problems()...)
	return append(p, v.NotifyTarget.problems()...)
}

// StepProblems returns what is wrong with a list of step names written
// under key (e.g. `protect "finance".verify`): a name that is no step,
// with the closest one suggested.
func StepProblems(key string, steps []string) []string {
	var p []string
	for _, s := range steps {
		if slices.Contains(Steps, s) {
			continue
		}
		p = append(p, fmt.Sprintf("%s: %q is not a verification step (%s)%s", key, s, strings.Join(Steps, ", "), suggest(s, Steps)))
	}
	return p
}

func (r RiskRule) problems() []string {
	var p []string
	for _, v := range r.Refuse {
		p = append(p, riskValueProblems("verify.risk.refuse", v)...)
	}
	for _, v := range slices.Sorted(maps.Keys(r.Approvals)) {
		p = append(p, riskValueProblems("verify.risk.approvals", v)...)
		if n := r.Approvals[v]; n < 2 {
			p = append(p, fmt.Sprintf("verify.risk.approvals: %s needs %d approval(s); write at least 2 (every request needs 1)", v, n))
		}
		if slices.ContainsFunc(r.Refuse, func(x string) bool { return strings.EqualFold(x, v) }) {
			p = append(p, fmt.Sprintf("verify.risk: %s is under refuse and under approvals; a refused value needs no approvals", v))
		}
	}
	if !slices.Contains([]string{"", RiskUncheckedAllow, RiskUncheckedRefuse}, r.Unchecked) {
		p = append(p, fmt.Sprintf("verify.risk.unchecked is %q; write %s (issue, showing the risk as not checked) or %s (no pass when the risk cannot be read)", r.Unchecked, RiskUncheckedAllow, RiskUncheckedRefuse))
	}
	return p
}

// riskValueProblems reports v under key unless it is a riskLevel or
// riskState value.
func riskValueProblems(key, v string) []string {
	known := append(slices.Clone(riskLevels), riskStates...)
	switch {
	case slices.ContainsFunc(known, func(k string) bool { return strings.EqualFold(k, v) }):
		return nil
	case strings.EqualFold(v, "none"):
		return []string{fmt.Sprintf("%s: none is every user Entra ID Protection never flagged; name a risk level (%s) or state (%s)", key, strings.Join(riskLevels, ", "), strings.Join(riskStates, ", "))}
	}
	return []string{fmt.Sprintf("%s: %q is no riskLevel (%s) or riskState (%s) of Entra ID Protection%s", key, v, strings.Join(riskLevels, ", "), strings.Join(riskStates, ", "), suggest(v, known))}
}

func (n TargetNotice) problems() []string {
	var p []string
	if n.MailFrom != "" {
		if a, err := mail.ParseAddress(n.MailFrom); err != nil || a.Name != "" || a.Address != n.MailFrom {
			p = append(p, fmt.Sprintf("verify.notifyTarget.mailFrom: %q is not an e-mail address; write the mailbox tapbot sends from, e.g. it-security@contoso.com", n.MailFrom))
		}
	}
	if n.set() && strings.TrimSpace(n.Contact) == "" {
		p = append(p, `verify.notifyTarget.contact: say whom the user should call if they did not ask for the pass, e.g. "the service desk on +1 555 0100"`)
	}
	return p
}

// suggest is `; did you mean "x"?` for the option closest to s, or "" when
// none is close.
func suggest(s string, options []string) string {
	best, bestD := "", -1
	for _, o := range options {
		d := editDistance(strings.ToLower(s), strings.ToLower(o))
		if bestD < 0 || d < bestD {
			best, bestD = o, d
		}
	}
	if bestD < 0 || bestD > max(2, len(best)/3) {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
