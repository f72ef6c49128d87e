// Package azcred builds the azidentity credential an app registration signs
// in to Microsoft Entra ID with: a client secret, a certificate (PEM or PFX)
// or a managed identity. Graph (graphclient) and the Teams bot (bot/teams)
// both use it, so both get the same flows, token caching and certificate
// parsing from azidentity instead of writing their own.
//
// It imports only azcore and azidentity, so packages that do not talk to
// Graph can use it without linking the Graph SDK.
package azcred

import (
	"errors"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Config says how one app registration signs in. The credential is the
// client secret when Secret is set, else the certificate when
// CertificatePath is set, else the managed identity when ManagedIdentity is
// set, else azidentity's DefaultAzureCredential (environment, workload
// identity, managed identity, Azure CLI).
type Config struct {
	TenantID string // tenant the token comes from: an id, a domain, or botframework.com
	ClientID string // application (client) id; for a managed identity, its client id ("" = system-assigned)

	Secret              string // the client secret's value
	CertificatePath     string // PEM (certificate and unencrypted key) or PFX file
	CertificatePassword string // of a PFX file
	ManagedIdentity     bool

	// AuthorityHost is the Entra sign-in host, e.g.
	// https://login.microsoftonline.us/; "" means the public cloud.
	AuthorityHost string
	// DisableInstanceDiscovery trusts AuthorityHost without asking the
	// public cloud whether it is a genuine Entra host: for a test fake or a
	// private cloud.
	DisableInstanceDiscovery bool

	// Transport carries the token requests; nil is Go's default client.
	// An *http.Client is one.
	Transport policy.Transporter
	Retry     policy.RetryOptions
}

// CertificateError says the certificate file cannot be used. It names the
// file, never its password or key.
type CertificateError struct {
	Path       string
	Unreadable bool // the file cannot be read at all
	Err        error
}

func (e *CertificateError) Error() string {
	if e.Unreadable {
		return fmt.Sprintf("cannot read certificate file %s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("certificate file %s holds no usable certificate and private key: %v", e.Path, e.Err)
}

func (e *CertificateError) Unwrap() error { return e.Err }

// New builds the credential cfg describes. It makes no network call. A
// certificate that cannot be read or used is a *CertificateError.
func New(cfg Config) (azcore.TokenCredential, error) {
	opts := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: cfg.AuthorityHost},
		Transport: cfg.Transport,
		Retry:     cfg.Retry,
	}
	switch {
	case cfg.Secret != "":
		return azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.Secret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: cfg.DisableInstanceDiscovery})
	case cfg.CertificatePath != "":
		return certificateCredential(cfg, opts)
	case cfg.ManagedIdentity:
		mi := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if cfg.ClientID != "" {
			mi.ID = azidentity.ClientID(cfg.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(mi)
	}
	return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
		ClientOptions: opts, TenantID: cfg.TenantID, DisableInstanceDiscovery: cfg.DisableInstanceDiscovery})
}

func certificateCredential(cfg Config, opts azcore.ClientOptions) (azcore.TokenCredential, error) {
	data, err := os.ReadFile(cfg.CertificatePath)
	if err != nil {
		return nil, &CertificateError{Path: cfg.CertificatePath, Unreadable: true, Err: errors.Unwrap(err)}
	}
	var password []byte
	if cfg.CertificatePassword != "" {
		password = []byte(cfg.CertificatePassword)
	}
	certs, key, err := azidentity.ParseCertificates(data, password)
	if err != nil {
		return nil, &CertificateError{Path: cfg.CertificatePath, Err: err}
	}
	cred, err := azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: cfg.DisableInstanceDiscovery})
	if err != nil {
		// The key is not RSA or belongs to none of the certificates.
		return nil, &CertificateError{Path: cfg.CertificatePath, Err: err}
	}
	return cred, nil
}
