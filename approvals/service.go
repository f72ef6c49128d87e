package approvals

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config wires a Service.
type Config struct {
	Store    Store
	Tenant   Tenant
	TenantID string
	// Tenants routes requests to their tenants (MSP mode: NewTenants,
	// each tenant with its Graph); nil: the single tenant, TenantID,
	// reached through Tenant.
	Tenants   *Tenants
	Policy    Policy
	Notifiers map[string]Notifier // by Principal.Platform
	Now       func() time.Time    // default time.Now
	Logger    *slog.Logger
	Observer  Observer // told of every committed transition (observer.go); nil: none
	// Workers is how many background tasks (Go) run at once; more wait in
	// a queue. 0: DefaultWorkers.
	Workers int
	// Crashpoint, for crash tests only, is called at each named point of a
	// request's life where a crash must be survivable: after a step's state
	// is committed and before its side effect, or after the side effect and
	// before its outcome is committed.
	Crashpoint func(point string)
	// Delivery is when passes are created and how they reach their
	// requesters (pickup.go); "": DeliverImmediately.
	Delivery Delivery
	// Verifier starts Entra Verified ID presentations for the verifiedId
	// step; nil: a policy that asks for it refuses requests saying so.
	// Its callbacks go to Service.PresentationUpdate. A tenant of Tenants
	// with a Verifier of its own (TenantConfig.Verifier) uses that one.
	Verifier IdentityVerifier
	// TargetNotifiers tell targets about their passes in chat, by
	// platform (VerifyPolicy.NotifyTarget); a platform missing here is
	// served by its Notifier when that is a TargetNotifier.
	TargetNotifiers map[string]TargetNotifier
	// Leaser says which replica this is and which others are alive, so
	// that the requests in flight are each worked on by one replica
	// (resume.go); nil: a SoleLeaser, for a store one process holds.
	Leaser Leaser
}

// Crash points, in the order a request passes them.
const (
	CrashRaised    = "raised"    // request stored, card not posted
	CrashApproved  = "approved"  // approval stored, issuing not started
	CrashIssuing   = "issuing"   // issuing stored, Graph not called
	CrashCreated   = "created"   // Graph created the pass, not recorded, not delivered
	CrashDelivered = "delivered" // delivered, not recorded
	CrashIssued    = "issued"    // delivery failed, pass recorded, not revoked
)

// Service runs the request state machine. It is safe for concurrent use: the
// store serialises every transition, and Graph and chat calls happen outside
// transactions, after the state that announces them is written.
type Service struct {
	store           Store
	tenant          Tenant
	tenantID        string
	policy          atomic.Pointer[Policy] // swapped whole by SetPolicy; an operation reads it once (pol) and passes it down
	replacing       sync.Mutex             // one ReplacePolicy at a time
	notifiers       map[string]Notifier
	now             func() time.Time
	log             *slog.Logger
	crashAt         func(point string)
	delivery        Delivery
	verifier        IdentityVerifier
	targetNotifiers map[string]TargetNotifier
	leaser          Leaser
	stranded        sync.Map // ids of the stranded requests resume has logged
	tenantState

	work    *workers       // Go's tasks
	waiting sync.WaitGroup // GoWaiting's tasks
	cards   *cardRedraws
	posts   *cardPosts   // cards posted whose place is not recorded yet (cardposts.go)
	threads *threadPosts // the trail of decisions under each card (threads.go)
	baseCtx context.Context
	stop    context.CancelFunc
}

