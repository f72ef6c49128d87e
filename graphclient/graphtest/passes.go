package graphtest

import (
	"compress/gzip"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Policy is the tenant's Temporary Access Pass policy. Lifetimes are in
// minutes.
type Policy struct {
	State           string // "enabled" or "disabled"
	DefaultLifetime int
	Min             int
	Max             int
	DefaultLength   int  // characters in a new pass
	IsUsableOnce    bool // true: every pass is one-time
	// IncludeGroups are the ids of the groups whose members may get a pass;
	// empty means all users, as Graph's "all_users" target.
	IncludeGroups []string
}

// DefaultPolicy is the policy a new Server starts with: enabled, 60 minutes
// by default, 60 to 480 allowed, 8 characters, multi-use allowed, all users.
func DefaultPolicy() Policy {
	return Policy{State: "enabled", DefaultLifetime: 60, Min: 60, Max: 480, DefaultLength: 8}
}

// PassRecord is a Temporary Access Pass the fake holds, secret included, so
// tests can count passes and scan logs and messages for leaks.
type PassRecord struct {
	UserID          string
	MethodID        string
	Secret          string
	Created         time.Time
	Start           time.Time
	LifetimeMinutes int
	UsableOnce      bool
	Used            bool // a one-time pass that has been signed in with
}

// End is when the pass stops working.
func (p PassRecord) End() time.Time {
	return p.Start.Add(time.Duration(p.LifetimeMinutes) * time.Minute)
}

// SetPolicy replaces the TAP policy. Zero fields take the values of
// DefaultPolicy, so SetPolicy(Policy{IsUsableOnce: true}) only forces
// one-time passes and SetPolicy(Policy{State: "disabled"}) only disables.
func (s *Tenant) SetPolicy(p Policy) {
	d := DefaultPolicy()
	if p.State == "" {
		p.State = d.State
	}
	if p.DefaultLifetime == 0 {
		p.DefaultLifetime = d.DefaultLifetime
	}
	if p.Min == 0 {
		p.Min = d.Min
	}
	if p.Max == 0 {
		p.Max = d.Max
	}
	if p.DefaultLength == 0 {
		p.DefaultLength = d.DefaultLength
	}
	p.IncludeGroups = slices.Clone(p.IncludeGroups)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy = p
}

// Passes returns the current pass of the user with that id or UPN (a user
// has at most one), with its secret.
func (s *Tenant) Passes(user string) []PassRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUser(user)
	if u == nil {
		return nil
	}
	if p, ok := s.passes[u.ID]; ok {
		return []PassRecord{p}
	}
	return nil
}

// Issued returns every pass created through Graph, with its secret, in the
// order created. Passes placed with AddPass are not included.
func (s *Tenant) Issued() []PassRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issued)
}

// Deleted returns the method ids deleted through Graph, in order.
func (s *Tenant) Deleted() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deleted)
}

// AddPass gives a user an existing pass, as if created earlier, replacing
// the one they have. Empty MethodID, Secret, Created and Start, and a zero
// lifetime, are filled in from the clock and the policy. It returns the pass
// as stored, and false when no user has p.UserID as id or UPN.
func (s *Tenant) AddPass(p PassRecord) (PassRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUser(p.UserID)
	if u == nil {
		return PassRecord{}, false
	}
	now := s.now().UTC()
	p.UserID = u.ID
	if p.MethodID == "" {
		p.MethodID = newID()
	}
	if p.Secret == "" {
		p.Secret = newSecret(s.policy.DefaultLength)
	}
	if p.Created.IsZero() {
		p.Created = now
	}
	if p.Start.IsZero() {
		p.Start = p.Created
	}
	if p.LifetimeMinutes == 0 {
		p.LifetimeMinutes = s.policy.DefaultLifetime
	}
	s.passes[u.ID] = p
	return p, true
}

func isPolicyPath(seg []string) bool {
	return len(seg) == 4 && strings.EqualFold(seg[0], "policies") &&
		strings.EqualFold(seg[1], "authenticationMethodsPolicy") &&
		strings.EqualFold(seg[2], "authenticationMethodConfigurations") &&
		strings.EqualFold(seg[3], "TemporaryAccessPass")
}

