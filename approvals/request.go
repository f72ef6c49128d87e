package approvals

import (
	"strings"
	"time"
)

// State is where a request is in its life. See DESIGN.md for the machine:
//
//	pending ─approve (k of n)─▶ approved ─▶ issuing ─▶ issued ─▶ delivered
//	pending ─deny / cancel / TTL─▶ denied / cancelled / expired
//	issuing ─▶ failed;  issued ─delivery failed─▶ revoked
//	approved / issuing / issued / delivered ─/tap revoke─▶ revoked (no re-issue)
type State string

// The states of a request. The names are stored and audited: never rename
// them.
const (
	StatePending   State = "pending"   // waiting for approvals
	StateApproved  State = "approved"  // enough approvals; no pass created yet
	StateIssuing   State = "issuing"   // the pass is being created in Entra
	StateIssued    State = "issued"    // the pass exists; not yet delivered
	StateDelivered State = "delivered" // the requester was handed the pass
	StateDenied    State = "denied"    // an approver refused it
	StateCancelled State = "cancelled" // the requester withdrew it
	StateExpired   State = "expired"   // no decision within its lifetime
	StateFailed    State = "failed"    // no pass: creating it failed, or no card reached the approvers
	StateRevoked   State = "revoked"   // the pass could not be delivered and was deleted
)

// Final reports whether no transition leaves s.
func (s State) Final() bool {
	switch s {
	case StateDenied, StateCancelled, StateExpired, StateFailed, StateRevoked, StateDelivered:
		return true
	}
	return false
}

// Principal is a technician as a chat platform knows them.
type Principal struct {
	Platform string `json:"platform"` // "slack" or "teams"
	ID       string `json:"id"`       // Slack user id, or Entra object id for Teams
	Name     string `json:"name,omitempty"`
	// EntraID is the object id of the person's Entra user when tapbot
	// could tell (see Identities); "" when it could not, and in requests
	// stored before tapbot recorded it.
	EntraID string `json:"entraId,omitempty"`
}

// Key is the principal's identity across platforms, e.g. "slack:U123".
func (p Principal) Key() string { return p.Platform + ":" + p.ID }

// Same reports whether p and o are certainly the same person: the same chat
// account, or the same Entra user behind accounts on two platforms.
func (p Principal) Same(o Principal) bool {
	if p.Platform == o.Platform && p.ID == o.ID {
		return true
	}
	return p.EntraID != "" && strings.EqualFold(p.EntraID, o.EntraID)
}

// Distinct reports whether p and o are certainly two people. Two accounts
// on one platform are two people unless their Entra users say otherwise;
// across platforms only the Entra users of both can tell, so without them
// tapbot cannot be sure that one person is not both.
func (p Principal) Distinct(o Principal) bool {
	switch {
	case p.Same(o):
		return false
	case p.EntraID != "" && o.EntraID != "":
		return true
	}
	return p.Platform == o.Platform
}

// Target is the Entra user a pass is for, as Graph described them when the
// request was raised.
type Target struct {
	ID             string `json:"id"`
	UPN            string `json:"upn"`
	DisplayName    string `json:"displayName"`
	AccountEnabled bool   `json:"accountEnabled"`
	UserType       string `json:"userType,omitempty"`
	JobTitle       string `json:"jobTitle,omitempty"`
	HasTAP         bool   `json:"hasTAP"` // a pass already exists and would be replaced
}

// Approval is one approver's yes.
type Approval struct {
	By Principal `json:"by"`
	At time.Time `json:"at"`
}

// MessageRef points at a chat message the bot posted, so it can be updated.
type MessageRef struct {
	Platform string `json:"platform,omitempty"`
	Channel  string `json:"channel,omitempty"`
	ID       string `json:"id,omitempty"` // Slack ts, Teams activity id
}

// Request is one ask for a Temporary Access Pass. It never holds the pass.
type Request struct {
	ID                string     `json:"id"`
	Tenant            string     `json:"tenant"`               // the tenant's Entra id
	TenantName        string     `json:"tenantName,omitempty"` // its configured name in MSP mode; empty for the single tenant
	Requester         Principal  `json:"requester"`
	Target            Target     `json:"target"`
	LifetimeMinutes   int        `json:"lifetimeMinutes"`
	UsableOnce        bool       `json:"usableOnce"`
	StartAt           time.Time  `json:"startAt,omitzero"` // zero: valid at once
	Reason            string     `json:"reason,omitempty"`
	State             State      `json:"state"`
	CreatedAt         time.Time  `json:"createdAt"`
	UpdatedAt         time.Time  `json:"updatedAt"`
	ExpiresAt         time.Time  `json:"expiresAt"` // pending requests expire then
	ApprovalsRequired int        `json:"approvalsRequired"`
	Approvals         []Approval `json:"approvals,omitempty"`
	DecidedBy         *Principal `json:"decidedBy,omitempty"` // who denied or cancelled
	DecisionReason    string     `json:"decisionReason,omitempty"`
	MethodID          string     `json:"methodId,omitempty"` // Graph id of the pass issued
	PassStart         time.Time  `json:"passStart,omitzero"`
	PassEnd           time.Time  `json:"passEnd,omitzero"`
	FailureReason     string     `json:"failureReason,omitempty"`
	Card              MessageRef `json:"card,omitzero"`
	Reissues          int        `json:"reissues,omitempty"`
	// The technician gave no lifetime, or neither once nor multi: the
	// tenant's default was taken, and the cards say so.
	LifetimeDefaulted bool `json:"lifetimeDefaulted,omitempty"`
	OnceDefaulted     bool `json:"onceDefaulted,omitempty"`
	// RevokedBy is the approver whose /tap revoke ended the request: its
	// pass is gone and it can no longer be re-issued.
	RevokedBy *Principal `json:"revokedBy,omitempty"`
	// Exception says why a request the policy refuses by default was let
	// through (a named break-glass process); the card shows it and the audit
	// log records it.
	Exception string `json:"exception,omitempty"`
	// RemindedAt is when the approvers were reminded of the pending
	// request in its card's thread (remind.go); zero: not yet. A request is
	// reminded once.
	RemindedAt time.Time `json:"remindedAt,omitzero"`
	// Facts is what the directory said of the target when the request was
	// raised under a policy that verifies (VerifyPolicy.Enabled): numbers
	// to call back on, the manager, warning signs. For approvers only: the
	// requester's messages must not show it. nil: not read.
	Facts *TargetFacts `json:"facts,omitempty"`
	// Verify is where the request's verification steps stand; nil: it has
	// none.
	Verify *Verification `json:"verify,omitempty"`
	// Owner is the replica (Leaser.Replica) working on the request: the one
	// that raised it until its card is posted, and the one whose approval,
	// Show pass press, re-issue or take-over started its issuance. Set in
	// the transaction that starts the work, checked by every transition
	// that continues it; resume.go says who may take a request over.
	// "": stored before tapbot recorded owners.
	Owner string `json:"owner,omitempty"`
}

// ApprovedBy reports whether p (or the same person on another platform)
// has already approved r.
func (r *Request) ApprovedBy(p Principal) bool {
	for _, a := range r.Approvals {
		if a.By.Same(p) {
			return true
		}
	}
	return false
}
