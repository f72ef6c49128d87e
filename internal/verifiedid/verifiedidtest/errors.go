package verifiedidtest

import (
	"net/http"
	"time"
)

// outerErrors are the documented top-level error code and message of each
// status: the code matches the status, the message is standard.
var outerErrors = map[int][2]string{
	http.StatusBadRequest:          {"badRequest", "The request is invalid."},
	http.StatusUnauthorized:        {"unauthorized", "The requested resource requires authentication"},
	http.StatusForbidden:           {"forbidden", "Missing permissions to fulfill this request."},
	http.StatusNotFound:            {"notFound", "The requested resource doesn't exist."},
	http.StatusMethodNotAllowed:    {"methodNotAllowed", "The requested method isn't allowed on the requested resource."},
	http.StatusTooManyRequests:     {"tooManyRequests", "Too many requests, try again later."},
	http.StatusInternalServerError: {"internalServerError", "A generic error has occurred on the server."},
	http.StatusBadGateway:          {"badGateway", "bad response received from another gateway."},
	http.StatusServiceUnavailable:  {"serviceUnavailable", "The server is temporarily unavailable, please try again later."},
	http.StatusGatewayTimeout:      {"gatewayTimeout", "Time out received from another gateway."},
}

// writeError writes the documented error body: requestId, date, mscv and
// the error with its innererror (omitted when innerCode is "").
func writeError(w http.ResponseWriter, status int, innerCode, innerMessage, target string) {
	outer := outerErrors[status]
	e := map[string]any{"code": outer[0], "message": outer[1]}
	if innerCode != "" {
		inner := map[string]any{"code": innerCode, "message": innerMessage}
		if target != "" {
			inner["target"] = target
		}
		e["innererror"] = inner
	}
	writeJSON(w, status, map[string]any{
		"requestId": newID(),
		"date":      time.Now().UTC().Format(http.TimeFormat),
		"mscv":      "fake" + newID()[:12] + ".1",
		"error":     e,
	})
}

// writeFault answers an injected failure: throttling and outages are
// transientError, and 429 / 503 say when to come back.
func writeFault(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeError(w, status, "transientError", "The service could not handle the request now; retry later.", "")
}
