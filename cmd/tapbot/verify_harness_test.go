package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
	"github.com/tapbot/tapbot/internal/verifiedid/verifiedidtest"
)

// The end-user verification tests (issue 15) run tapbot against the fakes
// of Graph and Slack (and Teams) as every end-to-end test does, and, for
// the verifiedId step, against verifiedidtest's Request Service and wallet,
// whose callbacks reach tapbot through an HTTPS ingress as they would in a
// real deployment (TAPBOT_PUBLIC_URL).

// The demo tenant's people the verification tests are about (DemoTenant):
// Alice asks for a pass over the phone; Carol is her manager.
const (
	aliceID    = "0b3a5f2e-1c4d-4e6f-8a9b-000000000a11"
	carolID    = "0b3a5f2e-1c4d-4e6f-8a9b-000000000c33"
	carolSlack = "UCAROL01"
	// Alice's numbers in the directory: the ones an approver calls back on.
	aliceOffice = "+1 425 555 0110"
	aliceMobile = "+1 425 555 0111"
)

// Verified ID settings of the tests.
const (
	vidAuthority = "did:web:verifiedid.contoso.com"
	vidAPIKey    = "verifiedid-callback-key-0123456789abcdefghij"
)

// The block and action ids of Slack's callback modal (bot/slack).
const (
	callbackBlock     = "tap_callback_called"
	callbackValue     = "called"
	callbackNoteBlock = "tap_callback_note"
)

// verifyPolicy is a policy file with a verify: section (YAML, indented as
// under verify:), for the default approvers.
func verifyPolicy(t *testing.T, verify string) string {
	t.Helper()
	return policyFile(t, "verify:\n"+verify)
}

// verifiedIDFake is Entra Verified ID for one tapbot: the Request Service
// and wallet of verifiedidtest, and the HTTPS ingress of TAPBOT_PUBLIC_URL
// that forwards its callbacks to tapbot's listener, recording each
// callback and tapbot's answer for the leak scan.
type verifiedIDFake struct {
	*verifiedidtest.Server
	ingress  *httptest.Server
	upstream atomic.Pointer[string] // tapbot's listener, once it runs

	mu      sync.Mutex
	traffic []string // each callback's body and tapbot's answer
}

// newVerifiedIDFake starts the fake, trusting the contoso-tenant of the
// end-to-end tests as the owner of vidAuthority.
func newVerifiedIDFake(t *testing.T) *verifiedIDFake {
	t.Helper()
	f := &verifiedIDFake{Server: verifiedidtest.NewServer()}
	t.Cleanup(f.Close)
	f.AddAuthority("contoso-tenant", vidAuthority)
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		u, _ := url.Parse(*f.upstream.Load())
		pr.SetURL(u)
	}}
	f.ingress = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recordingWriter{ResponseWriter: w}
		proxy.ServeHTTP(rec, r)
		f.mu.Lock()
		f.traffic = append(f.traffic, string(body)+"\n"+rec.body.String())
		f.mu.Unlock()
	}))
	t.Cleanup(f.ingress.Close)
	f.SetCallbackClient(f.ingress.Client())
	return f
}