// NewService returns a Service. Call Shutdown to wait for background work.
func NewService(cfg Config) *Service {
	s := &Service{
		store: cfg.Store, tenant: cfg.Tenant, tenantID: cfg.TenantID,
		notifiers: cfg.Notifiers, now: cfg.Now, log: cfg.Logger, crashAt: cfg.Crashpoint,
		delivery: cfg.Delivery, verifier: cfg.Verifier, targetNotifiers: cfg.TargetNotifiers, leaser: cfg.Leaser,
	}
	if s.leaser == nil {
		s.leaser = NewSoleLeaser()
	}
	s.SetPolicy(cfg.Policy)
	s.tenants = cfg.Tenants
	if s.tenants == nil {
		s.tenants = Single("", cfg.TenantID)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	attachObserver(cfg.Store, cfg.Observer)
	s.baseCtx, s.stop = context.WithCancel(context.Background())
	s.work = newWorkers(cfg.Workers)
	s.cards = newCardRedraws(s.baseCtx, s.drawCard)
	s.posts = newCardPosts()
	s.threads = newThreadPosts(func(f func(ctx context.Context)) { s.Go(f) })
	return s
}

// SetPolicy replaces the policy that operations starting from now follow;
// operations already running finish under the policy they started with.
// Requests raised before keep the approvals they were raised with.
func (s *Service) SetPolicy(p Policy) {
	p = p.withDefaults()
	s.policy.Store(&p)
}

// Policy is the policy operations starting now follow (defaults filled in).
// It is shared: change a copy and hand that to SetPolicy.
func (s *Service) Policy() Policy { return *s.pol() }

// pol is the current policy. Read it once per operation.
func (s *Service) pol() *Policy { return s.policy.Load() }

func (s *Service) crashpoint(point string) {
	if s.crashAt != nil {
		s.crashAt(point)
	}
}

// Store is the service's store, for read-only views such as the audit export.
func (s *Service) Store() Store { return s.store }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Go runs f in the background with a context that outlives the chat request
// that started it; Shutdown waits for it. Chat front-ends use it to answer
// Slack within its 3 seconds and do the Graph work afterwards. At most
// Config.Workers tasks run at once, so a burst of requests cannot take the
// CPU from the acknowledgements; while all workers are busy f waits in a
// queue, and Go reports that it was queued and how many tasks are ahead of
// it, for the front-end to tell the person who asked.
func (s *Service) Go(f func(ctx context.Context)) (queued bool, ahead int) {
	return s.work.submit(s.baseCtx, "", f)
}

// GoFor is Go for work on a request for the user upn: in MSP mode the work
// of one customer tenant never holds more than half the workers, so a
// tenant whose Graph is slow or down leaves the others room.
func (s *Service) GoFor(upn string, f func(ctx context.Context)) (queued bool, ahead int) {
	lane := ""
	if s.tenants.Multi() {
		if tc, err := s.tenants.Route(upn); err == nil {
			lane = tc.Name
		}
	}
	return s.work.submit(s.baseCtx, lane, f)
}

// GoWaiting runs f in its own goroutine, outside the workers, with the
// context Go's tasks get; Shutdown waits for it too. It is for a task that
// spends its life waiting (a timer) and would otherwise keep a worker from
// the requests in the queue.
func (s *Service) GoWaiting(f func(ctx context.Context)) {
	s.waiting.Add(1)
	go func() {
		defer s.waiting.Done()
		f(s.baseCtx)
	}()
}

// Shutdown waits until ctx ends for background work, queued tasks and the
// card redraws it leaves behind, then cancels what is left: tasks still
// queued are dropped (they have changed nothing) and those running see
// their context end. Work cancelled mid-way is resumed by Resume at the
// next start.
func (s *Service) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.work.wait()
		s.waiting.Wait()
		s.cards.wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		// Drop first: a task that ends when its context does would
		// otherwise hand its worker the next queued one.
		if n := s.work.drop(); n > 0 {
			s.log.Warn("shutdown deadline passed: queued requests dropped before they started; their requesters got no answer and can ask again", "dropped", n)
		}
		s.stop()
		<-done
		return ctx.Err()
	}
}

const idAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ" // no 0/O, 1/I: read aloud on a call

// NewRequestID returns a short id a technician can type: "TAP-7K3Q9D".
func NewRequestID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return "TAP-" + string(b)
}

// RaiseInput is a technician's ask, as parsed from chat.
type RaiseInput struct {
	ID        string // optional: an id already shown to the requester
	Requester Principal
	UPN       string
	Lifetime  time.Duration // 0: tenant default
	Once      *bool         // nil: tenant default
	Start     time.Time     // zero: immediately
	Reason    string
}

