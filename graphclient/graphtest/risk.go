package graphtest

import (
	"net/http"
	"strings"
	"time"
)

// Risk is Entra ID Protection's view of a user, as
// /identityProtection/riskyUsers/{id} shows it.
type Risk struct {
	Level   string    // riskLevel: low, medium, high, hidden, none
	State   string    // riskState: atRisk, confirmedCompromised, remediated, dismissed, confirmedSafe, none
	Detail  string    // riskDetail; "" is "none"
	Updated time.Time // riskLastUpdatedDateTime; zero is the server's clock when set
}

// permReadRisk are the permissions of the riskyUsers endpoints, as their
// Graph reference pages list them.
var permReadRisk = []string{"IdentityRiskyUser.Read.All", "IdentityRiskyUser.ReadWrite.All"}

// notLicensedMessage is what Identity Protection answers a tenant without
// Microsoft Entra ID P2, with 403 Forbidden.
const notLicensedMessage = "Your tenant is not licensed for this feature."

// SetRisk records ID Protection's risk for the user with that id or UPN,
// and reports whether there is such a user. A Risk with no Level forgets
// it: the user is one ID Protection never flagged, whom riskyUsers answers
// with 404.
func (s *Tenant) SetRisk(user string, r Risk) bool {
	if r.Detail == "" {
		r.Detail = "none"
	}
	if r.Updated.IsZero() {
		r.Updated = s.now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUser(user)
	if u == nil {
		return false
	}
	if r.Level == "" {
		delete(s.risks, u.ID)
		return true
	}
	s.risks[u.ID] = r
	return true
}

// routeIdentityProtection answers GET /identityProtection/riskyUsers/{id}.
// Like Graph it checks the permission, then the tenant's licence (Entra ID
// P2, see SetPremiumLicense), then looks the user up by object id: a
// riskyUser's id is its user's, and a UPN finds nobody.
func (s *Tenant) routeIdentityProtection(w http.ResponseWriter, r *http.Request, seg []string) {
	if len(seg) != 3 || !strings.EqualFold(seg[1], "riskyUsers") {
		writeError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+strings.Join(seg[1:], "/")+"'.")
		return
	}
	if !s.mayGet(w, r, permReadRisk) {
		return
	}
	s.mu.Lock()
	unlicensed := s.unlicensed
	u := s.userByID(seg[2])
	var risk Risk
	var flagged bool
	var user User
	if u != nil {
		risk, flagged = s.risks[u.ID]
		user = *u
	}
	s.mu.Unlock()
	switch {
	case unlicensed:
		writeError(w, http.StatusForbidden, "Forbidden", notLicensedMessage)
	case !flagged:
		writeError(w, http.StatusNotFound, "ResourceNotFound", "The riskyUser '"+seg[2]+"' was not found.")
	default:
		writeJSON(w, http.StatusOK, riskyUserJSON(s.GraphURL(), user, risk))
	}
}

func riskyUserJSON(graphURL string, u User, r Risk) map[string]any {
	return map[string]any{
		"@odata.context":          graphURL + "/$metadata#identityProtection/riskyUsers/$entity",
		"id":                      u.ID,
		"isDeleted":               false,
		"isProcessing":            false,
		"riskLastUpdatedDateTime": graphTime(r.Updated),
		"riskLevel":               r.Level,
		"riskState":               r.State,
		"riskDetail":              r.Detail,
		"userDisplayName":         nullable(u.DisplayName),
		"userPrincipalName":       u.UPN,
	}
}
