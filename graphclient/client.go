// Package graphclient is tapbot's way into Microsoft Entra ID: app-only
// credentials (azidentity), user lookup, the Temporary Access Pass policy,
// and creating, listing and deleting passes through Microsoft Graph
// (msgraph-sdk-go). Every error it returns is an *approvals.Error whose
// message tells a technician what to do; see errors.go.
//
// Only the request builders tapbot calls are imported (users, policies,
// models), not the SDK's root package, which would link every Graph
// resource into the binary.
package graphclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	textser "github.com/microsoft/kiota-serialization-text-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	coreauth "github.com/microsoftgraph/msgraph-sdk-go-core/authentication"
	"github.com/microsoftgraph/msgraph-sdk-go/policies"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/internal/azcred"
)

// Client talks to Microsoft Graph for one tenant. It implements
// approvals.Tenant. It is safe for concurrent use; tokens are cached in
// memory until they expire, the tenant's TAP policy for a few minutes
// (Config.PolicyCacheTTL).
type Client struct {
	cfg      Config
	ep       Endpoints
	cred     azcore.TokenCredential
	adapter  abs.RequestAdapter
	users    *users.UsersRequestBuilder
	policies *policies.PoliciesRequestBuilder
	policy   *policyCache // the tenant's TAP policy (policycache.go)
	customer *Customer    // the MSP's customer tenant this client serves; nil for New's (customer.go)
}

// userCollection returns a builder for /users of its own. Kiota writes into
// a builder's path parameters when it sends, so a Get on the shared c.users
// from two goroutines races; navigating (ByUserId, …) copies them and is safe.
func (c *Client) userCollection() *users.UsersRequestBuilder {
	return users.NewUsersRequestBuilderInternal(map[string]string{"baseurl": c.ep.GraphURL}, c.adapter)
}

var _ approvals.Tenant = (*Client)(nil)

// New builds a client for cfg.TenantID. It makes no network call; the
// first method call fetches a token. It returns EINVALID when the
// configuration is incomplete or inconsistent (missing tenant, unknown
// cloud, unreadable certificate); the message never contains a secret.
func New(cfg Config) (*Client, error) {
	if cfg.TenantID == "" {
		return nil, approvals.Errorf(approvals.EINVALID, "The Graph configuration has no tenant id.")
	}
	cfg = cfg.withDefaults()
	ep, err := cfg.Endpoints()
	if err != nil {
		return nil, err
	}
	cred, err := newCredential(cfg, ep)
	if err != nil {
		return nil, configError("credential", err)
	}
	cred = azcred.Marked(cred, "")
	adapter, err := newAdapter(cfg, ep, cred)
	if err != nil {
		return nil, configError("Graph request adapter", err)
	}
	base := map[string]string{"baseurl": ep.GraphURL}
	return &Client{
		cfg:      cfg,
		ep:       ep,
		cred:     cred,
		adapter:  adapter,
		users:    users.NewUsersRequestBuilderInternal(base, adapter),
		policies: policies.NewPoliciesRequestBuilderInternal(base, adapter),
		policy:   &policyCache{ttl: cfg.PolicyCacheTTL, now: cfg.Now},
	}, nil
}

// configError keeps an *approvals.Error as it is and makes anything else
// an EINVALID about the named part of the configuration.
func configError(part string, err error) error {
	if approvals.ErrorCode(err) != approvals.EINTERNAL {
		return err
	}
	return &approvals.Error{Code: approvals.EINVALID, Err: err,
		Message: fmt.Sprintf("The Graph configuration is not usable (%s): check the tenant id, client id and credential settings.", part)}
}

// TenantID is the tenant this client works in, as configured.
func (c *Client) TenantID() string { return c.cfg.TenantID }

// Credential is the credential the client signs in to its tenant with,
// for the tenant's other Entra APIs: tapbot asks Entra Verified ID's
// Request Service with the same app in the same tenant
// (internal/verifiedid), for that API's own scope. The credential caches
// a token per scope; its failures are marked as sign-in failures, as
// Graph's are.
func (c *Client) Credential() azcore.TokenCredential { return c.cred }

// Endpoints are the Graph URL, authority host and token scope in use.
func (c *Client) Endpoints() Endpoints { return c.ep }

var registerSerializers sync.Once

// newAdapter builds the Graph request adapter: bearer tokens from cred
// for the Graph host only, JSON and text (de)serialisers, and a
// middleware pipeline with tapbot's bounded retry over cfg's transport.
func newAdapter(cfg Config, ep Endpoints, cred azcore.TokenCredential) (*core.GraphRequestAdapterBase, error) {
	registerSerializers.Do(func() {
		abs.RegisterDefaultSerializer(func() absser.SerializationWriterFactory { return jsonser.NewJsonSerializationWriterFactory() })
		abs.RegisterDefaultSerializer(func() absser.SerializationWriterFactory { return textser.NewTextSerializationWriterFactory() })
		abs.RegisterDefaultDeserializer(func() absser.ParseNodeFactory { return jsonser.NewJsonParseNodeFactory() })
		abs.RegisterDefaultDeserializer(func() absser.ParseNodeFactory { return textser.NewTextParseNodeFactory() })
	})
	graphURL, err := url.Parse(ep.GraphURL)
	if err != nil {
		return nil, fmt.Errorf("parse Graph URL: %w", err)
	}
	auth, err := coreauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(
		cred, []string{ep.Scope}, []string{graphURL.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("authentication provider: %w", err)
	}
	options := core.GraphClientOptions{}
	adapter, err := core.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, options, nil, nil, pipelineClient(cfg, &options))
	if err != nil {
		return nil, fmt.Errorf("request adapter: %w", err)
	}
	adapter.SetBaseUrl(ep.GraphURL)
	adapter.EnableBackingStore(nil)
	return adapter, nil
}

// pipelineClient is the HTTP client under the adapter. It has no Timeout
// of its own: every call carries a context deadline (Config.Timeout).
func pipelineClient(cfg Config, options *core.GraphClientOptions) *http.Client {
	middlewares := []khttp.Middleware{
		core.NewGraphTelemetryHandler(options),
		khttp.NewParametersNameDecodingHandler(),
		khttp.NewUserAgentHandler(),
		khttp.NewHeadersInspectionHandler(),
		khttp.NewRedirectHandler(),
		retryHandler{maxRetries: cfg.MaxRetries, baseDelay: cfg.RetryDelay, maxWait: MaxRetryWait},
	}
	return &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(cfg.transport(), middlewares...),
		// The redirect middleware follows redirects; the client must not.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// bounded returns ctx limited to the configured per-call timeout.
func (c *Client) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.cfg.Timeout)
}
