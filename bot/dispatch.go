package bot

import (
	"context"
	"log/slog"
	"strings"

	"github.com/tapbot/tapbot/approvals"
)

// Service is what the commands and buttons of both platforms ask of the
// approvals service.
type Service interface {
	Raise(ctx context.Context, in approvals.RaiseInput) (*approvals.Request, error)
	Approve(ctx context.Context, id string, by approvals.Principal) (*approvals.Request, error)
	ApproveVerified(ctx context.Context, id string, by approvals.Principal, cb approvals.Callback) (*approvals.Request, error)
	Deny(ctx context.Context, id string, by approvals.Principal, reason string) (*approvals.Request, error)
	Cancel(ctx context.Context, id string, by approvals.Principal) (*approvals.Request, error)
	Reissue(ctx context.Context, id string, by approvals.Principal) (*approvals.Request, error)
	Status(ctx context.Context, by approvals.Principal, upn string) (approvals.UserStatus, error)
	Revoke(ctx context.Context, by approvals.Principal, upn string) (approvals.UserStatus, error)
	Open(ctx context.Context, by approvals.Principal) ([]*approvals.Request, error)
	WaitingFor(r *approvals.Request) []string
	RetryVerifiedID(ctx context.Context, id string, by approvals.Principal) (*approvals.Request, error)
}

var _ Service = (*approvals.Service)(nil)

// Raise asks svc, for who, for the pass a request command describes,
// under the request id the front-end already showed them.
func Raise(ctx context.Context, svc Service, id string, who approvals.Principal, cmd Command) (*approvals.Request, error) {
	return svc.Raise(ctx, approvals.RaiseInput{
		ID: id, Requester: who, UPN: cmd.UPN, Lifetime: cmd.Lifetime, Once: cmd.Once, Start: cmd.Start, Reason: cmd.Reason,
	})
}

// Answer carries out a command whose answer is a reply and nothing else
// (status, revoke, list, cancel, deny, verify) for who, and returns the reply. It
// returns "" for the verbs a front-end answers itself: help, whose text
// each platform adapts, and requests, which need an acknowledgement first
// and a card after.
func Answer(ctx context.Context, svc Service, who approvals.Principal, cmd Command, st Style) string {
	switch cmd.Verb {
	case VerbStatus:
		s, err := svc.Status(ctx, who, cmd.UPN)
		if err != nil {
			return Refusal(err, st)
		}
		return Status(s, svc.WaitingFor, st)
	case VerbRevoke:
		s, err := svc.Revoke(ctx, who, cmd.UPN)
		if err != nil {
			return Refusal(err, st)
		}
		return Revoked(s, st)
	case VerbList:
		open, err := svc.Open(ctx, who)
		if err != nil {
			return Refusal(err, st)
		}
		return OpenList(open, svc.WaitingFor, st)
	case VerbCancel:
		_, err := svc.Cancel(ctx, cmd.RequestID, who)
		return Outcome(err, "Request "+cmd.RequestID+" is cancelled.", st)
	case VerbDeny:
		_, err := svc.Deny(ctx, cmd.RequestID, who, cmd.Reason)
		return Outcome(err, "You denied request "+cmd.RequestID+".", st)
	case VerbVerify:
		_, err := svc.RetryVerifiedID(ctx, cmd.RequestID, who)
		return Outcome(err, "The Verified ID check of request "+cmd.RequestID+" starts again: the new link for the user follows in a private message.", st)
	}
	return ""
}

// Action is what a button on a tapbot message asks for. Each front-end
// names its buttons as its platform wants and translates them to these.
type Action string

// The actions of tapbot's buttons.
const (
	ActionApprove Action = "approve" // on the approval card
	ActionDeny    Action = "deny"    // on the approval card
	ActionCancel  Action = "cancel"  // on the requester's receipt
	ActionReissue Action = "reissue" // on the requester's pass or revocation notice
)

// Press is one press of a button: what it asks for, on which request, by
// whom.
type Press struct {
	Action    Action
	RequestID string
	By        approvals.Principal
	Reason    string // ActionDeny: why, as the denier typed it; "" when none
	// Callback is what an ActionApprove says of the callback step, from
	// the form that asks it (NeedsCallback); nil when none asked.
	Callback *approvals.Callback
}

// Do carries out the press through svc and returns what to tell the
// presser alone: "" when it worked (the cards show the outcome), else why
// nothing changed. A refused press is logged on log with the request id.
func (p Press) Do(ctx context.Context, svc Service, log *slog.Logger, st Style) string {
	r, err := p.decide(ctx, svc)
	switch {
	case err == nil:
		return ""
	case p.Action == ActionApprove && r != nil && r.ApprovedBy(p.By):
		// Approved, but issuing went wrong: the card says so, and so do we.
		return ApprovedButFailed(p.RequestID, err, st)
	}
	log.Info("button press refused", "action", string(p.Action), "request", p.RequestID, "user", p.By.Key(), "reason", approvals.ErrorCode(err))
	return Refusal(err, st)
}

// decide makes the service call the press asks for.
func (p Press) decide(ctx context.Context, svc Service) (*approvals.Request, error) {
	switch p.Action {
	case ActionApprove:
		if p.Callback != nil {
			return svc.ApproveVerified(ctx, p.RequestID, p.By, *p.Callback)
		}
		return svc.Approve(ctx, p.RequestID, p.By)
	case ActionDeny:
		return svc.Deny(ctx, p.RequestID, p.By, strings.TrimSpace(p.Reason))
	case ActionCancel:
		return svc.Cancel(ctx, p.RequestID, p.By)
	case ActionReissue:
		return svc.Reissue(ctx, p.RequestID, p.By)
	}
	return nil, approvals.Errorf(approvals.EINVALID, "tapbot has no button %q.", string(p.Action))
}
