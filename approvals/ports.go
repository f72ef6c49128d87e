package approvals

import (
	"context"
	"errors"
	"time"
)

// TAPPolicy is the tenant's Temporary Access Pass policy, read from Graph.
// Lifetimes are in minutes.
type TAPPolicy struct {
	Enabled         bool
	DefaultLifetime int
	MinLifetime     int
	MaxLifetime     int
	DefaultLength   int
	UsableOnce      bool // true: the tenant forces one-time passes
}

// PassInfo describes an existing pass without its secret, as Graph lists it.
type PassInfo struct {
	MethodID        string
	Created         time.Time
	Start           time.Time
	LifetimeMinutes int
	UsableOnce      bool
	Usable          bool
	Reason          string // methodUsabilityReason: EnabledByPolicy, Expired, OneTimeUsed, ...
}

// PassParams is what the bot asks Graph to create.
type PassParams struct {
	LifetimeMinutes int
	UsableOnce      bool
	Start           time.Time // zero: now
}

// Pass is a freshly created Temporary Access Pass. Secret is the only copy
// the bot ever holds; it lives in memory until delivery is done.
type Pass struct {
	MethodID        string
	Secret          Secret
	Start           time.Time
	LifetimeMinutes int
	UsableOnce      bool
}

// DirectoryRole is an Entra directory role a user holds, or can activate.
type DirectoryRole struct {
	TemplateID string // role template id (a built-in role's definition id, the same in every tenant), or a custom role's definition id
	Name       string // display name, e.g. "Global Administrator"; may be empty
	// Eligible: Privileged Identity Management lets the user activate the
	// role, which is not active now. A pass satisfies MFA, so it would let
	// its holder activate it.
	Eligible bool
	// Via says how the user comes by the role when it is not assigned to
	// them: e.g. "PIM for Groups membership of Tier 0 admins". "" when direct.
	Via   string
	Scope string // directory scope of the assignment: "" or "/" for the whole tenant, else e.g. "/administrativeUnits/…"
}

// Directory answers questions about the tenant. graphclient implements it.
//
// LookupUser returns ENOTFOUND when no user has that UPN or id. Every method
// returns EPERMISSION when the bot lacks a Graph permission and EUNAVAILABLE
// when Graph cannot be reached; the message says what to do.
//
// UserGroups returns the ids of the groups the user is a transitive member
// of; UserDirectoryRoles the directory roles they hold, active (directly,
// through a group, scoped or custom) or eligible through Privileged
// Identity Management (directly or through PIM for Groups). Both return
// EPERMISSION naming the missing permission (GroupMember.Read.All,
// RoleManagement.Read.Directory, PrivilegedEligibilitySchedule.Read.AzureADGroup)
// rather than a partial answer.
type Directory interface {
	LookupUser(ctx context.Context, upnOrID string) (Target, error)
	TAPPolicy(ctx context.Context) (TAPPolicy, error)
	ListPasses(ctx context.Context, userID string) ([]PassInfo, error)
	UserGroups(ctx context.Context, userID string) ([]string, error)
	UserDirectoryRoles(ctx context.Context, userID string) ([]DirectoryRole, error)
}

// Issuer creates and deletes passes. graphclient implements it.
//
// CreatePass replaces any pass the user already has. When it fails in a way
// that leaves open whether Graph created the pass anyway (no answer, a
// dropped connection, a server error), it deletes any pass it may have
// created before it returns, and says so in the error's message; when it
// cannot make sure, the error wraps ErrPassMayBeLive. DeletePass returns
// nil when the pass is already gone.
type Issuer interface {
	CreatePass(ctx context.Context, userID string, p PassParams) (Pass, error)
	DeletePass(ctx context.Context, userID, methodID string) error
}

// ErrPassMayBeLive marks a CreatePass error after which a pass nobody
// holds may be live in Entra: Graph may have created it, and the issuer
// could not delete it. The error's message says where to delete it.
var ErrPassMayBeLive = errors.New("a pass may have been created and could not be deleted")

// Tenant is everything the domain needs from Entra for one tenant.
type Tenant interface {
	Directory
	Issuer
}

// Notice is something a person should be told about a request.
type Notice struct {
	Request *Request
	Kind    string // the audit event type that caused it, e.g. EventDenied
	Text    string // plain sentences, not yet escaped for any markup
}

// Notifier tells people about requests on one chat platform. bot/slack and
// bot/teams implement it. Every method may be called again for the same
// request after a restart, so implementations must tolerate repeats.
type Notifier interface {
	// PostCard posts the approval card for a new request and returns where.
	PostCard(ctx context.Context, r *Request) (MessageRef, error)
	// UpdateCard redraws the card to show the request's current state.
	UpdateCard(ctx context.Context, r *Request) error
	// TellRequester sends the requester a private message without secrets.
	TellRequester(ctx context.Context, n Notice) error
	// DeliverPass hands the pass to the requester privately. An error means
	// the requester may not have it; the caller then revokes it.
	DeliverPass(ctx context.Context, r *Request, p Pass) error
}

// RefStore keeps the small values a chat front-end must remember across
// restarts, such as a Teams conversation reference or how far the Slack
// audit mirror got, under a kind and a key. Every Store implements it.
//
// GetRef returns nil and no error when nothing is stored under kind/key;
// PutRef replaces what is there. UpdateRef replaces it with what fn returns
// for it (nil when nothing is stored), in one transaction that no other
// writer can change underneath, so that replicas changing one value at once
// (the Teams pass removals, a user's chat) lose none of each other's
// changes; when fn returns an error nothing is stored and UpdateRef
// returns it. fn may run more than once; only its last run counts.
type RefStore interface {
	GetRef(kind, key string) ([]byte, error)
	PutRef(kind, key string, value []byte) error
	UpdateRef(kind, key string, fn func(old []byte) ([]byte, error)) error
}

// AuditLog is the audit log as a follower reads it: in order, from the
// last sequence number it handled. Every Store implements it.
//
// AuditAfter returns up to limit events with a sequence number above seq,
// oldest first, and none when there are no newer events.
type AuditLog interface {
	AuditAfter(seq uint64, limit int) ([]Event, error)
}

// Replays is a memory of one-time keys that every replica of a store
// shares: the signatures of signed requests, event and envelope ids. A
// store may offer it (pgstore.Store does; the chat front-ends find it by
// type on Service.Store), so that a request one replica took is refused by
// every other. A store one process holds (BoltStore) offers none: the
// front-end's own memory is then the whole memory.
type Replays interface {
	// FirstSeen records key of kind as seen, for at least keep, and
	// reports whether it was not seen within keep before. An error means
	// the store cannot tell; the request must be refused then too.
	FirstSeen(kind string, key []byte, keep time.Duration) (bool, error)
}
