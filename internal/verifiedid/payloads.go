package verifiedid

import "encoding/json"

// The JSON of the Request Service, as its documentation names it
// (learn.microsoft.com/entra/verified-id/presentation-request-api and
// error-codes).

// apiKeyHeader is the callback header the Request Service sends back as
// given; the documented alternative is Authorization.
const apiKeyHeader = "api-key"

// presentationRequest is the body of createPresentationRequest.
type presentationRequest struct {
	Authority            string                `json:"authority"`
	IncludeQRCode        bool                  `json:"includeQRCode"`
	IncludeReceipt       bool                  `json:"includeReceipt"`
	Registration         registration          `json:"registration"`
	Callback             callbackSpec          `json:"callback"`
	RequestedCredentials []requestedCredential `json:"requestedCredentials"`
}

type registration struct {
	ClientName string `json:"clientName"`
}

type callbackSpec struct {
	URL     string            `json:"url"`
	State   string            `json:"state"`
	Headers map[string]string `json:"headers"`
}

type requestedCredential struct {
	Type            string        `json:"type"`
	Purpose         string        `json:"purpose,omitempty"`
	AcceptedIssuers []string      `json:"acceptedIssuers"`
	Configuration   configuration `json:"configuration"`
}

type configuration struct {
	Validation validation `json:"validation"`
}

type validation struct {
	AllowRevoked         bool          `json:"allowRevoked"`
	ValidateLinkedDomain bool          `json:"validateLinkedDomain"`
	FaceCheck            faceCheckSpec `json:"faceCheck"`
}

type faceCheckSpec struct {
	SourcePhotoClaimName     string `json:"sourcePhotoClaimName"`
	MatchConfidenceThreshold int    `json:"matchConfidenceThreshold"`
}

// presentationResponse is the 201 answer; qrCode is not asked for.
type presentationResponse struct {
	RequestID string `json:"requestId"`
	URL       string `json:"url"`
	Expiry    int64  `json:"expiry"` // Unix seconds
}

// serviceError is the Request Service's error body: error.code matches the
// HTTP status (badRequest, forbidden, …); innererror says what caused it.
type serviceError struct {
	RequestID string `json:"requestId"`
	Date      string `json:"date"`
	MSCV      string `json:"mscv"`
	Error     struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Target  string `json:"target"`
		} `json:"innererror"`
	} `json:"error"`
}

// callbackBody is what the Request Service posts to the callback URL.
type callbackBody struct {
	RequestID               string               `json:"requestId"`
	RequestStatus           string               `json:"requestStatus"`
	State                   string               `json:"state"`
	Subject                 string               `json:"subject"`
	VerifiedCredentialsData []verifiedCredential `json:"verifiedCredentialsData"`
	Receipt                 json.RawMessage      `json:"receipt"` // for troubleshooting only; never passed on
	Error                   *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// verifiedCredential is one presented credential. Claim values are
// strings for VerifiedEmployee; others are kept as their JSON.
type verifiedCredential struct {
	Issuer          string                     `json:"issuer"`
	Type            []string                   `json:"type"`
	Claims          map[string]json.RawMessage `json:"claims"`
	CredentialState *struct {
		RevocationStatus string `json:"revocationStatus"`
	} `json:"credentialState"`
	FaceCheck *struct {
		MatchConfidenceScore float64 `json:"matchConfidenceScore"`
		SourcePhotoQuality   string  `json:"sourcePhotoQuality"`
	} `json:"faceCheck"`
}
