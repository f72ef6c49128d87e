package graphclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/internal/azcred"
)

// TAPPolicy returns the tenant's Temporary Access Pass policy, as read
// from Graph within the last few minutes (Config.PolicyCacheTTL); callers
// asking at the same time share one read. It returns EPERMISSION without
// Policy.Read.AuthenticationMethod (or a broader permission, see
// BroaderRoles) and EUNAVAILABLE when Graph does not answer in time.
func (c *Client) TAPPolicy(ctx context.Context) (approvals.TAPPolicy, error) {
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	return c.cachedPolicy(ctx, c.policy.get)
}

// cachedPolicy gets the policy from the cache through get (policyCache.get
// or refresh), explaining a wait that ended with ctx.
func (c *Client) cachedPolicy(ctx context.Context,
	get func(context.Context, func(context.Context) (approvals.TAPPolicy, error)) (approvals.TAPPolicy, error)) (approvals.TAPPolicy, error) {
	pol, err := get(ctx, c.fetchPolicy)
	var explained *approvals.Error
	if err != nil && !errors.As(err, &explained) {
		return pol, c.fail(ctx, policyOp, err) // the wait ended with ctx
	}
	return pol, err
}

// fetchPolicy reads the policy from Graph within the per-call timeout.
func (c *Client) fetchPolicy(ctx context.Context) (approvals.TAPPolicy, error) {
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	return c.readPolicy(ctx)
}

var policyOp = op{action: "read TAP policy", purpose: "read the Temporary Access Pass policy", permission: permPolicy}

func (c *Client) readPolicy(ctx context.Context) (approvals.TAPPolicy, error) {
	o := policyOp
	got, err := c.policies.AuthenticationMethodsPolicy().AuthenticationMethodConfigurations().
		ByAuthenticationMethodConfigurationId("TemporaryAccessPass").Get(ctx, nil)
	if err != nil {
		return approvals.TAPPolicy{}, c.fail(ctx, o, err)
	}
	tap, ok := got.(models.TemporaryAccessPassAuthenticationMethodConfigurationable)
	if !ok {
		return approvals.TAPPolicy{}, c.fail(ctx, o, fmt.Errorf("policy has type %T", got))
	}
	state := got.GetState()
	return approvals.TAPPolicy{
		Enabled:         state != nil && *state == models.ENABLED_AUTHENTICATIONMETHODSTATE,
		DefaultLifetime: int(deref(tap.GetDefaultLifetimeInMinutes())),
		MinLifetime:     int(deref(tap.GetMinimumLifetimeInMinutes())),
		MaxLifetime:     int(deref(tap.GetMaximumLifetimeInMinutes())),
		DefaultLength:   int(deref(tap.GetDefaultLength())),
		UsableOnce:      deref(tap.GetIsUsableOnce()),
	}, nil
}

// ListPasses lists the user's passes (at most one), without their secrets,
// which Graph never returns on reading. It returns ENOTFOUND for an unknown
// user, EPERMISSION without UserAuthMethod-TAP.ReadWrite.All (or the
// broader UserAuthenticationMethod.ReadWrite.All), and EUNAVAILABLE when
// Graph does not answer in time.
func (c *Client) ListPasses(ctx context.Context, userID string) ([]approvals.PassInfo, error) {
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	return c.listPasses(ctx, userID, userID)
}

// listPasses lists userID's passes; who names the user in messages.
// options go with the first page's request.
func (c *Client) listPasses(ctx context.Context, userID, who string, options ...abs.RequestOption) ([]approvals.PassInfo, error) {
	rb := c.users.ByUserId(userID).Authentication().TemporaryAccessPassMethods()
	first, err := rb.Get(ctx, &users.ItemAuthenticationTemporaryAccessPassMethodsRequestBuilderGetRequestConfiguration{Options: options})
	var out []approvals.PassInfo
	err = eachItem(first, err,
		func(next string) (models.TemporaryAccessPassAuthenticationMethodCollectionResponseable, error) {
			return rb.WithUrl(next).Get(ctx, nil)
		},
		func(m models.TemporaryAccessPassAuthenticationMethodable) { out = append(out, passInfo(m)) })
	if err != nil {
		return nil, c.fail(ctx, op{action: "list TAPs of " + userID, purpose: "read Temporary Access Passes",
			permission: permPasses, user: who}, err)
	}
	return out, nil
}