// Raise checks the ask against tapbot's policy and the tenant's TAP policy,
// stores a pending request and posts its approval card. Nothing is stored
// when a check fails. Returns EFORBIDDEN for someone who may not request,
// EINVALID with the tenant's bounds for a lifetime or usage it refuses,
// ENOTFOUND for an unknown user, and Graph errors as they come.
//
// Under a policy that verifies (VerifyPolicy), Raise also reads the
// target's facts for the card, refuses a target the risk rule refuses
// (EFORBIDDEN) and a step this tapbot cannot do (EUNAVAILABLE, or
// EFORBIDDEN for a manager nobody can ask when the policy then refuses),
// and, once the card is posted, asks the manager and starts the Verified
// ID check. A manager who turns out unreachable in chat then ends the
// stored request failed, and Raise returns it with EFORBIDDEN saying so.
func (s *Service) Raise(ctx context.Context, in RaiseInput) (*Request, error) {
	pol, err := s.route(in.UPN)
	if err != nil {
		if ferr := s.mayRequestAny(ctx, in.Requester); ferr != nil {
			return nil, ferr
		}
		return nil, err
	}
	if err := s.mayRequest(ctx, pol, in.Requester); err != nil {
		return nil, err
	}
	r, err := s.draft(ctx, pol, in)
	if err != nil {
		return nil, err
	}
	s.own(r) // until its card is posted
	admit := func(others *Others) error { return pol.admit(r, others, r.CreatedAt) }
	ev := eventFor(EventRaised, r, r.Requester, r.CreatedAt, joinDetail(raisedDetail(r), verifyDetail(r)))
	if err := s.store.Create(r, ev, r.CreatedAt.Add(-pol.lookback()), admit); err != nil {
		return nil, err
	}
	s.log.Info("request raised", append(s.logTenant(r), "request", r.ID, "requester", in.Requester.Key(), "target", r.Target.UPN,
		"lifetime_minutes", r.LifetimeMinutes, "once", r.UsableOnce)...)
	s.crashpoint(CrashRaised)
	if r, err = s.postCard(ctx, r); err != nil {
		return r, err
	}
	return s.startSteps(ctx, r)
}

// draft builds a pending request after every check that needs no write.
// Its reads go out in two rounds of calls side by side: the tenant's TAP
// policy (cached by the tenant's Graph client), the target by UPN with
// their passes, and who the requester is; then what needs the target's id,
// its roles and groups, as the rules need them. The checks take the
// answers in the order they always have, so when several reads fail, or a
// check fails before a read is needed, the error is the one it was when
// each read waited for the one before.
func (s *Service) draft(ctx context.Context, pol *scope, in RaiseInput) (*Request, error) {
	now := s.now()
	var (
		tp                    TAPPolicy
		target                Target
		requester             Principal
		id                    Identity
		tpErr, userErr, idErr error
	)
	together(
		func() { tp, tpErr = pol.graph.TAPPolicy(ctx) },
		func() { target, userErr = pol.graph.LookupUser(ctx, in.UPN) },
		func() { requester, id, idErr = s.identify(ctx, pol, in.Requester) },
	)
	if tpErr != nil {
		return nil, tpErr
	}
	if !tp.Enabled {
		return nil, Errorf(EINVALID, "Temporary Access Pass is disabled in this tenant. An admin can enable it in the Entra admin center: Entra ID → Authentication methods → Policies → Temporary Access Pass → Enable.")
	}
	minutes, once, err := resolveShape(in, tp)
	if err != nil {
		return nil, err
	}
	if err := pol.checkReason(in.Reason); err != nil {
		return nil, err
	}
	if !in.Start.IsZero() && in.Start.Before(now) {
		return nil, Errorf(EINVALID, "The start time %s is in the past.", in.Start.UTC().Format("2006-01-02 15:04 MST"))
	}
	if userErr != nil {
		return nil, userErr
	}
	if err := pol.checkTarget(target); err != nil {
		return nil, err
	}
	reads := newTargetReads(ctx, pol.graph, target)
	defer reads.stop()
	reads.start(pol, s.roster(pol))
	if pol.verifies() {
		reads.startFacts(now.Add(-pol.Verify.RecentMethods))
	}
	required, steps, err := s.guard(pol, target, reads)
	if err != nil {
		return nil, err
	}
	if idErr != nil {
		return nil, idErr
	}
	requester, exception, err := s.whoseAccount(ctx, pol, requester, id, target, reads)
	if err != nil {
		return nil, err
	}
	verify, err := s.verifyDraft(pol, target, requester, reads, steps)
	if err != nil {
		return nil, err
	}
	rid := in.ID
	if rid == "" {
		rid = NewRequestID()
	}
	return &Request{
		ID: rid, Tenant: pol.tenant.ID, TenantName: pol.tenant.Name, Requester: requester, Target: target, Exception: exception,
		LifetimeMinutes: minutes, UsableOnce: once, StartAt: in.Start, Reason: in.Reason,
		LifetimeDefaulted: in.Lifetime == 0, OnceDefaulted: in.Once == nil,
		State: StatePending, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(pol.RequestTTL),
		ApprovalsRequired: max(required, verify.approvals), Facts: verify.facts, Verify: verify.verify,
	}, nil
}

