package bot

import "strings"

// RequestIDPrefix starts every request id; Parse adds it when left out.
const RequestIDPrefix = "TAP-"

// ParseRequestID reads a request id such as "TAP-7K3Q9D", in any case and
// with or without the TAP- prefix, and returns it upper-cased with the
// prefix. It returns an EINVALID *approvals.Error naming s when the rest is
// not 4 to 32 letters and digits.
func ParseRequestID(s string) (string, error) {
	body := strings.ToUpper(strings.TrimRight(strings.TrimSpace(s), ",;:."))
	body = strings.TrimPrefix(body, RequestIDPrefix)
	ok := len(body) >= 4 && len(body) <= 32 &&
		strings.IndexFunc(body, func(r rune) bool { return !isDigit(r) && (r < 'A' || r > 'Z') }) < 0
	if !ok {
		return "", invalid("%s is not a request id; ids look like TAP-7K3Q9D and are shown on the request's card.", quote(s))
	}
	return RequestIDPrefix + body, nil
}