func passInfo(m models.TemporaryAccessPassAuthenticationMethodable) approvals.PassInfo {
	return approvals.PassInfo{
		MethodID:        deref(m.GetId()),
		Created:         deref(m.GetCreatedDateTime()),
		Start:           deref(m.GetStartDateTime()),
		LifetimeMinutes: int(deref(m.GetLifetimeInMinutes())),
		UsableOnce:      deref(m.GetIsUsableOnce()),
		Usable:          deref(m.GetIsUsable()),
		Reason:          deref(m.GetMethodUsabilityReason()),
	}
}

// CreatePass creates a Temporary Access Pass for the user, replacing the
// one they have. A zero lifetime takes the policy's default; a zero start
// means now. The pass text is only in the returned Secret.
//
// It returns EINVALID when the tenant's policy refuses the pass (turned
// off, user not targeted, lifetime outside its bounds, one-time passes
// forced), saying which and what to do; ENOTFOUND for an unknown user;
// EPERMISSION without UserAuthMethod-TAP.ReadWrite.All (or the broader
// UserAuthenticationMethod.ReadWrite.All); EUNAVAILABLE when Graph does not
// answer in time. When the create may have happened all the same (its
// answer was lost, or Graph failed late), it deletes any pass created since
// it asked and says so; if it cannot, the error wraps
// approvals.ErrPassMayBeLive.
func (c *Client) CreatePass(ctx context.Context, userID string, p approvals.PassParams) (approvals.Pass, error) {
	if strings.TrimSpace(userID) == "" || p.LifetimeMinutes < 0 {
		return approvals.Pass{}, approvals.Errorf(approvals.EINVALID, "A pass needs a user and a lifetime that is not negative.")
	}
	parent := ctx
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	started := time.Now()
	created, err := c.users.ByUserId(userID).Authentication().TemporaryAccessPassMethods().Post(ctx, passBody(p), nil)
	if err != nil {
		failure := c.createFailure(ctx, userID, p, err)
		if mayHaveCreated(err) {
			return approvals.Pass{}, c.undoCreate(parent, userID, started, failure)
		}
		return approvals.Pass{}, failure
	}
	secret := deref(created.GetTemporaryAccessPass())
	if secret == "" {
		return approvals.Pass{}, c.discardSecretless(ctx, userID, deref(created.GetId()))
	}
	start := deref(created.GetStartDateTime())
	if start.IsZero() {
		start = deref(created.GetCreatedDateTime())
	}
	return approvals.Pass{
		MethodID:        deref(created.GetId()),
		Secret:          approvals.NewSecret(secret),
		Start:           start,
		LifetimeMinutes: int(deref(created.GetLifetimeInMinutes())),
		UsableOnce:      deref(created.GetIsUsableOnce()),
	}, nil
}

func passBody(p approvals.PassParams) models.TemporaryAccessPassAuthenticationMethodable {
	body := models.NewTemporaryAccessPassAuthenticationMethod()
	if p.LifetimeMinutes > 0 {
		lifetime := int32(min(p.LifetimeMinutes, 1<<30))
		body.SetLifetimeInMinutes(&lifetime)
	}
	once := p.UsableOnce
	body.SetIsUsableOnce(&once)
	if !p.Start.IsZero() {
		start := p.Start.UTC().Truncate(time.Second)
		body.SetStartDateTime(&start)
	}
	return body
}

