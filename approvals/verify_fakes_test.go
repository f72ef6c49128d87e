package approvals

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The fakes of the verification ports: a tenant whose Graph also reads
// facts and sends mail, a Verified ID verifier, and chat front-ends that
// can ask managers and tell targets.

var (
	boss      = Person{ID: "id-boss", UPN: "boss@contoso.com", DisplayName: "Bob Boss", Mail: "boss@contoso.com"}
	bossSlack = Principal{Platform: "slack", ID: "UBOSS", Name: "bob boss"}
	bossTeams = Principal{Platform: "teams", ID: "id-boss", Name: "Bob Boss"}
)

// aliceFacts are what the directory knows of alice: her numbers, her
// manager Bob Boss, no risk, no new methods.
func aliceFacts() TargetFacts {
	ok := Checked{OK: true}
	m := boss
	return TargetFacts{
		BusinessPhones: []string{"+1 555 0101"}, MobilePhone: "+1 555 0199", Phones: ok,
		Manager: &m, ManagerRead: ok,
		Risk:    Risk{Checked: ok, Level: "none", State: "none"},
		Methods: Methods{Checked: ok},
	}
}

// factTenant is fakeTenant whose Graph also reads facts and sends mail.
type factTenant struct {
	*fakeTenant
	fmu       sync.Mutex
	facts     map[string]TargetFacts // by user id; a user not here has aliceFacts without a manager
	factsErr  error
	factReads int
	since     time.Time
	mails     []Mail
	mailErr   error
}

func newFactTenant() *factTenant {
	return &factTenant{fakeTenant: newFakeTenant(), facts: map[string]TargetFacts{"id-alice": aliceFacts()}}
}

func (f *factTenant) TargetFacts(_ context.Context, userID string, since time.Time) (TargetFacts, error) {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	f.factReads++
	f.since = since
	if f.factsErr != nil {
		return TargetFacts{}, f.factsErr
	}
	facts, ok := f.facts[userID]
	if !ok {
		facts = aliceFacts()
		facts.Manager, facts.BusinessPhones, facts.MobilePhone = nil, nil, ""
	}
	return facts, nil
}

func (f *factTenant) setFacts(userID string, change func(*TargetFacts)) {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	facts := aliceFacts()
	if old, ok := f.facts[userID]; ok {
		facts = old
	}
	change(&facts)
	f.facts[userID] = facts
}

func (f *factTenant) SendMail(_ context.Context, m Mail) error {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	if f.mailErr != nil {
		return f.mailErr
	}
	f.mails = append(f.mails, m)
	return nil
}

func (f *factTenant) sent() []Mail {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	return append([]Mail(nil), f.mails...)
}

func (f *factTenant) reads() int {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	return f.factReads
}

// fakeVerifier starts presentations and remembers what it was asked.
type fakeVerifier struct {
	mu   sync.Mutex
	asks []PresentationAsk
	err  error
	now  func() time.Time
}

func (v *fakeVerifier) StartPresentation(_ context.Context, ask PresentationAsk) (Presentation, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.err != nil {
		return Presentation{}, v.err
	}
	v.asks = append(v.asks, ask)
	id := fmt.Sprintf("pres-%d", len(v.asks))
	return Presentation{ID: id, URL: "openid-vc://?request_uri=https://verifiedid.example/" + id, Expires: v.now().Add(5 * time.Minute)}, nil
}

// ask is the nth presentation started (from 1).
func (v *fakeVerifier) ask(t *testing.T, n int) PresentationAsk {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.asks) < n {
		t.Fatalf("%d presentations started, want at least %d", len(v.asks), n)
	}
	return v.asks[n-1]
}

// verifyChat is a chat front-end that can also ask managers and tell
// targets: it reaches the managers in reach, by Entra id.
type verifyChat struct {
	*fakeNotifier
	platform string
	cmu      sync.Mutex
	reach    map[string]Principal // manager Entra id → their account here
	asked    []Person
	askErr   error
	told     []string
	tellErr  error
}

