package teams

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/infracloudio/msbotbuilder-go/connector/auth"
	"github.com/infracloudio/msbotbuilder-go/schema"
)

// Timing of the validator.
const (
	// clockSkew is how far the sender's clock may be off from ours.
	clockSkew = 5 * time.Minute
	// keysMaxAge is how long fetched signing keys are used before the
	// metadata is read again (Microsoft rolls keys every few weeks).
	keysMaxAge = 24 * time.Hour
	// refetchGap is the least time between two fetches caused by a token
	// naming an unknown key, so that forged key ids cannot make tapbot
	// hammer the metadata endpoint.
	refetchGap = time.Minute
	// fetchTimeout bounds one fetch of the metadata or the keys.
	fetchTimeout = 10 * time.Second
)

// defaultIssuer is the issuer of Bot Connector tokens when the metadata
// document does not name one.
const defaultIssuer = "https://api.botframework.com"

// errUnauthorized is the error every refused token wraps.
var errUnauthorized = errors.New("unauthorized")

// Validator checks the Bot Framework JWT of incoming activities: the RS256
// signature against the keys named by the OpenID metadata, the issuer, the
// audience (the bot's app id), the validity window, that the signing key is
// endorsed for the activity's channel, that the serviceurl claim equals
// the activity's serviceUrl, and that the activity's timestamp is within
// clockSkew of now. It implements the msbotbuilder-go
// auth.TokenValidator interface and replaces the library's validator in the
// adapter's exported TokenValidator field: that one reads its metadata from
// a fixed URL and never checks expiry. It is safe for concurrent use.
type Validator struct {
	metadataURL string
	http        *http.Client
	now         func() time.Time

	mu      sync.Mutex
	issuer  string
	keys    map[string]signingKey // by key id
	fetched time.Time             // when keys were last fetched successfully
	tried   time.Time             // when a fetch was last tried
}

// signingKey is one key of the JWKS.
type signingKey struct {
	pub          *rsa.PublicKey
	endorsements []string // channels the key may sign for; empty: any
}

// NewValidator returns a Validator that reads the OpenID metadata at
// metadataURL (https://login.botframework.com/v1/.well-known/openidconfiguration
// for the public cloud) with client.
func NewValidator(metadataURL string, client *http.Client) *Validator {
	return &Validator{metadataURL: metadataURL, http: client, now: time.Now}
}

var _ auth.TokenValidator = (*Validator)(nil)

// AuthenticateRequest checks authHeader ("Bearer <jwt>") for activity. The
// bot's app id comes from credentials; an empty one refuses everything
// (the library would switch authentication off). It returns the token's
// claims, or an error wrapping errUnauthorized that says what was wrong,
// never the token.
func (v *Validator) AuthenticateRequest(ctx context.Context, activity schema.Activity, authHeader string, credentials auth.CredentialProvider, _ string) (auth.ClaimsIdentity, error) {
	raw, ok := strings.CutPrefix(strings.TrimSpace(authHeader), "Bearer ")
	if !ok || raw == "" {
		return nil, fmt.Errorf("%w: no bearer token", errUnauthorized)
	}
	appID := credentials.GetAppID()
	if appID == "" {
		return nil, fmt.Errorf("%w: the bot has no app id to check tokens against", errUnauthorized)
	}
	issuer, err := v.ensureKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnauthorized, err)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(raw, claims, v.keyFor(ctx, activity.ChannelID),
		jwt.WithValidMethods([]string{"RS256", "RS384", "RS512"}),
		jwt.WithIssuer(issuer), jwt.WithAudience(appID), jwt.WithExpirationRequired(),
		jwt.WithLeeway(clockSkew), jwt.WithTimeFunc(v.clock()))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnauthorized, err)
	}
	if su, _ := claims["serviceurl"].(string); su == "" || su != activity.ServiceURL {
		return nil, fmt.Errorf("%w: the token's serviceurl claim does not match the activity's serviceUrl %q", errUnauthorized, activity.ServiceURL)
	}
	if err := v.fresh(activity.Timestamp); err != nil {
		return nil, err
	}
	return auth.NewClaimIdentity(claims, true), nil
}