// discardSecretless deletes a pass Graph created without handing over its
// text: no live pass may exist that nobody holds.
func (c *Client) discardSecretless(ctx context.Context, userID, methodID string) error {
	e := approvals.Errorf(approvals.EUNAVAILABLE,
		"Microsoft Graph created a pass for %s without returning it, so tapbot deleted it again; try again.", userID)
	if err := c.deletePass(ctx, userID, methodID); err != nil {
		e.Message = fmt.Sprintf("Microsoft Graph created a pass for %s without returning it, and deleting it failed: delete it in the Entra admin center → Entra ID → Users → %s → Authentication methods.", userID, userID)
		e.Err = err
	}
	return e
}

// mayHaveCreated reports whether a failed create may have created a pass
// all the same: Graph may have acted on a request whose answer was lost (a
// timeout, a dropped connection, an answer tapbot cannot read) or failed
// late (5xx; 429 after a retried 5xx, as the retry layer repeats the POST).
// No token, no connection, or a plain 4xx refusal means it did not.
func mayHaveCreated(err error) bool {
	var tokErr *azcred.TokenError
	var opErr *net.OpError
	switch {
	case errors.As(err, &tokErr), errors.As(err, &opErr) && opErr.Op == "dial":
		return false
	}
	if f, ok := asGraphFailure(err); ok {
		return f.status == http.StatusTooManyRequests || f.status >= 500
	}
	return true
}

// undoCreate makes sure a create of unknown outcome left no pass nobody
// holds: it deletes every pass of the user's created since the attempt
// started, and adds to failure's message what it found. It runs on a
// context of its own, as the create's may have run out. If it cannot make
// sure, the error wraps approvals.ErrPassMayBeLive.
func (c *Client) undoCreate(parent context.Context, userID string, started time.Time, failure error) error {
	e := &approvals.Error{Code: approvals.ErrorCode(failure), Message: approvals.ErrorMessage(failure), Err: failure}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), c.cfg.Timeout)
	defer cancel()
	deleted, err := c.deleteCreatedSince(ctx, userID, started)
	switch {
	case err != nil:
		e.Message += fmt.Sprintf(" A pass may have been created anyway, and tapbot could not make sure it is gone (%s): "+
			"delete it in the Entra admin center → Entra ID → Users → %s → Authentication methods.", strings.TrimSuffix(approvals.ErrorMessage(err), "."), userID)
		e.Err = fmt.Errorf("%w: %w; clean-up: %w", approvals.ErrPassMayBeLive, failure, err)
	case deleted > 0:
		e.Message += " A pass had been created all the same (replacing any the user had); tapbot deleted it again, so no pass is left that nobody holds."
	default:
		e.Message += " tapbot checked: no new pass was created."
	}
	return e
}