func (s *Tenant) servePolicy(w http.ResponseWriter, r *http.Request) {
	if !s.mayGet(w, r, permReadPolicy) {
		return
	}
	s.mu.Lock()
	p := s.policy
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context":           s.GraphURL() + "/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity",
		"@odata.type":              "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
		"id":                       "TemporaryAccessPass",
		"state":                    p.State,
		"defaultLifetimeInMinutes": p.DefaultLifetime,
		"defaultLength":            p.DefaultLength,
		"minimumLifetimeInMinutes": p.Min,
		"maximumLifetimeInMinutes": p.Max,
		"isUsableOnce":             p.IsUsableOnce,
		"includeTargets":           includeTargets(p),
		"excludeTargets":           []any{},
	})
}

func includeTargets(p Policy) []map[string]any {
	if len(p.IncludeGroups) == 0 {
		return []map[string]any{{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}}
	}
	var out []map[string]any
	for _, g := range p.IncludeGroups {
		out = append(out, map[string]any{"targetType": "group", "id": g, "isRegistrationRequired": false})
	}
	return out
}

// passJSON renders a pass as Graph does; the secret only when just created.
func passJSON(p PassRecord, now time.Time, policy Policy, withSecret bool) map[string]any {
	usable, reason := usability(p, now, policy)
	var secret any
	if withSecret {
		secret = p.Secret
	}
	return map[string]any{
		"id":                    p.MethodID,
		"temporaryAccessPass":   secret,
		"createdDateTime":       graphTime(p.Created),
		"startDateTime":         graphTime(p.Start),
		"lifetimeInMinutes":     p.LifetimeMinutes,
		"isUsableOnce":          p.UsableOnce,
		"isUsable":              usable,
		"methodUsabilityReason": reason,
	}
}

func usability(p PassRecord, now time.Time, policy Policy) (bool, string) {
	switch {
	case policy.State != "enabled":
		return false, "DisabledByPolicy"
	case p.Used:
		return false, "OneTimeUsed"
	case now.Before(p.Start):
		return false, "NotYetValid"
	case !now.Before(p.End()):
		return false, "Expired"
	}
	return true, "EnabledByPolicy"
}

func (s *Tenant) serveListPasses(w http.ResponseWriter, r *http.Request, key string) {
	if !s.granted(permReadPasses) {
		writeForbidden(w)
		return
	}
	s.mu.Lock()
	u := s.findUser(key)
	var items []map[string]any
	if u != nil {
		if p, ok := s.passes[u.ID]; ok {
			items = append(items, passJSON(p, s.now().UTC(), s.policy, false))
		}
	}
	s.mu.Unlock()
	if u == nil {
		writeUserNotFound(w, key)
		return
	}
	s.writePage(w, r, "users('"+key+"')/authentication/temporaryAccessPassMethods", items)
}

func (s *Tenant) serveDeletePass(w http.ResponseWriter, _ *http.Request, key, methodID string) {
	if !s.granted(permWritePasses) {
		writeForbidden(w)
		return
	}
	s.mu.Lock()
	u := s.findUser(key)
	found := false
	if u != nil {
		if p, ok := s.passes[u.ID]; ok && strings.EqualFold(p.MethodID, methodID) {
			delete(s.passes, u.ID)
			s.deleted = append(s.deleted, p.MethodID)
			found = true
		}
	}
	s.mu.Unlock()
	switch {
	case u == nil:
		writeUserNotFound(w, key)
	case !found:
		writeMethodNotFound(w)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func writeMethodNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "itemNotFound", "The requested Temporary Access Pass authentication method was not found.")
}

// createBody is the POST body; nil fields were omitted by the caller.
type createBody struct {
	LifetimeInMinutes *int    `json:"lifetimeInMinutes"`
	IsUsableOnce      *bool   `json:"isUsableOnce"`
	StartDateTime     *string `json:"startDateTime"`
}

