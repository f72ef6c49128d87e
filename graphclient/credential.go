package graphclient

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/tapbot/tapbot/approvals"
)

// tokenError marks an error as coming from the credential, so the error
// mapping can tell a refused sign-in from a refused Graph call.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "get token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// markedCredential wraps a credential so its failures are *tokenError.
type markedCredential struct{ cred azcore.TokenCredential }

// GetToken gets a token from the wrapped credential, marking its failure.
func (m markedCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := m.cred.GetToken(ctx, opts)
	if err != nil {
		return tok, &tokenError{err: err}
	}
	return tok, nil
}

// newCredential builds the credential Config asks for. It returns EINVALID
// when the configuration is incomplete or the certificate cannot be read;
// messages name the file, never a secret or password.
func newCredential(cfg Config, ep Endpoints) (azcore.TokenCredential, error) {
	opts := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: ep.AuthorityHost},
		Transport: &http.Client{Transport: cfg.transport()},
		Retry: policy.RetryOptions{
			MaxRetries:    retryOption(cfg.MaxRetries),
			RetryDelay:    cfg.RetryDelay,
			MaxRetryDelay: MaxRetryWait,
		},
	}
	// Instance discovery asks the public cloud whether the authority is
	// genuine; a custom authority host (a test fake, a private cloud) is
	// trusted by configuration instead.
	noDiscovery := cfg.AuthorityHost != ""
	switch {
	case cfg.ClientSecret != "":
		if cfg.ClientID == "" {
			return nil, approvals.Errorf(approvals.EINVALID, "A client secret is configured without the application (client) id it belongs to.")
		}
		return azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery})
	case cfg.CertificatePath != "":
		return certificateCredential(cfg, opts, noDiscovery)
	}
	return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
		ClientOptions: opts, TenantID: cfg.TenantID, DisableInstanceDiscovery: noDiscovery})
}

func certificateCredential(cfg Config, opts azcore.ClientOptions, noDiscovery bool) (azcore.TokenCredential, error) {
	if cfg.ClientID == "" {
		return nil, approvals.Errorf(approvals.EINVALID, "A certificate is configured without the application (client) id it belongs to.")
	}
	data, err := os.ReadFile(cfg.CertificatePath)
	if err != nil {
		return nil, &approvals.Error{Code: approvals.EINVALID, Err: err,
			Message: fmt.Sprintf("Cannot read the Graph certificate file %s; check the path and its permissions.", cfg.CertificatePath)}
	}
	var password []byte
	if cfg.CertificatePassword != "" {
		password = []byte(cfg.CertificatePassword)
	}
	certs, key, err := azidentity.ParseCertificates(data, password)
	if err != nil {
		return nil, &approvals.Error{Code: approvals.EINVALID, Err: err,
			Message: fmt.Sprintf("The Graph certificate file %s holds no usable certificate and private key (PEM with an unencrypted key, or PFX with the right password).", cfg.CertificatePath)}
	}
	return azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery})
}

// retryOption turns a retry count into azcore's convention, where 0 means
// "the default" and -1 means "none".
func retryOption(n int) int32 {
	if n <= 0 {
		return -1
	}
	return int32(n)
}