// deleteCreatedSince deletes the user's passes created since started and
// returns how many. "Since" is read on Graph's clock: the Date of the
// listing's answer less the time elapsed since started, so a difference
// between tapbot's clock and Graph's does not matter.
func (c *Client) deleteCreatedSince(ctx context.Context, userID string, started time.Time) (int, error) {
	headers := khttp.NewHeadersInspectionOptions()
	headers.InspectResponseHeaders = true
	passes, err := c.listPasses(ctx, userID, userID, headers)
	if err != nil {
		return 0, err
	}
	since := started.Add(-createdRounding)
	if date, err := http.ParseTime(strings.Join(headers.GetResponseHeaders().Get("Date"), "")); err == nil {
		since = date.Add(-time.Since(started) - createdRounding)
	}
	deleted := 0
	for _, p := range passes {
		if p.Created.Before(since) {
			continue
		}
		if err := c.deletePass(ctx, userID, p.MethodID); err != nil {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}

// createdRounding allows for Graph's Date header and its createdDateTime
// being rounded to the second.
const createdRounding = 2 * time.Second

// createFailure explains a refused create. When Graph says the request is
// bad, the policy is read again, so the message can name the actual rule
// broken and the tenant's bounds, and the next request is checked against
// the policy as it is now rather than as it was cached.
func (c *Client) createFailure(ctx context.Context, userID string, p approvals.PassParams, err error) error {
	o := op{action: "create TAP for " + userID, purpose: "create Temporary Access Passes", permission: permPasses, user: userID}
	f, ok := asGraphFailure(err)
	if !ok || ctx.Err() != nil || (f.status != 400 && !isPolicyRefusal(f)) {
		return c.fail(ctx, o, err)
	}
	pol, perr := c.cachedPolicy(ctx, c.policy.refresh)
	if perr != nil {
		return c.fail(ctx, o, err)
	}
	if e := policyRefusal(pol, userID, p, f); e != nil {
		e.Err = fmt.Errorf("%s: %w", o.action, err)
		return e
	}
	return c.fail(ctx, o, err)
}

// policyRefusal names the policy rule a refused pass breaks, or nil.
func policyRefusal(pol approvals.TAPPolicy, userID string, p approvals.PassParams, f graphFailure) *approvals.Error {
	switch {
	case !pol.Enabled:
		return approvals.Errorf(approvals.EINVALID,
			"Temporary Access Passes are turned off in this tenant. %s", enableTAPAdvice)
	case isPolicyRefusal(f):
		return approvals.Errorf(approvals.EINVALID,
			"The tenant's Temporary Access Pass policy does not include %s. %s", userID, enableTAPAdvice)
	case p.LifetimeMinutes > 0 && (p.LifetimeMinutes < pol.MinLifetime || p.LifetimeMinutes > pol.MaxLifetime):
		return approvals.Errorf(approvals.EINVALID,
			"A pass cannot last %s in this tenant: its Temporary Access Pass policy allows %s to %s. Ask again with a lifetime in that range.",
			minutes(p.LifetimeMinutes), minutes(pol.MinLifetime), minutes(pol.MaxLifetime))
	case pol.UsableOnce && !p.UsableOnce:
		return approvals.Errorf(approvals.EINVALID,
			"This tenant's Temporary Access Pass policy allows only one-time passes. Ask again for a one-time pass (once).")
	}
	return nil
}

// minutes writes a lifetime the way a technician would say it.
func minutes(m int) string {
	switch {
	case m%60 == 0 && m >= 60:
		return fmt.Sprintf("%d minutes (%dh)", m, m/60)
	case m > 60:
		return fmt.Sprintf("%d minutes (%dh%02dm)", m, m/60, m%60)
	}
	return fmt.Sprintf("%d minutes", m)
}

// DeletePass deletes the user's pass with that method id. Deleting a pass
// that is still valid also signs the user out everywhere. It returns nil
// when the pass (or the user) is already gone, EPERMISSION without
// UserAuthMethod-TAP.ReadWrite.All (or the broader
// UserAuthenticationMethod.ReadWrite.All), and EUNAVAILABLE when Graph does
// not answer in time.
func (c *Client) DeletePass(ctx context.Context, userID, methodID string) error {
	if strings.TrimSpace(userID) == "" || strings.TrimSpace(methodID) == "" {
		return approvals.Errorf(approvals.EINVALID, "Deleting a pass needs the user and the pass's method id.")
	}
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	return c.deletePass(ctx, userID, methodID)
}

func (c *Client) deletePass(ctx context.Context, userID, methodID string) error {
	err := c.users.ByUserId(userID).Authentication().TemporaryAccessPassMethods().
		ByTemporaryAccessPassAuthenticationMethodId(methodID).Delete(ctx, nil)
	if err == nil {
		return nil
	}
	if f, ok := asGraphFailure(err); ok && f.status == 404 {
		return nil
	}
	return c.fail(ctx, op{action: "delete TAP " + methodID + " of " + userID, purpose: "delete Temporary Access Passes",
		permission: permPasses, user: userID}, err)
}