// fresh refuses an activity whose timestamp is missing or more than
// clockSkew from now. Teams stamps an activity as it is sent and delivers
// it within seconds. A token is good for an hour and does not cover the
// body, so an old activity is one replayed under a captured token, which
// the replay guard may have forgotten (it lives in memory, and a restart
// empties it); one from the future is forged.
func (v *Validator) fresh(ts time.Time) error {
	if ts.IsZero() {
		return fmt.Errorf("%w: the activity has no timestamp", errUnauthorized)
	}
	if d := v.clock()().Sub(ts); d > clockSkew || d < -clockSkew {
		return fmt.Errorf("%w: the activity's timestamp %s is more than %s from now", errUnauthorized, ts.UTC().Format(time.RFC3339), clockSkew)
	}
	return nil
}

// keyFor returns the jwt key function: it finds the token's key by id,
// fetching the keys again (at most once per refetchGap) when the id is
// unknown, and refuses a key not endorsed for channel.
func (v *Validator) keyFor(ctx context.Context, channel string) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("the token names no key (kid)")
		}
		k, ok := v.key(kid)
		if !ok && v.refetchAllowed() {
			if err := v.fetch(ctx); err != nil {
				return nil, err
			}
			k, ok = v.key(kid)
		}
		if !ok {
			return nil, fmt.Errorf("key %q is not in the Bot Framework key set", kid)
		}
		if len(k.endorsements) > 0 && !slices.Contains(k.endorsements, channel) {
			return nil, fmt.Errorf("key %q is not endorsed for channel %q", kid, channel)
		}
		return k.pub, nil
	}
}

// clock returns the validator's time function.
func (v *Validator) clock() func() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

func (v *Validator) key(kid string) (signingKey, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	k, ok := v.keys[kid]
	return k, ok
}

// refetchAllowed reports whether enough time passed since the last fetch
// to fetch again for an unknown key id.
func (v *Validator) refetchAllowed() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now().Sub(v.tried) >= refetchGap
}

// ensureKeys fetches the metadata and keys when there are none or they are
// older than keysMaxAge, and returns the issuer to expect. Stale keys stay
// in use when a refresh fails.
func (v *Validator) ensureKeys(ctx context.Context) (string, error) {
	v.mu.Lock()
	fresh := v.keys != nil && v.now().Sub(v.fetched) < keysMaxAge
	issuer := v.issuer
	v.mu.Unlock()
	if fresh {
		return issuer, nil
	}
	err := v.fetch(ctx)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.keys == nil {
		return "", err
	}
	return v.issuer, nil
}

// openIDMetadata is the part of the OpenID configuration tapbot reads.
type openIDMetadata struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// jwks is a JSON Web Key Set with Bot Framework's endorsements.
type jwks struct {
	Keys []struct {
		Kty          string   `json:"kty"`
		Kid          string   `json:"kid"`
		N            string   `json:"n"`
		E            string   `json:"e"`
		Endorsements []string `json:"endorsements"`
	} `json:"keys"`
}

// fetch reads the metadata and the key set it names and replaces the keys.
func (v *Validator) fetch(ctx context.Context) error {
	v.mu.Lock()
	v.tried = v.now()
	v.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	var meta openIDMetadata
	if err := v.getJSON(ctx, v.metadataURL, &meta); err != nil {
		return fmt.Errorf("read Bot Framework OpenID metadata: %w", err)
	}
	var set jwks
	if err := v.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return fmt.Errorf("read Bot Framework signing keys: %w", err)
	}
	keys := map[string]signingKey{}
	for _, k := range set.Keys {
		pub, err := rsaKey(k.N, k.E)
		if k.Kty != "RSA" || k.Kid == "" || err != nil {
			continue
		}
		keys[k.Kid] = signingKey{pub: pub, endorsements: k.Endorsements}
	}
	if len(keys) == 0 {
		return fmt.Errorf("the Bot Framework key set at %s holds no RSA key", meta.JWKSURI)
	}
	if meta.Issuer == "" {
		meta.Issuer = defaultIssuer
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.keys, v.issuer, v.fetched = keys, meta.Issuer, v.now()
	return nil
}

func (v *Validator) getJSON(ctx context.Context, target string, out any) error {
	if target == "" {
		return errors.New("no URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := v.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", target, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	return nil
}

// rsaKey decodes a JWK's base64url modulus and exponent.
func rsaKey(n, e string) (*rsa.PublicKey, error) {
	nb, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil {
		return nil, err
	}
	eb, err := base64.RawURLEncoding.DecodeString(e)
	if err != nil {
		return nil, err
	}
	exp := new(big.Int).SetBytes(eb)
	if len(nb) < 256 || !exp.IsInt64() || exp.Int64() < 3 || exp.Int64() > 1<<31 {
		return nil, errors.New("weak or malformed RSA key")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: int(exp.Int64())}, nil
}