func newVerifyChat(platform string) *verifyChat {
	return &verifyChat{fakeNotifier: newFakeNotifier(), platform: platform, reach: map[string]Principal{}}
}

func (c *verifyChat) AskManager(_ context.Context, r *Request, m Person) (ManagerContact, error) {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	if c.askErr != nil {
		return ManagerContact{}, c.askErr
	}
	p, ok := c.reach[m.ID]
	if !ok {
		return ManagerContact{}, Errorf(ENOTFOUND, "%s is not in this %s workspace.", m.UPN, c.platform)
	}
	c.asked = append(c.asked, m)
	return ManagerContact{Principal: p, Message: MessageRef{Platform: c.platform, Channel: "D-" + p.ID, ID: "ask-" + r.ID}}, nil
}

func (c *verifyChat) TellTarget(_ context.Context, r *Request, text string) error {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	if c.tellErr != nil {
		return c.tellErr
	}
	c.told = append(c.told, text)
	return nil
}

func (c *verifyChat) askedCount() int {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	return len(c.asked)
}

func (c *verifyChat) toldTexts() []string {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	return append([]string(nil), c.told...)
}

// noticesOf are the notices of kind the requester got.
func (n *fakeNotifier) noticesOf(kind string) []Notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []Notice
	for _, no := range n.notices {
		if no.Kind == kind {
			out = append(out, no)
		}
	}
	return out
}

// verifyHarness is the harness with the verification ports: Slack (where
// the requesters are) reaches Bob Boss, Teams reaches nobody.
type verifyHarness struct {
	*harness
	graph    *factTenant
	verifier *fakeVerifier
	slack    *verifyChat
	teams    *verifyChat
}

func newVerifyHarness(t *testing.T, mutate func(*Policy)) *verifyHarness {
	t.Helper()
	store, err := Open(filepath.Join(t.TempDir(), "tapbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	pol := Policy{Authorizer: NewStaticAuthorizer(
		[]string{req1.Key(), req2.Key(), appr1.Key()},
		[]string{appr1.Key(), appr2.Key(), req2.Key()})}
	if mutate != nil {
		mutate(&pol)
	}
	v := &verifyHarness{graph: newFactTenant(), slack: newVerifyChat("slack"), teams: newVerifyChat("teams")}
	v.slack.reach[boss.ID] = bossSlack
	v.harness = &harness{store: store, tenant: v.graph.fakeTenant, chat: v.slack.fakeNotifier,
		clock: &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}, logs: &bytes.Buffer{}}
	v.verifier = &fakeVerifier{now: v.clock.Now}
	v.svc = NewService(Config{
		Store: store, Tenant: v.graph, TenantID: "contoso", Policy: pol,
		Notifiers: map[string]Notifier{"slack": v.slack, "teams": v.teams}, Now: v.clock.Now,
		Logger: slog.New(slog.NewTextHandler(v.logs, nil)), Verifier: v.verifier,
	})
	t.Cleanup(func() { _ = v.svc.Shutdown(context.Background()) })
	return v
}

// auditTypes are the types of the audit events so far, oldest first.
func (h *harness) auditTypes(t *testing.T) []string {
	t.Helper()
	events, err := h.store.Audit(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range events {
		types = append(types, ev.Type)
	}
	return types
}

// auditEvent is the last audit event of type typ.
func (h *harness) auditEvent(t *testing.T, typ string) Event {
	t.Helper()
	events, err := h.store.Audit(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Type == typ {
			return events[i]
		}
	}
	t.Fatalf("no %s event in %v", typ, h.auditTypes(t))
	return Event{}
}

// get is request id as stored.
func (h *harness) get(t *testing.T, id string) *Request {
	t.Helper()
	r, err := h.store.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// verifyAudit fails the test unless the audit log and the stored requests
// verify.
func (h *harness) verifyAudit(t *testing.T) {
	t.Helper()
	if _, err := h.store.VerifyAuditLog(VerifyOptions{}); err != nil {
		t.Fatalf("audit log does not verify: %v", err)
	}
}