// vars are the settings of a tapbot that uses f; the api key comes from a
// file, as Kubernetes would mount it.
func (f *verifiedIDFake) vars(t *testing.T) map[string]string {
	t.Helper()
	key := filepath.Join(t.TempDir(), "verifiedid-api-key")
	if err := os.WriteFile(key, []byte(vidAPIKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"TAPBOT_VERIFIEDID_ENDPOINT": f.URL, "TAPBOT_VERIFIEDID_AUTHORITY": vidAuthority,
		"TAPBOT_VERIFIEDID_API_KEY_FILE": key, "TAPBOT_PUBLIC_URL": f.ingress.URL,
	}
}

// serve points the ingress at e's listener, lets e's tenant consent to
// presentation requests, and scans everything Verified ID saw once the
// test ends.
func (f *verifiedIDFake) serve(e *env) {
	base := e.base
	f.upstream.Store(&base)
	e.graph.SetRoles(append(append(graphtest.DefaultRoles(), graphtest.VerificationRoles()...), verifiedidtest.PresentRole)...)
	e.t.Cleanup(func() { f.scanForLeaks(e) })
}

// scanForLeaks proves that no pass reached Verified ID (the presentation
// requests tapbot made, the callbacks and tapbot's answers to them), and
// that the api key reached none of the logs, the database and Slack.
func (f *verifiedIDFake) scanForLeaks(e *env) {
	e.stopOnce()
	f.mu.Lock()
	seen := slices.Clone(f.traffic)
	f.mu.Unlock()
	for _, r := range f.Requests() {
		b, _ := json.Marshal(r.Raw)
		seen = append(seen, string(b))
	}
	for _, p := range e.graph.AllIssued() {
		for _, s := range seen {
			if strings.Contains(s, p.Secret) {
				e.t.Errorf("pass %s reached Verified ID", p.MethodID)
			}
		}
	}
	db, _ := os.ReadFile(e.dbPath)
	if strings.Contains(e.logs.String(), vidAPIKey) || bytes.Contains(db, []byte(vidAPIKey)) || strings.Contains(e.slack.AllText(), vidAPIKey) {
		e.t.Error("the Verified ID api key reached the logs, the database or Slack")
	}
}

// callback posts body to tapbot's callback, through the ingress, with the
// api-key header key ("": none), as anyone on the internet could, and
// returns the status.
func (f *verifiedIDFake) callback(t *testing.T, key string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.ingress.URL+"/verifiedid/callback", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("api-key", key)
	}
	resp, err := f.ingress.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// lastPresentation is the presentation request tapbot made last, failing
// the test when it made none that the service took.
func (f *verifiedIDFake) lastPresentation(t *testing.T) verifiedidtest.Request {
	t.Helper()
	reqs := f.Requests()
	if len(reqs) == 0 || reqs[len(reqs)-1].ID == "" {
		t.Fatalf("no presentation request was taken: %+v", reqs)
	}
	return reqs[len(reqs)-1]
}

// recordingWriter keeps what tapbot answered a callback.
type recordingWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// startVerifiedIDEnv starts tapbot with Verified ID configured, vars
// overriding the environment as in startEnv.
func startVerifiedIDEnv(t *testing.T, vars map[string]string) (*env, *verifiedIDFake) {
	t.Helper()
	vid := newVerifiedIDFake(t)
	all := vid.vars(t)
	for k, v := range vars {
		all[k] = v
	}
	e := startEnv(t, all)
	vid.serve(e)
	return e, vid
}

// toRequester reports whether m is something tapbot sent the requester:
// a reply to their command, a message in their DM or one shown to them
// alone. The approval channel and its threads are not theirs.
func toRequester(e *env, user string) func(slacktest.Message) bool {
	dm := e.dmOf(user)
	return func(m slacktest.Message) bool {
		switch {
		case m.Channel == approvalsCh:
			return false
		case m.Kind == slacktest.KindResponseURL, m.Channel == dm, m.User == user:
			return true
		}
		return false
	}
}

// auditOf is the stored audit events of request id, oldest first; it stops
// the app.
func (e *env) auditOf(id string) []approvals.Event {
	e.t.Helper()
	var out []approvals.Event
	for _, ev := range e.storedAudit() {
		if ev.RequestID == id {
			out = append(out, ev)
		}
	}
	return out
}

// eventOf is the first event of type typ in events, failing the test when
// there is none.
func eventOf(t *testing.T, events []approvals.Event, typ string) approvals.Event {
	t.Helper()
	for _, ev := range events {
		if ev.Type == typ {
			return ev
		}
	}
	var types []string
	for _, ev := range events {
		types = append(types, ev.Type)
	}
	t.Fatalf("no %s event among %v", typ, types)
	return approvals.Event{}
}
