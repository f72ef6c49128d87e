package graphtest

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Recorded is one Graph call the server received.
type Recorded struct {
	Method string
	Path   string // decoded, e.g. /v1.0/users/alice@contoso.com
	Query  string // raw query, e.g. %24select=id%2CdisplayName
	Tenant string // the id of the tenant whose directory answered; "" for the default one
	// Start is when the call arrived, End when its handling ended (its
	// answer written, or the call abandoned or cut; zero until then).
	// Together they show which calls a client made one after another and
	// which side by side.
	Start, End time.Time
}

// fault is a pending injected Graph failure.
type fault struct {
	path       string // substring of the decoded path
	method     string // "" matches every method
	status     int
	code       string
	retryAfter time.Duration // > 0: sent as Retry-After (throttling)
	left       int
	message    string // "" : Graph's usual message for code
	after      bool   // serve the call first, then answer the error
	drop       bool   // serve the call first, then cut the connection
}

// faultMessages are the messages Graph sends with common error codes.
var faultMessages = map[string]string{
	"TooManyRequests":             "Too many requests.",
	"serviceNotAvailable":         "The service is temporarily unavailable. Please retry later.",
	"generalException":            "General exception while processing.",
	"Authorization_RequestDenied": "Insufficient privileges to complete the operation.",
	"accessDenied":                "Request Authorization failed.",
	"Request_ResourceNotFound":    "Resource does not exist or one of its queried reference-property objects are not present.",
	"badRequest":                  "The request is invalid.",
}

// Fail makes the next n Graph calls whose path contains pathSubstring and
// whose method is method ("" for any) fail with status and a Graph error
// body carrying code.
func (s *Tenant) Fail(pathSubstring, method string, status int, code string, n int) {
	s.addFault(&fault{path: pathSubstring, method: method, status: status, code: code, left: n})
}

// Throttle makes the next n Graph calls whose path contains pathSubstring
// answer 429 TooManyRequests with Retry-After set to retryAfter (in whole
// seconds, rounded up).
func (s *Tenant) Throttle(pathSubstring string, n int, retryAfter time.Duration) {
	s.addFault(&fault{path: pathSubstring, status: http.StatusTooManyRequests,
		code: "TooManyRequests", retryAfter: retryAfter, left: n})
}

// FailWithMessage is Fail with Graph's error message set to message, for
// tests of what tapbot makes of a long or odd one.
func (s *Tenant) FailWithMessage(pathSubstring, method string, status int, code, message string, n int) {
	s.addFault(&fault{path: pathSubstring, method: method, status: status, code: code, message: message, left: n})
}

// FailAfter makes the next n matching calls take effect as usual and then
// answer status with a Graph error body carrying code, as Graph does when
// it fails after the work was done: a create answered 500 may have created.
func (s *Tenant) FailAfter(pathSubstring, method string, status int, code string, n int) {
	s.addFault(&fault{path: pathSubstring, method: method, status: status, code: code, left: n, after: true})
}

// DropAnswer makes the next n matching calls take effect as usual but never
// be answered: the connection is cut where the answer should start, as when
// it is lost on the way back (a dropped connection, a proxy giving up). A
// create then makes a pass whose text its caller never sees.
func (s *Tenant) DropAnswer(pathSubstring, method string, n int) {
	s.addFault(&fault{path: pathSubstring, method: method, left: n, drop: true})
}

func (s *Tenant) addFault(f *fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// SetLatency makes every Graph call of the tenant wait d before it is
// answered. A call stops waiting when its client goes away or the server
// closes.
func (s *Tenant) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Requests returns every Graph call received so far, in the order they
// arrived, including those that failed. End is zero for a call still being
// handled.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// record adds a call as it arrives and returns a function that notes the
// end of its handling.
func (s *Server) record(r *http.Request, tenant string) (done func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := len(s.requests)
	s.requests = append(s.requests, Recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Tenant: tenant, Start: time.Now()})
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests[i].End = time.Now()
	}
}

// wait applies the injected latency, then holds the call while the tenant
// is held (see Hold); false means the call was abandoned.
func (s *Tenant) wait(r *http.Request) bool {
	s.mu.Lock()
	d := s.latency
	s.mu.Unlock()
	if d > 0 && !s.sleep(r, d) {
		return false
	}
	return s.waitGate(r)
}

func (s *Tenant) sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.server.closed:
	}
	return false
}

// injectFault answers the call with the first pending matching fault, if
// any, and reports whether it did. A fault that comes after the work serves
// the call into a discarded answer first.
func (s *Tenant) injectFault(w http.ResponseWriter, r *http.Request) bool {
	f, ok := s.takeFault(r)
	if !ok {
		return false
	}
	if f.after || f.drop {
		s.route(&discarded{}, r)
	}
	if f.drop {
		panic(http.ErrAbortHandler) // the client sees the connection end
	}
	if f.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.retryAfter.Seconds()))))
	}
	msg := f.message
	if msg == "" {
		msg = faultMessages[f.code]
	}
	if msg == "" {
		msg = "The service returned " + f.code + "."
	}
	writeError(w, f.status, f.code, msg)
	return true
}

// discarded is where the answer of a call served before its fault goes.
type discarded struct{ header http.Header }

func (d *discarded) Header() http.Header {
	if d.header == nil {
		d.header = http.Header{}
	}
	return d.header
}

func (*discarded) Write(b []byte) (int, error) { return len(b), nil }

func (*discarded) WriteHeader(int) {}

func (s *Tenant) takeFault(r *http.Request) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.left > 0 && strings.Contains(r.URL.Path, f.path) &&
			(f.method == "" || strings.EqualFold(f.method, r.Method)) {
			f.left--
			return *f, true
		}
	}
	return fault{}, false
}
