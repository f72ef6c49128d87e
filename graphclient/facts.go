package graphclient

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/identityprotection"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/tapbot/tapbot/approvals"
)

// The application permissions of end-user verification (issue 15). None
// is needed to issue passes: a fact tapbot may not read is shown "not
// checked", naming the permission, and no mail is sent without Mail.Send.
const (
	permRisk    = "IdentityRiskyUser.Read.All"
	permMethods = "UserAuthenticationMethod.Read.All"
	permMail    = "Mail.Send"
)

// whyNoP2 is why risk is not checked in a tenant without Microsoft Entra
// ID P2, which ID Protection's riskyUsers needs.
const whyNoP2 = "needs Microsoft Entra ID P2 (ID Protection)"

var _ approvals.FactFinder = (*Client)(nil)

// objectID matches an Entra object id. riskyUsers is keyed by it alone: a
// UPN finds no riskyUser, which would read as "never flagged".
var objectID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// TargetFacts reads what the directory knows that helps an approver
// verify the user with object id userID: their phone numbers, their
// manager, ID Protection's risk and the authentication methods registered
// at or after methodsSince (every dated one when it is zero). The four
// reads run at the same time.
//
// A read Graph refuses (403: a permission not granted, or for risk a
// tenant without Entra ID P2) leaves its part unchecked, Why naming what
// is missing. A user ID Protection never flagged is checked with level and
// state "none"; a user without a manager is checked with Manager nil. A
// part Graph did not answer is unchecked ("Microsoft Graph did not
// answer"); only when no part could be read at all is that an error:
// EUNAVAILABLE when Graph or sign-in does not answer, EPERMISSION when
// tapbot gets no token. It returns ENOTFOUND when there is no such user
// and EINVALID when userID is not an object id.
func (c *Client) TargetFacts(ctx context.Context, userID string, methodsSince time.Time) (approvals.TargetFacts, error) {
	userID = strings.TrimSpace(userID)
	if !objectID.MatchString(userID) {
		return approvals.TargetFacts{}, approvals.Errorf(approvals.EINVALID,
			"tapbot reads the facts of a user by their Entra object id, not %q.", clip(userID))
	}
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	var f approvals.TargetFacts
	errs := readAll(
		func() (err error) { f.BusinessPhones, f.MobilePhone, f.Phones, err = c.phones(ctx, userID); return err },
		func() (err error) { f.Manager, f.ManagerRead, err = c.manager(ctx, userID); return err },
		func() (err error) { f.Risk, err = c.risk(ctx, userID); return err },
		func() (err error) { f.Methods, err = c.recentMethods(ctx, userID, methodsSince); return err },
	)
	if err := factsFailure(errs); err != nil {
		return approvals.TargetFacts{}, err
	}
	return f, nil
}

// factsFailure is the error TargetFacts returns for its parts' errors:
// the user's absence, else the first failure when every part failed, else
// none (the failed parts say so themselves).
func factsFailure(errs []error) error {
	failed := 0
	for _, err := range errs {
		if approvals.ErrorCode(err) == approvals.ENOTFOUND {
			return err
		}
		if err != nil {
			failed++
		}
	}
	if failed == len(errs) {
		return errs[0]
	}
	return nil
}

// unread explains why a part of TargetFacts could not be read. A refusal
// concerns that part alone: it returns the part's Why and no error.
// Anything else is returned as the error too, for TargetFacts to tell
// whether Graph could be reached at all.
func (c *Client) unread(ctx context.Context, o op, err error) (approvals.Checked, error) {
	if f, ok := asGraphFailure(err); ok && f.status == http.StatusForbidden {
		if isUnlicensed(f) {
			return approvals.Checked{Why: whyNoP2}, nil
		}
		return approvals.Checked{Why: "needs " + o.permission}, nil
	}
	e := c.fail(ctx, o, err)
	why := "Microsoft Graph did not answer"
	switch f, isGraph := asGraphFailure(err); {
	case e.Code == approvals.ENOTFOUND:
		why = "no such user"
	case e.Code == approvals.EUNAVAILABLE:
	case isGraph:
		why = "Microsoft Graph refused it (" + f.describe() + ")"
	default:
		why = "Microsoft Graph's answer could not be read"
	}
	return approvals.Checked{Why: why}, e
}

