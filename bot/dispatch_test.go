package bot

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
)

// fakeService records the call a command or press made and answers with
// the request, status and error it was given.
type fakeService struct {
	calls  []string
	raised approvals.RaiseInput
	req    *approvals.Request
	status approvals.UserStatus
	open   []*approvals.Request
	err    error
}

func (f *fakeService) call(name, arg string) { f.calls = append(f.calls, name+" "+arg) }

func (f *fakeService) Raise(_ context.Context, in approvals.RaiseInput) (*approvals.Request, error) {
	f.call("raise", in.ID)
	f.raised = in
	return f.req, f.err
}

func (f *fakeService) Approve(_ context.Context, id string, _ approvals.Principal) (*approvals.Request, error) {
	f.call("approve", id)
	return f.req, f.err
}

func (f *fakeService) ApproveVerified(_ context.Context, id string, _ approvals.Principal, cb approvals.Callback) (*approvals.Request, error) {
	f.call("approve-verified", fmt.Sprintf("%s called=%t note=%s", id, cb.Called, cb.Note))
	return f.req, f.err
}

func (f *fakeService) Deny(_ context.Context, id string, _ approvals.Principal, reason string) (*approvals.Request, error) {
	f.call("deny", id+" "+reason)
	return f.req, f.err
}

func (f *fakeService) Cancel(_ context.Context, id string, _ approvals.Principal) (*approvals.Request, error) {
	f.call("cancel", id)
	return f.req, f.err
}

func (f *fakeService) RetryVerifiedID(_ context.Context, id string, _ approvals.Principal) (*approvals.Request, error) {
	f.call("verify", id)
	return f.req, f.err
}

func (f *fakeService) Reissue(_ context.Context, id string, _ approvals.Principal) (*approvals.Request, error) {
	f.call("reissue", id)
	return f.req, f.err
}

func (f *fakeService) Status(_ context.Context, _ approvals.Principal, upn string) (approvals.UserStatus, error) {
	f.call("status", upn)
	return f.status, f.err
}

func (f *fakeService) Revoke(_ context.Context, _ approvals.Principal, upn string) (approvals.UserStatus, error) {
	f.call("revoke", upn)
	return f.status, f.err
}

func (f *fakeService) Open(context.Context, approvals.Principal) ([]*approvals.Request, error) {
	f.call("open", "")
	return f.open, f.err
}

func (f *fakeService) WaitingFor(*approvals.Request) []string { return []string{"slack:UAPP1"} }

func TestEachButtonMakesItsServiceCall(t *testing.T) {
	tests := []struct {
		action   Action
		callback *approvals.Callback
		call     string
	}{
		{ActionApprove, nil, "approve TAP-AAAAAA"},
		{ActionApprove, &approvals.Callback{Called: true, Note: "office line"}, "approve-verified TAP-AAAAAA called=true note=office line"},
		{ActionDeny, nil, "deny TAP-AAAAAA "}, // a button gives no reason
		{ActionCancel, nil, "cancel TAP-AAAAAA"},
		{ActionReissue, nil, "reissue TAP-AAAAAA"},
	}
	for _, tt := range tests {
		svc := &fakeService{}
		var log bytes.Buffer
		reply := Press{Action: tt.action, RequestID: "TAP-AAAAAA", By: requesterRita, Callback: tt.callback}.Do(context.Background(), svc, slog.New(slog.NewTextHandler(&log, nil)), slackLike)
		if reply != "" || log.Len() != 0 {
			t.Errorf("%s that worked: reply %q, log %q; the cards show the outcome", tt.action, reply, log.String())
		}
		if len(svc.calls) != 1 || svc.calls[0] != tt.call {
			t.Errorf("%s made the calls %q, want %q", tt.action, svc.calls, tt.call)
		}
	}
}

func TestRefusedPressIsExplainedToThePresserAndLogged(t *testing.T) {
	own := approvals.Errorf(approvals.EFORBIDDEN, "You can't approve your own request; another approver has to.")
	failed := approvals.Errorf(approvals.EUNAVAILABLE, "Graph said <no>.")
	approvedByRita := &approvals.Request{ID: "TAP-AAAAAA", Approvals: []approvals.Approval{{By: requesterRita}}}
	tests := []struct {
		name   string
		action Action
		svc    *fakeService
		reply  string
		logged bool
	}{
		{"refused approval", ActionApprove, &fakeService{err: own}, "⛔ You can't approve your own request; another approver has to.", true},
		{"approved, then issuing failed", ActionApprove, &fakeService{req: approvedByRita, err: failed}, "⚠️ You approved TAP-AAAAAA, but: Graph said \\<no\\>.", false},
		{"refused denial of a request requesterRita approved", ActionDeny, &fakeService{req: approvedByRita, err: own}, "⛔ You can't approve your own request; another approver has to.", true},
		{"a button tapbot does not have", Action("launch"), &fakeService{}, `⛔ tapbot has no button "launch".`, true},
	}
	for _, tt := range tests {
		var log bytes.Buffer
		reply := Press{Action: tt.action, RequestID: "TAP-AAAAAA", By: requesterRita}.Do(context.Background(), tt.svc, slog.New(slog.NewTextHandler(&log, nil)), teamsLike)
		if reply != tt.reply {
			t.Errorf("%s: reply %q, want %q", tt.name, reply, tt.reply)
		}
		line := log.String()
		if logged := strings.Contains(line, `msg="button press refused"`) && strings.Contains(line, "request=TAP-AAAAAA"); logged != tt.logged {
			t.Errorf("%s: logged %v, want %v: %q", tt.name, logged, tt.logged, line)
		}
	}
}