func (s *Tenant) serveCreatePass(w http.ResponseWriter, r *http.Request, key string) {
	if !s.granted(permWritePasses) {
		writeForbidden(w)
		return
	}
	body, err := readCreateBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload: "+err.Error())
		return
	}
	p, status, code, msg := s.create(key, body)
	if status != http.StatusCreated {
		writeError(w, status, code, msg)
		return
	}
	s.mu.Lock()
	out := passJSON(p, s.now().UTC(), s.policy, true)
	s.mu.Unlock()
	out["@odata.context"] = s.GraphURL() + "/$metadata#users('" + p.UserID + "')/authentication/temporaryAccessPassMethods/$entity"
	w.Header().Set("Location", s.GraphURL()+"/users/"+p.UserID+"/authentication/temporaryAccessPassMethods/"+p.MethodID)
	writeJSON(w, http.StatusCreated, out)
}

func readCreateBody(r *http.Request) (createBody, error) {
	var b createBody
	err := readJSON(r, &b)
	return b, err
}

// readJSON decodes a request's JSON body, gzipped or not, into v.
func readJSON(r *http.Request, v any) error {
	var rd io.Reader = r.Body
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return err
		}
		defer zr.Close()
		rd = zr
	}
	return json.NewDecoder(io.LimitReader(rd, 1<<20)).Decode(v)
}

// create applies Graph's rules for a new pass under s.mu: the user must
// exist and be in the policy's scope, the lifetime within the policy's
// bounds, and a policy that forces one-time passes refuses multi-use ones.
// Omitted fields take the policy's defaults. The new pass replaces any
// existing one. It returns the pass, or the error status, code and message.
func (s *Tenant) create(key string, b createBody) (PassRecord, int, string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUser(key)
	if u == nil {
		return PassRecord{}, http.StatusNotFound, "Request_ResourceNotFound",
			fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", key)
	}
	pol, now := s.policy, s.now().UTC()
	if pol.State != "enabled" || !inScope(pol, *u) {
		return PassRecord{}, http.StatusBadRequest, "badRequest",
			"Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass]."
	}
	p, msg := newPass(*u, b, pol, now)
	if msg != "" {
		return PassRecord{}, http.StatusBadRequest, "badRequest", msg
	}
	s.passes[u.ID] = p
	s.issued = append(s.issued, p)
	return p, http.StatusCreated, "", ""
}

func inScope(p Policy, u User) bool {
	if len(p.IncludeGroups) == 0 {
		return true
	}
	for _, g := range u.Groups {
		if slices.Contains(p.IncludeGroups, g) {
			return true
		}
	}
	return false
}

// newPass builds the pass the request asks for, or returns why Graph
// refuses it.
func newPass(u User, b createBody, pol Policy, now time.Time) (PassRecord, string) {
	p := PassRecord{UserID: u.ID, MethodID: newID(), Created: now, Start: now,
		LifetimeMinutes: pol.DefaultLifetime, UsableOnce: pol.IsUsableOnce}
	if b.LifetimeInMinutes != nil {
		p.LifetimeMinutes = *b.LifetimeInMinutes
	}
	if p.LifetimeMinutes < pol.Min || p.LifetimeMinutes > pol.Max {
		return PassRecord{}, fmt.Sprintf("The lifetimeInMinutes value %d is outside the range allowed by the Temporary Access Pass policy (%d to %d minutes).",
			p.LifetimeMinutes, pol.Min, pol.Max)
	}
	if b.IsUsableOnce != nil {
		p.UsableOnce = *b.IsUsableOnce
	}
	if pol.IsUsableOnce && !p.UsableOnce {
		return PassRecord{}, "The Temporary Access Pass policy requires one-time passes; isUsableOnce cannot be false."
	}
	if b.StartDateTime != nil {
		start, err := time.Parse(time.RFC3339, *b.StartDateTime)
		if err != nil {
			return PassRecord{}, "Invalid startDateTime: " + *b.StartDateTime
		}
		p.Start = start.UTC()
	}
	p.Secret = newSecret(pol.DefaultLength)
	return p, ""
}

// secretAlphabet is what the fake's passes are made of: letters, digits
// and a few symbols, like Entra's.
const secretAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#$%*+=?"

func newSecret(n int) string {
	b := make([]byte, n)
	size := big.NewInt(int64(len(secretAlphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, size)
		if err != nil {
			panic(fmt.Sprintf("graphtest: reading randomness: %v", err))
		}
		b[i] = secretAlphabet[k.Int64()]
	}
	return string(b)
}
