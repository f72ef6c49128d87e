package approvals

import (
	"context"
	"time"
)

// The ports of end-user verification (issue 15): what tapbot asks Entra,
// Entra Verified ID and a mailbox so that approvers know who is asking
// before a pass is issued. graphclient implements FactFinder and Mailer;
// internal/verifiedid implements IdentityVerifier. Every one is optional:
// a Service without them verifies nothing beyond its policy, and a policy
// that needs a missing one refuses with a message that says what to set.

// Person is someone in the directory, as Graph names them.
type Person struct {
	ID          string `json:"id"`
	UPN         string `json:"upn,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Mail        string `json:"mail,omitempty"`
}

// Checked says whether a fact could be read. Graph refusing it (a missing
// permission, a licence the tenant lacks) leaves it unchecked, and Why says
// what is missing: approvers then see "not checked", never "fine".
type Checked struct {
	OK  bool   `json:"ok"`
	Why string `json:"why,omitempty"` // when !OK, e.g. "needs IdentityRiskyUser.Read.All"
}

// Risk is Entra ID Protection's view of the user
// (identityProtection/riskyUsers/{id}). A user ID Protection never flagged
// is checked with level and state "none".
type Risk struct {
	Checked
	Level  string `json:"level,omitempty"`  // riskLevel: none, low, medium, high, hidden
	State  string `json:"state,omitempty"`  // riskState: none, confirmedSafe, remediated, dismissed, atRisk, confirmedCompromised
	Detail string `json:"detail,omitempty"` // riskDetail, when Graph gives one
}

// Method is an authentication method registered for the user.
type Method struct {
	Type    string    `json:"type"`             // the Graph type without its prefix, e.g. "microsoftAuthenticatorAuthenticationMethod"
	Name    string    `json:"name,omitempty"`   // what people call it, e.g. "Microsoft Authenticator"
	Detail  string    `json:"detail,omitempty"` // e.g. the device's display name
	Created time.Time `json:"created,omitzero"`
}

// Methods are the methods registered since a moment (the policy's lookback).
type Methods struct {
	Checked
	Since  time.Time `json:"since,omitzero"`
	Recent []Method  `json:"recent,omitempty"`
}

// TargetFacts is what the directory knows that helps an approver verify the
// person: numbers to call back on that the caller did not supply, the
// manager to ask, and warning signs. Shown to approvers only.
type TargetFacts struct {
	BusinessPhones []string `json:"businessPhones,omitempty"`
	MobilePhone    string   `json:"mobilePhone,omitempty"`
	Phones         Checked  `json:"phones"`
	Manager        *Person  `json:"manager,omitempty"` // nil with ManagerRead.OK: the directory names no manager
	ManagerRead    Checked  `json:"managerRead"`
	Risk           Risk     `json:"risk"`
	Methods        Methods  `json:"methods"`
}

// FactFinder reads TargetFacts. A part Graph refuses is returned unchecked,
// with Why naming the permission; only a Graph that cannot be reached at
// all is an error (EUNAVAILABLE). methodsSince bounds Methods.Recent.
type FactFinder interface {
	TargetFacts(ctx context.Context, userID string, methodsSince time.Time) (TargetFacts, error)
}

// Mail is a plain-text message sent from a configured mailbox.
type Mail struct {
	From    string // the mailbox's UPN or id
	To      string
	Subject string
	Body    string // plain text
}

// Mailer sends mail through Graph (POST /users/{from}/sendMail). Returns
// EPERMISSION when the app may not send as From (Mail.Send, restricted by
// an application access policy), EUNAVAILABLE when Graph cannot be reached.
type Mailer interface {
	SendMail(ctx context.Context, m Mail) error
}

// PresentationAsk is what tapbot asks Entra Verified ID to verify: that the
// person holding the wallet is the target, by a VerifiedEmployee credential
// their tenant issued and a Face Check against its photo.
type PresentationAsk struct {
	RequestID string // tapbot's request, for the verifier's logs
	State     string // an unguessable token; the callbacks carry it back
	Target    Target
	// MatchConfidenceThreshold is the lowest Face Check score (50–100) that
	// counts as a match.
	MatchConfidenceThreshold int
}

// Presentation is a started presentation request.
type Presentation struct {
	ID      string    // the Request Service's requestId
	URL     string    // the link the user opens on their phone
	Expires time.Time // when the link stops working
}

// IdentityVerifier starts Verified ID presentation requests with Face
// Check. Results come back later as PresentationEvents through the
// verifier's HTTPS callback.
type IdentityVerifier interface {
	StartPresentation(ctx context.Context, ask PresentationAsk) (Presentation, error)
}

// The request statuses of the Request Service's presentation callback.
const (
	PresentationRetrieved = "request_retrieved"     // the user opened the link
	PresentationVerified  = "presentation_verified" // a credential was presented and checked
	PresentationError     = "presentation_error"    // the presentation failed
)

// PresentationEvent is one callback from the Request Service, after its
// api key was checked.
type PresentationEvent struct {
	State     string // PresentationAsk.State
	RequestID string // the Request Service's requestId
	Status    string // one of the Presentation* constants
	// For PresentationVerified: who the credential says the holder is, who
	// issued it, and the Face Check score (0–100; -1 when none was made).
	Claims         map[string]string
	Issuer         string
	CredentialType []string
	FaceCheckScore float64
	// For PresentationError.
	ErrorCode    string
	ErrorMessage string
}