func TestAnswerRunsTheCommandAndWordsTheResult(t *testing.T) {
	denied := approvals.Errorf(approvals.EFORBIDDEN, "You are not an approver.")
	withPass := approvals.UserStatus{Target: targetCarol, Passes: []approvals.PassInfo{{}}}
	tests := []struct {
		cmd   Command
		svc   *fakeService
		call  string
		reply string
	}{
		{Command{Verb: VerbStatus, UPN: "carol@contoso.com"}, &fakeService{status: approvals.UserStatus{Target: targetCarol}}, "status carol@contoso.com",
			"*Carol &lt;b&gt;Chen&lt;/b&gt;* (carol@contoso.com), account enabled.\nNo Temporary Access Pass.\nNo open requests for them."},
		{Command{Verb: VerbStatus, UPN: "carol@contoso.com"}, &fakeService{status: approvals.UserStatus{Target: targetCarol, Open: []*approvals.Request{
			{ID: "TAP-BBBBBB", State: approvals.StatePending, Requester: requesterRita, Target: targetCarol, ApprovalsRequired: 1, LifetimeMinutes: 60, ExpiresAt: tenAM},
		}}}, "status carol@contoso.com",
			"*Carol &lt;b&gt;Chen&lt;/b&gt;* (carol@contoso.com), account enabled.\nNo Temporary Access Pass.\n1 open request(s) for them:\n" +
				"• *TAP-BBBBBB* for carol@contoso.com, asked by <@U1>: pending, waiting for 1 more approval from <@UAPP1>. 1h, multi-use, expires 10:00."},
		{Command{Verb: VerbStatus, UPN: "carol@contoso.com"}, &fakeService{err: denied}, "status carol@contoso.com", ":no_entry: You are not an approver."},
		{Command{Verb: VerbRevoke, UPN: "carol@contoso.com"}, &fakeService{status: withPass}, "revoke carol@contoso.com",
			":wastebasket: Revoked the Temporary Access Pass of carol@contoso.com. Deleting a valid pass also signs them out of their sessions."},
		{Command{Verb: VerbRevoke, UPN: "carol@contoso.com"}, &fakeService{err: denied}, "revoke carol@contoso.com", ":no_entry: You are not an approver."},
		{Command{Verb: VerbList}, &fakeService{}, "open ", "No open requests."},
		{Command{Verb: VerbList}, &fakeService{err: denied}, "open ", ":no_entry: You are not an approver."},
		{Command{Verb: VerbCancel, RequestID: "TAP-AAAAAA"}, &fakeService{}, "cancel TAP-AAAAAA", "Request TAP-AAAAAA is cancelled."},
		{Command{Verb: VerbVerify, RequestID: "TAP-AAAAAA"}, &fakeService{}, "verify TAP-AAAAAA", "The Verified ID check of request TAP-AAAAAA starts again: the new link for the user follows in a private message."},
		{Command{Verb: VerbDeny, RequestID: "TAP-AAAAAA", Reason: "no ticket"}, &fakeService{}, "deny TAP-AAAAAA no ticket", "You denied request TAP-AAAAAA."},
		{Command{Verb: VerbDeny, RequestID: "TAP-AAAAAA"}, &fakeService{err: denied}, "deny TAP-AAAAAA ", ":no_entry: You are not an approver."},
	}
	for _, tt := range tests {
		reply := Answer(context.Background(), tt.svc, requesterRita, tt.cmd, slackLike)
		if reply != tt.reply {
			t.Errorf("%s: reply %q, want %q", tt.cmd.Verb, reply, tt.reply)
		}
		if len(tt.svc.calls) != 1 || tt.svc.calls[0] != tt.call {
			t.Errorf("%s made the calls %q, want %q", tt.cmd.Verb, tt.svc.calls, tt.call)
		}
	}
}

func TestAnswerLeavesHelpAndRequestsToTheFrontEnd(t *testing.T) {
	for _, verb := range []Verb{VerbHelp, VerbRequest} {
		svc := &fakeService{}
		if reply := Answer(context.Background(), svc, requesterRita, Command{Verb: verb, UPN: "carol@contoso.com"}, slackLike); reply != "" || len(svc.calls) != 0 {
			t.Errorf("%s: reply %q and calls %q, want neither", verb, reply, svc.calls)
		}
	}
}

func TestRaiseAsksForWhatTheCommandSays(t *testing.T) {
	svc := &fakeService{}
	cmd, err := Parse("carol@contoso.com 2h once at +30m new phone", tenAM, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Raise(context.Background(), svc, "TAP-AAAAAA", requesterRita, cmd); err != nil {
		t.Fatal(err)
	}
	in := svc.raised
	if in.ID != "TAP-AAAAAA" || in.Requester != requesterRita || in.UPN != "carol@contoso.com" || in.Lifetime != 2*time.Hour ||
		in.Once == nil || !*in.Once || !in.Start.Equal(tenAM.Add(30*time.Minute)) || in.Reason != "new phone" {
		t.Errorf("raised %+v for %+v", in, cmd)
	}
}
