package graphclient

import (
	"errors"
	"strings"

	"github.com/tapbot/tapbot/approvals"
)

// Customer is one customer tenant of an MSP that serves many tenants from
// one tapbot (MSP mode). By default tapbot signs in to it with the MSP's
// multi-tenant app, admin-consented in the customer's tenant; ClientID with
// ClientSecret or CertificatePath names an app of the customer's own
// instead.
type Customer struct {
	Name string // the configured short name, e.g. "contoso": messages name the tenant by it
	ID   string // the customer's directory (tenant) id

	ClientID            string
	ClientSecret        string
	CertificatePath     string
	CertificatePassword string
}

// label is how messages name the tenant: its name, else its id.
func (cu Customer) label() string {
	if cu.Name != "" {
		return cu.Name
	}
	return cu.ID
}

// NewForTenant builds a client for the customer tenant cu from the MSP's
// configuration base (cloud, URLs, transport, retries, timeout, and its
// app: ClientID with a secret, a certificate or the ambient identity).
// The client gets its tokens from the customer's own authority,
// {authority host}{cu.ID}/oauth2/v2.0/token, with the customer's app if it
// has one. base.TenantID, the MSP's home tenant, is not used.
//
// Each client has a credential, and so a token cache, of its own: one
// azidentity credential shared by many tenants (AdditionallyAllowedTenants)
// holds a lock while it fetches a token, so a customer whose sign-in hangs
// would hold up every other. The HTTP transport (base.HTTPClient, else Go's
// default) is shared.
//
// It returns EINVALID, naming the tenant, when cu or base is incomplete or
// inconsistent. A token refused because the customer's administrator has
// not consented is EPERMISSION naming the tenant and its admin-consent link
// (ConsentURL).
func NewForTenant(base Config, cu Customer) (*Client, error) {
	if err := cu.check(); err != nil {
		return nil, err
	}
	cfg := base
	cfg.TenantID = strings.TrimSpace(cu.ID)
	if cu.ClientID != "" {
		cfg.ClientID, cfg.ClientSecret = cu.ClientID, cu.ClientSecret
		cfg.CertificatePath, cfg.CertificatePassword = cu.CertificatePath, cu.CertificatePassword
	}
	c, err := New(cfg)
	if err != nil {
		return nil, inTenant(cu, err)
	}
	c.customer = &cu
	return c, nil
}

// check refuses a customer without an id, or with half an app of its own.
func (cu Customer) check() error {
	switch {
	case strings.TrimSpace(cu.ID) == "":
		return approvals.Errorf(approvals.EINVALID, "Tenant %s has no tenant id; add the customer's Entra tenant id.", cu.label())
	case cu.ClientID == "" && (cu.ClientSecret != "" || cu.CertificatePath != ""):
		return approvals.Errorf(approvals.EINVALID,
			"Tenant %s has a client secret or certificate of its own but no clientId of the app it belongs to.", cu.label())
	case cu.ClientID != "" && cu.ClientSecret == "" && cu.CertificatePath == "":
		return approvals.Errorf(approvals.EINVALID,
			"Tenant %s names an app of its own (clientId) but neither a client secret file nor a certificate for it.", cu.label())
	}
	return nil
}

// inTenant prefixes the message of a configuration error with the tenant
// it is about.
func inTenant(cu Customer, err error) error {
	var e *approvals.Error
	if !errors.As(err, &e) {
		return configError("tenant "+cu.label(), err)
	}
	return &approvals.Error{Code: e.Code, Message: "Tenant " + cu.label() + ": " + e.Message, Err: e.Err}
}

// TenantName is the configured name of the customer tenant the client
// serves (NewForTenant), or "" for a single-tenant client (New).
func (c *Client) TenantName() string {
	if c.customer == nil {
		return ""
	}
	return c.customer.Name
}

// ConsentURL is the admin-consent link of the client's app for its tenant
// (see the function ConsentURL).
func (c *Client) ConsentURL() string {
	return ConsentURL(c.ep.AuthorityHost, c.cfg.TenantID, c.cfg.ClientID, c.cfg.ConsentRedirectURI)
}

// Pool holds a client per customer tenant, all built from one base
// configuration. It is safe for concurrent use.
type Pool struct {
	clients map[string]*Client // by lower-case tenant id
}

// NewPool builds a client for every customer (NewForTenant). It makes no
// network call. It returns EINVALID listing every unusable customer at
// once, and when two customers share a tenant id.
func NewPool(base Config, customers []Customer) (*Pool, error) {
	p := &Pool{clients: make(map[string]*Client, len(customers))}
	seen := make(map[string]bool, len(customers))
	var errs []error
	for _, cu := range customers {
		key := strings.ToLower(strings.TrimSpace(cu.ID))
		if seen[key] && key != "" {
			errs = append(errs, approvals.Errorf(approvals.EINVALID,
				"Tenant id %s is configured twice; give each customer tenant one entry.", cu.ID))
			continue
		}
		seen[key] = true
		c, err := NewForTenant(base, cu)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.clients[key] = c
	}
	if len(errs) == 0 {
		return p, nil
	}
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = approvals.ErrorMessage(err)
	}
	return nil, &approvals.Error{Code: approvals.EINVALID, Message: strings.Join(msgs, " "), Err: errors.Join(errs...)}
}

// Client returns the client of the customer tenant with that id (matched
// case-insensitively), and false when no customer has it.
func (p *Pool) Client(tenantID string) (*Client, bool) {
	c, ok := p.clients[strings.ToLower(strings.TrimSpace(tenantID))]
	return c, ok
}
