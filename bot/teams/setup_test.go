package teams

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot/teams/teamstest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
	"github.com/tapbot/tapbot/internal/fakeclock"
	"github.com/tapbot/tapbot/internal/logbuf"
)

const (
	appID        = "b07b07b0-7b07-4b07-8b07-b07b07b07b07"
	appPassword  = "bot-client-secret-value"
	approvalChan = "19:approvals0001@thread.tacv2"
	waitLimit    = 20 * time.Second
)

// harness is one Teams bot with its service and store, wired to a fake
// Bot Connector, token endpoint and Bot Framework key set.
type harness struct {
	t      *testing.T
	fake   *teamstest.Server
	login  *graphtest.Server // the Entra fake the bot gets its token from
	tenant *fakeTenant
	store  *approvals.BoltStore
	svc    *approvals.Service
	bot    *Bot
	http   *httptest.Server
	logs   *logbuf.Buffer
	clock  *fakeclock.Clock
	dbPath string
	cancel context.CancelFunc
	conv   *teamstest.Conversation // the users' side of their chats with the bot

	rita teamstest.User // requester, has the bot
	ian  teamstest.User // requester, has the bot but never wrote to it
	nina teamstest.User // requester without the bot installed
	arno teamstest.User // approver, no 1:1 chat
	bea  teamstest.User // requester and approver
	otto teamstest.User // neither
}

// newHarness starts a bot; change adjusts its configuration first. The
// bot is installed in the approval channel's team unless the test says not.
func newHarness(t *testing.T, change ...func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, login: graphtest.NewServer(), tenant: newFakeTenant(), logs: &logbuf.Buffer{}, clock: &fakeclock.Clock{}}
	h.fake = teamstest.NewServer(appID, appPassword, h.login)
	h.conv = h.fake.Converse(t, h.endpoint, h.logs.String)
	h.rita = h.fake.AddUser(teamstest.User{Name: "Rita Requester", Personal: true})
	h.ian = h.fake.AddUser(teamstest.User{Name: "Ian Installed", Personal: true})
	h.nina = h.fake.AddUser(teamstest.User{Name: "Nina New"})
	h.arno = h.fake.AddUser(teamstest.User{Name: "Arno Approver"})
	h.bea = h.fake.AddUser(teamstest.User{Name: "Bea Both", Personal: true})
	h.otto = h.fake.AddUser(teamstest.User{Name: "Otto Outsider"})
	h.fake.AddChannel(approvalChan, "tap-approvals")

	h.dbPath = filepath.Join(t.TempDir(), "tapbot.db")
	h.open(change...)
	t.Cleanup(h.close)
	return h
}

// config is the bot's configuration against the fakes.
func (h *harness) config() Config {
	return Config{
		AppID: appID, AppPassword: appPassword, TenantID: teamstest.TenantID, ApprovalConversation: approvalChan,
		Endpoints: Endpoints{
			OpenIDMetadataURL: h.fake.OpenIDMetadataURL(), AuthorityHost: h.login.AuthorityHost(), Scope: teamstest.Scope,
		},
		HTTPClient: h.login.Client(), // trusts the Entra fake's TLS certificate
	}
}

// open starts the store, service, bot and messaging endpoint.
func (h *harness) open(change ...func(*Config)) {
	h.t.Helper()
	cfg := h.config()
	for _, c := range change {
		c(&cfg)
	}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var err error
	if h.bot, err = New(cfg, log); err != nil {
		h.t.Fatal(err)
	}
	if h.store, err = approvals.Open(h.dbPath); err != nil {
		h.t.Fatal(err)
	}
	key := func(u teamstest.User) string { return Platform + ":" + u.AADObjectID }
	h.svc = approvals.NewService(approvals.Config{
		Store: h.store, Tenant: h.tenant, TenantID: teamstest.TenantID, Logger: log, Now: h.clock.Now,
		Notifiers: map[string]approvals.Notifier{Platform: h.bot},
		Policy: approvals.Policy{Authorizer: approvals.NewStaticAuthorizer(
			[]string{key(h.rita), key(h.ian), key(h.nina), key(h.bea)},
			[]string{key(h.arno), key(h.bea)})},
	})
	h.bot.Attach(h.svc)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	if err := h.bot.Start(ctx); err != nil {
		h.t.Fatal(err)
	}
	h.http = httptest.NewServer(h.bot.Handler())
}

// stop shuts the bot down as the app does: timers stop waiting, work in
// flight finishes. It may be called more than once.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := h.svc.Shutdown(ctx); err != nil {
		h.t.Errorf("shutdown: %v", err)
	}
	h.http.Close()
}

// restart stops the bot and starts a new one on the same database.
func (h *harness) restart(change ...func(*Config)) {
	h.stop()
	if err := h.store.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open(change...)
}

func (h *harness) close() {
	h.stop()
	if err := h.store.Close(); err != nil {
		h.t.Errorf("close store: %v", err)
	}
	h.fake.Close()
	h.login.Close()
	h.scanForLeaks()
}

// scanForLeaks proves that no pass reached the database, the logs, or any
// connector call but the message that delivered it to its requester.
func (h *harness) scanForLeaks() {
	db, err := os.ReadFile(h.dbPath)
	if err != nil {
		h.t.Fatalf("read database for leak scan: %v", err)
	}
	logs := h.logs.String()
	for _, secret := range h.tenant.issued() {
		if bytes.Contains(db, []byte(secret)) {
			h.t.Error("a pass is in the database file")
		}
		if strings.Contains(logs, secret) {
			h.t.Error("a pass is in the logs")
		}
		for _, a := range h.fake.Leaks(secret) {
			h.t.Errorf("a pass is in a %s in %s", a.Kind, a.Conversation)
		}
	}
	if strings.Contains(logs, appPassword) || strings.Contains(h.fake.AllText(), appPassword) {
		h.t.Error("the bot's client secret reached the logs or a message")
	}
}

// endpoint is the bot's messaging endpoint.
func (h *harness) endpoint() string { return h.http.URL + "/api/messages" }

// deliver posts a as Teams would, with a token changed by opts, and
// returns the HTTP status.
func (h *harness) deliver(a schema.Activity, opts ...teamstest.TokenOption) int {
	h.t.Helper()
	return h.conv.Deliver(a, opts...)
}

// says makes u write text to the bot in their 1:1 chat.
func (h *harness) says(u teamstest.User, text string) {
	h.t.Helper()
	h.conv.Say(u, text)
}

// click makes u press the action button of m.
func (h *harness) click(u teamstest.User, m teamstest.Activity, action string) {
	h.t.Helper()
	h.conv.Press(u, m, action)
}

// waitFor returns the first connector call pred accepts that no earlier
// waitFor returned, waiting for it if need be (teamstest.Conversation.Wait).
func (h *harness) waitFor(what string, pred func(teamstest.Activity) bool) teamstest.Activity {
	h.t.Helper()
	return h.conv.Wait(what, pred)
}

// chat is u's 1:1 conversation with the bot.
func (h *harness) chat(u teamstest.User) string { return h.fake.PersonalConversation(u) }

// card waits for the approval card of a new request.
func (h *harness) card() teamstest.Activity {
	return h.waitFor("approval card", teamstest.Sent(approvalChan, "Temporary Access Pass request"))
}

// requestID reads the request id off an approval card.
func requestID(t *testing.T, card teamstest.Activity) string {
	t.Helper()
	return teamstest.RequestID(t, card)
}
