package azcred

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// TokenError is a credential's failure to get a token, so the error
// mapping of a client can tell a refused sign-in from a refused call.
type TokenError struct {
	For string // what the token is for, e.g. "Verified ID"; "" for Graph
	Err error
}

func (e *TokenError) Error() string {
	if e.For == "" {
		return "get token: " + e.Err.Error()
	}
	return "get token for " + e.For + ": " + e.Err.Error()
}

func (e *TokenError) Unwrap() error { return e.Err }

// Marked wraps cred so that its failures are *TokenError naming what the
// token is for.
func Marked(cred azcore.TokenCredential, forWhat string) azcore.TokenCredential {
	return marked{cred: cred, forWhat: forWhat}
}

type marked struct {
	cred    azcore.TokenCredential
	forWhat string
}

// GetToken gets a token from the wrapped credential, marking its failure.
func (m marked) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := m.cred.GetToken(ctx, opts)
	if err != nil {
		return tok, &TokenError{For: m.forWhat, Err: err}
	}
	return tok, nil
}
