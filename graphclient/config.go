package graphclient

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/internal/outbound"
)

// Config says how to reach one Entra tenant. Credentials: ClientSecret when
// set, else CertificatePath when set, else the ambient identity (managed
// identity, workload identity, environment, Azure CLI) through azidentity's
// DefaultAzureCredential.
type Config struct {
	TenantID string // directory (tenant) id or a verified domain, e.g. contoso.onmicrosoft.com
	ClientID string // application (client) id of the tapbot app registration

	ClientSecret        string // the secret's value (not its id)
	CertificatePath     string // PEM (certificate and unencrypted key) or PFX file
	CertificatePassword string // for a PFX file; never logged

	// Cloud picks the Graph and sign-in hosts: "global" (default), "usgov"
	// or "china". GraphURL and AuthorityHost override it.
	Cloud         string
	GraphURL      string // e.g. "https://127.0.0.1:1234/v1.0"
	AuthorityHost string // e.g. "https://127.0.0.1:1234/"

	// ConsentRedirectURI is where the admin-consent link (ConsentURL) sends
	// the administrator back; it must be a redirect URI registered on the
	// app. "" means ConsentRedirect of the authority host.
	ConsentRedirectURI string

	// HTTPClient carries both token and Graph calls; only its Transport is
	// used. nil means one transport shared by every client of the process:
	// Go's default one, which honours HTTPS_PROXY, NO_PROXY and
	// SSL_CERT_FILE, with its pool tuned for bursts (outbound.Tune).
	HTTPClient *http.Client

	// MaxRetries bounds the retries of a Graph call answered 429 or 5xx
	// (default 3; negative: none). Each wait honours Retry-After but never
	// exceeds 30 seconds, nor the call's deadline.
	MaxRetries int
	// RetryDelay is the first backoff when Graph gives no Retry-After; it
	// doubles on each retry (default 1s).
	RetryDelay time.Duration
	// Timeout bounds each method of Client, retries and token included
	// (default 30s).
	Timeout time.Duration

	// PolicyCacheTTL is how long the client reuses the tenant's Temporary
	// Access Pass policy before it reads it again (default 5 minutes;
	// negative: it reads it at every call). A policy with passes turned
	// off is not reused, and a pass Graph refuses makes the client read
	// the policy again at once; a policy widened in Entra (a longer
	// maximum lifetime) is seen within this time.
	PolicyCacheTTL time.Duration
	// Now is the clock that ages the cached policy (default time.Now).
	Now func() time.Time
}

// Defaults applied by New.
const (
	DefaultMaxRetries = 3
	DefaultRetryDelay = time.Second
	DefaultTimeout    = 30 * time.Second
	// MaxRetryWait caps a single wait between retries, whatever
	// Retry-After asks for.
	MaxRetryWait = 30 * time.Second
)

// Endpoints are where a Config sends its calls.
type Endpoints struct {
	GraphURL      string // Graph base URL, e.g. https://graph.microsoft.com/v1.0
	AuthorityHost string // sign-in host, e.g. https://login.microsoftonline.com/
	Scope         string // token scope, e.g. https://graph.microsoft.com/.default
}

// clouds are the national clouds tapbot knows, by Config.Cloud.
var clouds = map[string]Endpoints{
	"global": {GraphURL: "https://graph.microsoft.com/v1.0", AuthorityHost: "https://login.microsoftonline.com/"},
	"usgov":  {GraphURL: "https://graph.microsoft.us/v1.0", AuthorityHost: "https://login.microsoftonline.us/"},
	"china":  {GraphURL: "https://microsoftgraph.chinacloudapi.cn/v1.0", AuthorityHost: "https://login.chinacloudapi.cn/"},
}

// Endpoints resolves the cloud and the overrides into the URLs the client
// uses. It returns EINVALID for an unknown cloud or a URL that is not an
// absolute https URL.
func (c Config) Endpoints() (Endpoints, error) {
	name := strings.ToLower(strings.TrimSpace(c.Cloud))
	if name == "" {
		name = "global"
	}
	ep, ok := clouds[name]
	if !ok {
		return Endpoints{}, approvals.Errorf(approvals.EINVALID,
			"Unknown cloud %q in the Graph configuration; use global, usgov or china.", c.Cloud)
	}
	if c.GraphURL != "" {
		ep.GraphURL = strings.TrimRight(c.GraphURL, "/")
	}
	if c.AuthorityHost != "" {
		ep.AuthorityHost = strings.TrimRight(c.AuthorityHost, "/") + "/"
	}
	graph, err := httpsURL("Graph URL", ep.GraphURL)
	if err != nil {
		return Endpoints{}, err
	}
	if _, err := httpsURL("authority host", ep.AuthorityHost); err != nil {
		return Endpoints{}, err
	}
	ep.Scope = graph.Scheme + "://" + graph.Host + "/.default"
	return ep, nil
}

func httpsURL(what, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, approvals.Errorf(approvals.EINVALID,
			"The %s %q in the Graph configuration is not an https URL.", what, raw)
	}
	return u, nil
}

// withDefaults fills in the zero fields.
func (c Config) withDefaults() Config {
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = DefaultRetryDelay
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.PolicyCacheTTL == 0 {
		c.PolicyCacheTTL = DefaultPolicyCacheTTL
	}
	if c.PolicyCacheTTL < 0 {
		c.PolicyCacheTTL = 0
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// transport is the round tripper under both the token and the Graph
// pipelines.
func (c Config) transport() http.RoundTripper {
	if c.HTTPClient != nil && c.HTTPClient.Transport != nil {
		return c.HTTPClient.Transport
	}
	return defaultTransport()
}

// defaultTransport is Go's default transport tuned for bursts, made once:
// every client without a transport of its own shares its connections.
var defaultTransport = sync.OnceValue(func() http.RoundTripper {
	def, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t := def.Clone()
	outbound.Tune(t)
	return t
})