// together runs the reads side by side and returns when all have.
func together(reads ...func()) {
	var wg sync.WaitGroup
	for _, read := range reads[1:] {
		wg.Go(read)
	}
	reads[0]()
	wg.Wait()
}

// resolveShape applies the tenant's defaults and bounds to lifetime and usage.
func resolveShape(in RaiseInput, tp TAPPolicy) (int, bool, error) {
	minutes := int(in.Lifetime / time.Minute)
	if minutes == 0 {
		minutes = tp.DefaultLifetime
	}
	if minutes < tp.MinLifetime || minutes > tp.MaxLifetime {
		return 0, false, Errorf(EINVALID, "A lifetime of %s is outside this tenant's Temporary Access Pass policy: it allows %s to %s (default %s).",
			FormatMinutes(minutes), FormatMinutes(tp.MinLifetime), FormatMinutes(tp.MaxLifetime), FormatMinutes(tp.DefaultLifetime))
	}
	once := tp.UsableOnce
	if in.Once != nil {
		once = *in.Once
	}
	if tp.UsableOnce && !once {
		return 0, false, Errorf(EINVALID, "This tenant's Temporary Access Pass policy only allows one-time passes; ask for `once` or leave it out.")
	}
	return minutes, once, nil
}

// postCard shows the request to the approvers. A card that cannot be posted
// fails the request: nobody could approve it, and the requester must know.
// Decisions on the card wait until its place is recorded (cardPosts).
func (s *Service) postCard(ctx context.Context, r *Request) (*Request, error) {
	defer s.posts.begin(r.ID)()
	n, err := s.notifier(r)
	var ref MessageRef
	if err == nil {
		ref, err = n.PostCard(ctx, r)
	}
	if err != nil {
		s.log.Error("approval card not posted", "request", r.ID, "err", err)
		reason := "the approval card could not be posted to the approval channel (" + ErrorMessage(err) + ")"
		failed, uerr := s.transition(r.ID, nil, EventFailed, reason, func(r *Request) error {
			if err := s.continues(r, StatePending); err != nil {
				return err
			}
			r.State, r.FailureReason = StateFailed, reason
			return nil
		})
		if uerr != nil {
			return nil, uerr
		}
		return failed, Errorf(EUNAVAILABLE, "Request %s could not be shown to approvers: %s. Nothing was issued; ask the tapbot operator to check the approval channel and invite the bot to it.", r.ID, ErrorMessage(err))
	}
	r, err = s.store.Update(r.ID, func(r *Request) (Change, error) {
		if !s.mine(r) {
			return Change{}, takenOver(r) // another replica took the request over and posts its own card
		}
		r.Card = ref
		return Change{}, nil
	})
	if err == nil && (r.State != StatePending || len(r.Approvals) > 0) {
		// Decided between posting and recording the card: its update was
		// skipped for want of a reference, so draw it now.
		s.refresh(ctx, r, "", "")
	}
	return r, err
}

