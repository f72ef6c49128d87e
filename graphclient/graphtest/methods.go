package graphtest

import (
	"net/http"
	"slices"
	"time"
)

// The authentication method types (their @odata.type without
// "#microsoft.graph.") the fake registers with AddMethod.
const (
	MethodAuthenticator      = "microsoftAuthenticatorAuthenticationMethod"
	MethodFIDO2              = "fido2AuthenticationMethod"
	MethodWindowsHello       = "windowsHelloForBusinessAuthenticationMethod"
	MethodPlatformCredential = "platformCredentialAuthenticationMethod"
	MethodPhone              = "phoneAuthenticationMethod"
	MethodEmail              = "emailAuthenticationMethod"
	MethodSoftwareOath       = "softwareOathAuthenticationMethod"
)

// The types every listing may hold besides: each user's password, and the
// Temporary Access Pass the fake holds for them (AddPass, or created).
const (
	MethodPassword = "passwordAuthenticationMethod"
	MethodTAP      = "temporaryAccessPassAuthenticationMethod"
)

// Method is an authentication method registered for a user, as
// /users/{id}/authentication/methods lists it. Which fields a type shows
// is Graph's v1.0: only Authenticator, FIDO2, Windows Hello and platform
// credentials have a createdDateTime; phone, e-mail and software OATH
// methods have none.
type Method struct {
	Type         string    // one of the Method* constants but MethodPassword and MethodTAP
	ID           string    // generated when empty; a phone's or e-mail's is Graph's fixed id for its kind
	DisplayName  string    // the device (Authenticator, Windows Hello, platform credential) or the key's name (FIDO2)
	DeviceTag    string    // Authenticator
	Model        string    // FIDO2
	PhoneNumber  string    // phone, e.g. "+1 4255550199"
	PhoneType    string    // phone: mobile (default), alternateMobile or office
	EmailAddress string    // e-mail
	Created      time.Time // createdDateTime, where the type has one; zero is the server's clock
}

// Graph's fixed ids of the password, phone and e-mail methods, as its
// reference pages give them.
const (
	passwordMethodID = "28c10230-6103-485e-b985-444c60001490"
	emailMethodID    = "3ddfcfc8-9383-446f-83cc-3ab9be4be18f"
)

var phoneMethodIDs = map[string]string{
	"mobile":          "3179e48a-750b-4051-897c-87b9720928f7",
	"alternateMobile": "b6332ec1-7057-4abe-9331-3d72feddfe41",
	"office":          "e37fc753-ff3b-4958-9484-eaa9425c82bc",
}

// permReadMethods are the permissions of the authentication methods list,
// as its Graph reference page lists them for acting on other users. The
// permissions limited to Temporary Access Passes are not among them.
var permReadMethods = []string{"UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"}

var registrable = []string{MethodAuthenticator, MethodFIDO2, MethodWindowsHello, MethodPlatformCredential,
	MethodPhone, MethodEmail, MethodSoftwareOath}

// AddMethod registers m for the user with that id or UPN and returns it as
// stored, with its id and creation time filled in. It returns false when
// there is no such user, or m's type is not one the fake registers
// (passwords every user has; passes come from AddPass or a create).
func (s *Tenant) AddMethod(user string, m Method) (Method, bool) {
	if !slices.Contains(registrable, m.Type) {
		return Method{}, false
	}
	if m.Type == MethodPhone && m.PhoneType == "" {
		m.PhoneType = "mobile"
	}
	if m.Created.IsZero() {
		m.Created = s.now()
	}
	m.Created = m.Created.UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUser(user)
	if u == nil {
		return Method{}, false
	}
	if m.ID == "" {
		m.ID = methodID(m)
	}
	s.methods[u.ID] = append(s.methods[u.ID], m)
	return m, true
}

func methodID(m Method) string {
	switch m.Type {
	case MethodPhone:
		if id, ok := phoneMethodIDs[m.PhoneType]; ok {
			return id
		}
	case MethodEmail:
		return emailMethodID
	}
	return newID()
}

// serveMethods answers GET /users/{id}/authentication/methods: the user's
// password, the methods AddMethod registered, and their pass, each with
// its @odata.type. Graph does not page this list.
func (s *Tenant) serveMethods(w http.ResponseWriter, r *http.Request, key string) {
	if !s.mayGet(w, r, permReadMethods) {
		return
	}
	s.mu.Lock()
	u := s.findUser(key)
	var items []map[string]any
	if u != nil {
		items = s.methodsJSON(u.ID)
	}
	s.mu.Unlock()
	if u == nil {
		writeUserNotFound(w, key)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": s.GraphURL() + "/$metadata#users('" + key + "')/authentication/methods",
		"value":          items,
	})
}

// methodsJSON renders the user's methods. The caller holds s.mu.
func (s *Tenant) methodsJSON(userID string) []map[string]any {
	items := []map[string]any{{
		"@odata.type": "#microsoft.graph." + MethodPassword, "id": passwordMethodID,
		"password": nil, "createdDateTime": nil, // "currently not populated", says Graph's reference
	}}
	for _, m := range s.methods[userID] {
		items = append(items, m.json())
	}
	if p, ok := s.passes[userID]; ok {
		tap := passJSON(p, s.now().UTC(), s.policy, false)
		tap["@odata.type"] = "#microsoft.graph." + MethodTAP
		items = append(items, tap)
	}
	return items
}

func (m Method) json() map[string]any {
	out := map[string]any{"@odata.type": "#microsoft.graph." + m.Type, "id": m.ID}
	switch m.Type {
	case MethodAuthenticator:
		out["displayName"], out["deviceTag"], out["phoneAppVersion"] = nullable(m.DisplayName), nullable(m.DeviceTag), "6.8.9"
		out["createdDateTime"] = graphTime(m.Created)
	case MethodFIDO2:
		out["displayName"], out["model"], out["createdDateTime"] = nullable(m.DisplayName), nullable(m.Model), graphTime(m.Created)
		out["aaGuid"], out["attestationCertificates"], out["attestationLevel"] = "2fc0579f-8113-47ea-b116-555a8db9202a", []string{}, "attested"
	case MethodWindowsHello:
		out["displayName"], out["createdDateTime"], out["keyStrength"] = nullable(m.DisplayName), graphTime(m.Created), "normal"
	case MethodPlatformCredential:
		out["displayName"], out["createdDateTime"], out["keyStrength"], out["platform"] = nullable(m.DisplayName), graphTime(m.Created), "normal", "macOS"
	case MethodPhone:
		out["phoneNumber"], out["phoneType"], out["smsSignInState"] = m.PhoneNumber, m.PhoneType, "notAllowedByPolicy"
	case MethodEmail:
		out["emailAddress"] = m.EmailAddress
	case MethodSoftwareOath:
		out["secretKey"] = nil
	}
	return out
}
