package graphclient

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/internal/azcred"
)

// newCredential builds the credential Config asks for. It returns EINVALID
// when the configuration is incomplete or the certificate cannot be read;
// messages name the file, never a secret or password.
func newCredential(cfg Config, ep Endpoints) (azcore.TokenCredential, error) {
	switch {
	case cfg.ClientSecret != "" && cfg.ClientID == "":
		return nil, approvals.Errorf(approvals.EINVALID, "A client secret is configured without the application (client) id it belongs to.")
	case cfg.ClientSecret == "" && cfg.CertificatePath != "" && cfg.ClientID == "":
		return nil, approvals.Errorf(approvals.EINVALID, "A certificate is configured without the application (client) id it belongs to.")
	}
	cred, err := azcred.New(azcred.Config{
		TenantID: cfg.TenantID, ClientID: cfg.ClientID, Secret: cfg.ClientSecret,
		CertificatePath: cfg.CertificatePath, CertificatePassword: cfg.CertificatePassword,
		AuthorityHost: ep.AuthorityHost,
		// Instance discovery asks the public cloud whether the authority is
		// genuine; a custom authority host (a test fake, a private cloud) is
		// trusted by configuration instead.
		DisableInstanceDiscovery: cfg.AuthorityHost != "",
		Transport:                &http.Client{Transport: cfg.transport()},
		Retry: policy.RetryOptions{
			MaxRetries:    retryOption(cfg.MaxRetries),
			RetryDelay:    cfg.RetryDelay,
			MaxRetryDelay: MaxRetryWait,
		},
	})
	var ce *azcred.CertificateError
	switch {
	case errors.As(err, &ce) && ce.Unreadable:
		return nil, &approvals.Error{Code: approvals.EINVALID, Err: err,
			Message: fmt.Sprintf("Cannot read the Graph certificate file %s; check the path and its permissions.", cfg.CertificatePath)}
	case errors.As(err, &ce):
		return nil, &approvals.Error{Code: approvals.EINVALID, Err: err,
			Message: fmt.Sprintf("The Graph certificate file %s holds no usable certificate and private key (PEM with an unencrypted key, or PFX with the right password).", cfg.CertificatePath)}
	}
	return cred, err
}

// retryOption turns a retry count into azcore's convention, where 0 means
// "the default" and -1 means "none".
func retryOption(n int) int32 {
	if n <= 0 {
		return -1
	}
	return int32(n)
}