// transition applies fn to request id in one transaction and appends one
// audit event of type typ by actor (nil: the bot).
func (s *Service) transition(id string, actor *Principal, typ, detail string, fn func(r *Request) error) (*Request, error) {
	return s.store.Update(id, func(r *Request) (Change, error) {
		if err := fn(r); err != nil {
			return Change{}, err
		}
		r.UpdatedAt = s.now()
		var who Principal
		if actor != nil {
			who = *actor
		}
		return Change{Events: []Event{eventFor(typ, r, who, r.UpdatedAt, detail)}}, nil
	})
}

// expireIfLate marks a pending request past its deadline as expired, inside
// the caller's transaction. Expiry is enforced by time on every action, not
// only by the sweeper.
func (s *Service) expireIfLate(r *Request) (Change, bool) {
	if r.State != StatePending || s.now().Before(r.ExpiresAt) {
		return Change{}, false
	}
	r.State, r.UpdatedAt = StateExpired, s.now()
	ev := eventFor(EventExpired, r, Principal{}, r.UpdatedAt, "no decision within the request lifetime")
	return Change{Events: []Event{ev}, Err: stateError(r)}, true
}

// stateError explains to a late clicker why nothing happened.
func stateError(r *Request) error {
	switch r.State {
	case StatePending:
		return Errorf(ECONFLICT, "Request %s is still waiting for approval.", r.ID)
	case StateExpired:
		return Errorf(ECONFLICT, "Request %s expired at %s without a decision; raise a new one if it is still needed.", r.ID, r.ExpiresAt.UTC().Format("15:04 MST"))
	case StateDenied:
		return Errorf(ECONFLICT, "Request %s was already denied by %s.", r.ID, nameOf(r.DecidedBy))
	case StateCancelled:
		return Errorf(ECONFLICT, "Request %s was cancelled by its requester.", r.ID)
	case StateFailed:
		return Errorf(ECONFLICT, "Request %s failed: %s", r.ID, r.FailureReason)
	case StateRevoked:
		return Errorf(ECONFLICT, "Request %s ended: its pass was revoked (%s).", r.ID, r.FailureReason)
	default:
		return Errorf(ECONFLICT, "Request %s was already approved by %s.", r.ID, approverNames(r))
	}
}

