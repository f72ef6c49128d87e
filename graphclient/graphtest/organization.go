package graphtest

import (
	"net/http"
	"strings"
)

// Domain is a verified domain of a tenant, as the verifiedDomains of its
// organization object list it.
type Domain struct {
	Name      string // e.g. "contoso.com"
	IsDefault bool   // the domain new users get by default
	IsInitial bool   // the tenant's first domain, x.onmicrosoft.com
	// Type is "Managed" (default) or "Federated".
	Type string
	// Capabilities defaults to "Email, OfficeCommunicationsOnline".
	Capabilities string
}

// permReadOrganization are the application permissions that let an app
// read /organization, as the Graph reference (List organizations, Get
// organization) lists them. User.Read.All is not among them: only the
// delegated User.Read reads an organization's verifiedDomains.
var permReadOrganization = []string{"Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All", "Directory.ReadWrite.All"}

// SetVerifiedDomains sets the tenant's verified domains, which GET
// /organization lists in verifiedDomains; a tenant has none until then.
func (s *Tenant) SetVerifiedDomains(domains ...Domain) {
	out := make([]Domain, len(domains))
	for i, d := range domains {
		if d.Type == "" {
			d.Type = "Managed"
		}
		if d.Capabilities == "" {
			d.Capabilities = "Email, OfficeCommunicationsOnline"
		}
		out[i] = d
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.domains = out
}

// serveOrganization answers GET /organization, the collection that holds
// the tenant's one organization object, and GET /organization/{id}. Of
// the object's many properties the fake serves id, displayName and
// verifiedDomains, honouring $select among them.
func (s *Tenant) serveOrganization(w http.ResponseWriter, r *http.Request, seg []string) {
	if r.Method != http.MethodGet || len(seg) > 1 {
		writeError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+strings.Join(seg, "/")+"'.")
		return
	}
	if !s.granted(permReadOrganization) {
		writeForbidden(w)
		return
	}
	org := s.organization(r.URL.Query().Get("$select"))
	if len(seg) == 0 {
		s.writePage(w, r, "organization", []map[string]any{org})
		return
	}
	if !strings.EqualFold(seg[0], s.orgID) {
		writeError(w, http.StatusNotFound, "Request_ResourceNotFound",
			"Resource '"+seg[0]+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	org["@odata.context"] = s.GraphURL() + "/$metadata#organization/$entity"
	writeJSON(w, http.StatusOK, org)
}

// organization renders the tenant's organization object with the
// properties selectParam names, or all the fake has.
func (s *Tenant) organization(selectParam string) map[string]any {
	s.mu.Lock()
	domains := make([]map[string]any, len(s.domains))
	for i, d := range s.domains {
		domains[i] = map[string]any{"name": d.Name, "isDefault": d.IsDefault, "isInitial": d.IsInitial, "type": d.Type, "capabilities": d.Capabilities}
	}
	all := map[string]any{"id": s.orgID, "displayName": s.Name, "verifiedDomains": domains}
	s.mu.Unlock()
	if selectParam == "" {
		return all
	}
	out := make(map[string]any, len(all))
	for _, f := range strings.Split(selectParam, ",") {
		for name, v := range all {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				out[name] = v
			}
		}
	}
	return out
}
