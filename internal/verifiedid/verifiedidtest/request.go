package verifiedidtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
)

// PresentationRequest is the documented createPresentationRequest body.
// The fake decodes with types of its own, so a client whose JSON differs
// from the documentation fails here rather than agreeing with itself.
type PresentationRequest struct {
	Authority            string                `json:"authority"`
	IncludeQRCode        bool                  `json:"includeQRCode"`
	IncludeReceipt       bool                  `json:"includeReceipt"`
	Registration         *Registration         `json:"registration"`
	Callback             *Callback             `json:"callback"`
	RequestedCredentials []RequestedCredential `json:"requestedCredentials"`
}

// Registration names the verifier to the user.
type Registration struct {
	ClientName string `json:"clientName"`
	Purpose    string `json:"purpose"`
}

// Callback is where and how the service reports the presentation.
type Callback struct {
	URL     string            `json:"url"`
	State   string            `json:"state"`
	Headers map[string]string `json:"headers"`
}

// RequestedCredential is one credential the user is asked to present.
type RequestedCredential struct {
	Type            string         `json:"type"`
	Purpose         string         `json:"purpose"`
	AcceptedIssuers []string       `json:"acceptedIssuers"`
	Configuration   *Configuration `json:"configuration"`
}

// Configuration holds the validation settings.
type Configuration struct {
	Validation *Validation `json:"validation"`
}

// Validation says how the presented credential is checked.
type Validation struct {
	AllowRevoked         bool       `json:"allowRevoked"`
	ValidateLinkedDomain bool       `json:"validateLinkedDomain"`
	FaceCheck            *FaceCheck `json:"faceCheck"`
}

// FaceCheck asks for a liveness check against a photo claim.
type FaceCheck struct {
	SourcePhotoClaimName string `json:"sourcePhotoClaimName"`
	// MatchConfidenceThreshold is optional: nil means the default, 70.
	MatchConfidenceThreshold *int `json:"matchConfidenceThreshold"`
}

// DefaultThreshold is the service's Face Check threshold when a request
// names none.
const DefaultThreshold = 70

// maxRequestBytes caps a request body; the documented cap of an issuance
// request, which is larger than any presentation request.
const maxRequestBytes = 1 << 20

// badField is a request the service refuses with 400 badRequest.
type badField struct {
	code    string // the innererror code: badOrMissingField, notFound
	message string
	target  string
}

func missing(target string) *badField {
	return &badField{code: "badOrMissingField", target: target,
		message: fmt.Sprintf("The request is missing `%s`.", target)}
}

func invalid(target, format string, args ...any) *badField {
	return &badField{code: "badOrMissingField", target: target, message: fmt.Sprintf(format, args...)}
}

// decodeRequest reads the body into the documented types and into a map,
// refusing what is not JSON or has a field of the wrong type as the
// service words it ("The request contains `includeQRCode`, but it is not
// boolean.").
func decodeRequest(r *http.Request) (PresentationRequest, map[string]any, *badField) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil || len(raw) > maxRequestBytes {
		return PresentationRequest{}, nil, invalid("", "The request body is too large.")
	}
	var body PresentationRequest
	var asMap map[string]any
	err = json.Unmarshal(raw, &body)
	_ = json.Unmarshal(raw, &asMap)
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		return body, asMap, invalid(te.Field, "The request contains `%s`, but it is not %s.", te.Field, kindName(te.Type))
	case err != nil:
		return body, asMap, invalid("", "The request body is not valid JSON.")
	}
	return body, asMap, nil
}

func kindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "a string"
	case reflect.Int:
		return "an integer"
	case reflect.Slice:
		return "an array"
	}
	return "an object"
}

// checkRequest applies the documented rules to a decoded request of
// tenant.
func (s *Server) checkRequest(tenant string, b PresentationRequest) *badField {
	if bad := s.checkAuthority(tenant, b.Authority); bad != nil {
		return bad
	}
	if b.Registration == nil || b.Registration.ClientName == "" {
		return missing("registration.clientName")
	}
	if bad := checkCallback(b.Callback); bad != nil {
		return bad
	}
	if len(b.RequestedCredentials) == 0 {
		return missing("requestedCredentials")
	}
	for i, rc := range b.RequestedCredentials {
		if bad := checkCredential(fmt.Sprintf("requestedCredentials[%d]", i), rc, b.IncludeReceipt); bad != nil {
			return bad
		}
	}
	return nil
}

func (s *Server) checkAuthority(tenant, did string) *badField {
	if did == "" {
		return missing("authority")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.authorities[strings.ToLower(tenant)] {
		if a == did {
			return nil
		}
	}
	return &badField{code: "notFound", target: "authority",
		message: fmt.Sprintf("The authority '%s' was not found in tenant '%s'.", did, tenant)}
}

// checkCallback: a reachable absolute URL, a state, and no header but the
// two the service forwards (api-key, Authorization).
func checkCallback(cb *Callback) *badField {
	switch {
	case cb == nil || cb.URL == "":
		return missing("callback.url")
	case cb.State == "":
		return missing("callback.state")
	}
	u, err := url.Parse(cb.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalid("callback.url", "The callback URL '%s' is unreadable.", cb.URL)
	}
	for name, v := range cb.Headers {
		if !strings.EqualFold(name, "api-key") && !strings.EqualFold(name, "Authorization") {
			return invalid("callback.headers", "Invalid callback header '%s': only api-key and Authorization are supported.", name)
		}
		if v == "" {
			return invalid("callback.headers", "The callback header '%s' is empty.", name)
		}
	}
	return nil
}

func checkCredential(at string, rc RequestedCredential, receipt bool) *badField {
	if rc.Type == "" {
		return missing(at + ".type")
	}
	if rc.Configuration == nil || rc.Configuration.Validation == nil || rc.Configuration.Validation.FaceCheck == nil {
		return nil
	}
	fc, at := rc.Configuration.Validation.FaceCheck, at+".configuration.validation.faceCheck"
	switch {
	case fc.SourcePhotoClaimName == "":
		return missing(at + ".sourcePhotoClaimName")
	case fc.MatchConfidenceThreshold != nil && (*fc.MatchConfidenceThreshold < 50 || *fc.MatchConfidenceThreshold > 100):
		return invalid(at+".matchConfidenceThreshold", "`matchConfidenceThreshold` must be an integer between 50 and 100; it is %d.", *fc.MatchConfidenceThreshold)
	case receipt:
		return invalid("includeReceipt", "A receipt cannot be included in a presentation request with faceCheck.")
	}
	return nil
}

// threshold is the Face Check score a request demands, and whether it
// asks for a Face Check at all.
func (b PresentationRequest) threshold() (float64, bool) {
	for _, rc := range b.RequestedCredentials {
		if rc.Configuration != nil && rc.Configuration.Validation != nil && rc.Configuration.Validation.FaceCheck != nil {
			if t := rc.Configuration.Validation.FaceCheck.MatchConfidenceThreshold; t != nil {
				return float64(*t), true
			}
			return DefaultThreshold, true
		}
	}
	return 0, false
}