func nameOf(p *Principal) string {
	if p == nil {
		return "someone"
	}
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

func approverNames(r *Request) string {
	names := make([]string, len(r.Approvals))
	for i, a := range r.Approvals {
		names[i] = nameOf(&a.By)
	}
	if len(names) == 0 {
		return "nobody yet"
	}
	return strings.Join(names, ", ")
}

// notifier returns the chat front-end of r's requester, or EUNAVAILABLE
// when this tapbot does not serve that platform (it was configured when the
// request was raised and is not now): such a request is stranded, and the
// callers report it and go on rather than take the process down.
func (s *Service) notifier(r *Request) (Notifier, error) {
	if n, ok := s.notifiers[r.Requester.Platform]; ok {
		return n, nil
	}
	return nil, Errorf(EUNAVAILABLE, "Request %s was raised on %q, a chat platform this tapbot is not configured for, so nobody can be told about it.", r.ID, r.Requester.Platform)
}

// refresh has the card redrawn and tells the requester, logging what fails:
// the state is already committed, so a chat hiccup must not undo it. The
// card is redrawn in the background (cardRedraws), after any hold on it;
// the requester is told before refresh returns.
func (s *Service) refresh(ctx context.Context, r *Request, kind, text string) {
	n, err := s.notifier(r)
	if err != nil {
		s.log.Error("request stranded: card not updated and requester not told", "request", r.ID, "state", r.State, "platform", r.Requester.Platform, "err", err)
		return
	}
	if r.Card.ID != "" {
		s.cards.redraw(r.ID)
	}
	if text == "" {
		return
	}
	if err := n.TellRequester(ctx, Notice{Request: r, Kind: kind, Text: text}); err != nil {
		s.log.Warn("requester not told", "request", r.ID, "kind", kind, "err", err)
	}
}

// drawCard draws request id's card as the request now stands in the store,
// so that a redraw which waited shows the latest state.
func (s *Service) drawCard(ctx context.Context, id string) {
	r, err := s.store.Get(id)
	if err != nil {
		s.log.Warn("approval card not updated: request unreadable", "request", id, "err", err)
		return
	}
	n, err := s.notifier(r)
	if err != nil || r.Card.ID == "" {
		return // refresh logged a stranded request; a card never posted has nothing to redraw
	}
	if err := n.UpdateCard(ctx, r); err != nil {
		s.log.Warn("approval card not updated", "request", r.ID, "state", r.State, "err", err)
	}
}

func (s *Service) mayRequest(ctx context.Context, pol *scope, p Principal) error {
	ok, err := pol.Authorizer.CanRequest(ctx, p)
	if err != nil {
		return fmt.Errorf("check requester %s: %w", p.Key(), err)
	}
	if !ok {
		return notRequester(p, pol.tenant.Name)
	}
	return nil
}

func (s *Service) mayApprove(ctx context.Context, pol *scope, p Principal) error {
	ok, err := pol.Authorizer.CanApprove(ctx, p)
	if err != nil {
		return fmt.Errorf("check approver %s: %w", p.Key(), err)
	}
	if !ok {
		return notApprover(p, pol.tenant.Name)
	}
	return nil
}

// notRequester refuses p, who may not request passes in tenant ("" for
// the single tenant, or for every tenant). Naming the tenant tells someone
// who requests for another customer why this one refuses them.
func notRequester(p Principal, tenant string) error {
	if tenant == "" {
		return Errorf(EFORBIDDEN, "You are not allowed to request Temporary Access Passes. Ask the tapbot operator to add you (%s) to the requesters.", p.ID)
	}
	return Errorf(EFORBIDDEN, "You are not allowed to request Temporary Access Passes for tenant %s. Ask the tapbot operator to add you (%s) to its requesters.", tenant, p.ID)
}

// notApprover refuses p, who may not approve in tenant ("" for the single
// tenant, or for every tenant). Naming the tenant tells an approver of
// another customer why this card is not theirs.
func notApprover(p Principal, tenant string) error {
	if tenant == "" {
		return Errorf(EFORBIDDEN, "You are not an approver for Temporary Access Passes. Ask the tapbot operator to add you (%s) to the approvers.", p.ID)
	}
	return Errorf(EFORBIDDEN, "You are not an approver for tenant %s. Ask the tapbot operator to add you (%s) to its approvers.", tenant, p.ID)
}

// mayRequestAny refuses p unless they may request passes in some tenant.
// A tenant whose check failed (not refused) makes the answer that failure.
func (s *Service) mayRequestAny(ctx context.Context, p Principal) error {
	return anyTenant(s, func(pol *scope) error { return s.mayRequest(ctx, pol, p) }, notRequester(p, ""))
}

// mayApproveAny refuses p unless they may approve in some tenant, as
// mayRequestAny does.
func (s *Service) mayApproveAny(ctx context.Context, p Principal) error {
	return anyTenant(s, func(pol *scope) error { return s.mayApprove(ctx, pol, p) }, notApprover(p, ""))
}

// anyTenant is nil when check allows in some tenant, else the first
// failure that is no refusal, else refused.
func anyTenant(s *Service, check func(*scope) error, refused error) error {
	var failed error
	for _, tc := range s.tenants.All() {
		switch err := check(s.scopeFor(tc)); {
		case err == nil:
			return nil
		case ErrorCode(err) != EFORBIDDEN && failed == nil:
			failed = err
		}
	}
	if failed != nil {
		return failed
	}
	return refused
}

// mayView allows the tenant's requesters and approvers to look at its
// requests and passes.
func (s *Service) mayView(ctx context.Context, pol *scope, p Principal) error {
	if err := s.mayRequest(ctx, pol, p); err == nil {
		return nil
	}
	if err := s.mayApprove(ctx, pol, p); err == nil {
		return nil
	}
	return Errorf(EFORBIDDEN, "You are neither a requester nor an approver in tapbot. Ask the tapbot operator to add you (%s).", p.ID)
}