// isUnlicensed recognises ID Protection's 403 to a tenant without Entra
// ID P2: "Your tenant is not licensed for this feature."
func isUnlicensed(f graphFailure) bool {
	return strings.Contains(strings.ToLower(f.message), "not licensed")
}

// readOK is the Checked of a part read.
var readOK = approvals.Checked{OK: true}

// phones reads the user's directory phone numbers, which the caller did
// not supply: the numbers to call back on.
func (c *Client) phones(ctx context.Context, userID string) ([]string, string, approvals.Checked, error) {
	u, err := c.users.ByUserId(userID).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"businessPhones", "mobilePhone"}},
	})
	if err != nil {
		why, err := c.unread(ctx, op{action: "read phone numbers of " + userID, purpose: "read users' phone numbers",
			permission: permUsers, user: userID}, err)
		return nil, "", why, err
	}
	return u.GetBusinessPhones(), deref(u.GetMobilePhone()), readOK, nil
}

// managerFields are the manager's properties TargetFacts reports.
var managerFields = []string{"id", "displayName", "userPrincipalName", "mail"}

// manager reads the user's manager; Graph's 404 means the directory names
// none.
func (c *Client) manager(ctx context.Context, userID string) (*approvals.Person, approvals.Checked, error) {
	obj, err := c.users.ByUserId(userID).Manager().Get(ctx, &users.ItemManagerRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemManagerRequestBuilderGetQueryParameters{Select: managerFields},
	})
	if f, ok := asGraphFailure(err); ok && f.status == http.StatusNotFound {
		return nil, readOK, nil
	}
	if err != nil {
		why, err := c.unread(ctx, op{action: "read manager of " + userID, purpose: "read users' managers", permission: permUsers}, err)
		return nil, why, err
	}
	return person(obj), readOK, nil
}

// person describes a manager: a user, or an organizational contact, which
// Entra also accepts as a manager.
func person(obj models.DirectoryObjectable) *approvals.Person {
	p := &approvals.Person{ID: deref(obj.GetId())}
	switch o := obj.(type) {
	case *models.User:
		p.UPN, p.DisplayName, p.Mail = deref(o.GetUserPrincipalName()), deref(o.GetDisplayName()), deref(o.GetMail())
	case *models.OrgContact:
		p.DisplayName, p.Mail = deref(o.GetDisplayName()), deref(o.GetMail())
	}
	return p
}

// risk reads ID Protection's risk for the user; its 404 means ID
// Protection never flagged them.
func (c *Client) risk(ctx context.Context, userID string) (approvals.Risk, error) {
	got, err := identityprotection.NewIdentityProtectionRequestBuilderInternal(map[string]string{"baseurl": c.ep.GraphURL}, c.adapter).
		RiskyUsers().ByRiskyUserId(userID).Get(ctx, nil)
	if f, ok := asGraphFailure(err); ok && f.status == http.StatusNotFound {
		return approvals.Risk{Checked: readOK, Level: "none", State: "none"}, nil
	}
	if err != nil {
		why, err := c.unread(ctx, op{action: "read ID Protection risk of " + userID, purpose: "read ID Protection's user risk",
			permission: permRisk}, err)
		return approvals.Risk{Checked: why}, err
	}
	r := approvals.Risk{Checked: readOK, Level: enumText(got.GetRiskLevel()), State: enumText(got.GetRiskState()),
		Detail: enumText(got.GetRiskDetail())}
	if r.Detail == "none" {
		r.Detail = ""
	}
	return r, nil
}

// enumText is a Graph enum value as Graph spells it, "" when absent.
func enumText[T fmt.Stringer](v *T) string {
	if v == nil {
		return ""
	}
	return (*v).String()
}
