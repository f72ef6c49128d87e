// Package approvals is tapbot's domain: a request for a Temporary Access
// Pass and its state machine, the policy that says who may ask for a pass
// and who may approve one, the Service that takes a request from raised to
// delivered, and the Store that keeps requests next to a tamper-evident
// audit log: in bbolt (BoltStore), or in PostgreSQL (approvals/pgstore).
//
// It knows nothing of Slack, Teams or Microsoft Graph. What it needs from
// them it names as small interfaces: a Tenant that looks users up and
// creates and deletes passes (graphclient implements it) and a Notifier per
// chat platform (bot/slack and bot/teams implement it). What the chat
// front-ends need of the store it names too: RefStore and AuditLog. The
// verification of the person a pass is for (VerifyPolicy, Verification)
// names its own: FactFinder and Mailer on a tenant's Graph,
// IdentityVerifier for Entra Verified ID, and ManagerAsker and
// TargetNotifier on a Notifier.
//
// The promises the rest of tapbot relies on: no pass is created without
// approval by someone other than the requester; every transition is one
// transaction that checks the current state first; the state is written
// before each side effect and its outcome after it, so that a restart
// knows where each request stopped; every transition appends an audit
// event; a pass (Secret) lives only in memory and never reaches the store,
// the audit log or an error message; and every error a technician may see
// is an *Error whose Code the front-ends turn into an answer.
package approvals
