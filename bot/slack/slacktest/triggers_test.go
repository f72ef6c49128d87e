package slacktest

import (
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestTriggerIDsAreSpentOnceAndExpireAfterThreeSeconds(t *testing.T) {
	tests := []struct {
		name string
		use  func(srv *Server, clock *testClock, trigger string) // before views.open
		want string
	}{
		{"fresh", func(*Server, *testClock, string) {}, ""},
		{"three seconds old", func(_ *Server, c *testClock, _ string) { c.Advance(3 * time.Second) }, ""},
		{"older than three seconds", func(_ *Server, c *testClock, _ string) { c.Advance(3*time.Second + time.Millisecond) }, "expired_trigger_id"},
		{"expired by hand", func(s *Server, _ *testClock, trig string) { s.ExpireTriggerID(trig) }, "expired_trigger_id"},
		{"never handed out", nil, "invalid_trigger_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newWorkspace(t)
			clock := &testClock{now: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)}
			srv.SetNow(clock.Now)
			trig := "1700000001.42.deadbeef"
			if tt.use != nil {
				trig = triggerFrom(t, srv, "U1")
				tt.use(srv, clock, trig)
			}
			_, err := api.OpenViewContext(testContext(t), trig, denyModal("Deny"))
			if got := slackError(err); got != tt.want || (tt.want == "") != (err == nil) {
				t.Fatalf("views.open: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestATriggerIDOpensOneView(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	trig := triggerFrom(t, srv, "U1")
	if _, err := api.OpenViewContext(ctx, trig, denyModal("Deny")); err != nil {
		t.Fatal(err)
	}
	if _, err := api.OpenViewContext(ctx, trig, denyModal("Deny again")); slackError(err) != "exchanged_trigger_id" {
		t.Fatalf("second views.open with one trigger: %v, want exchanged_trigger_id", err)
	}
}

func TestTriggersComeWithCommandsShortcutsAndClicks(t *testing.T) {
	srv, api := newWorkspace(t)
	card := postCard(t, srv, api)
	click, err := srv.Click("U2", card, "deny")
	if err != nil {
		t.Fatal(err)
	}
	shortcut, err := srv.Shortcut("U1", "tap_request")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.PublishViewContext(testContext(t), slack.PublishViewContextRequest{UserID: "U3", View: homeTab("Home")}); err != nil {
		t.Fatal(err)
	}
	home, _ := srv.Home("U3")
	homeClick, err := srv.ClickView("U3", home.ID, "tap_new")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ user, trigger string }{
		{"U1", triggerFrom(t, srv, "U1")}, {"U2", click.TriggerID}, {"U1", shortcut.TriggerID}, {"U3", homeClick.TriggerID},
	} {
		resp, err := api.OpenViewContext(testContext(t), tc.trigger, denyModal("Deny"))
		if err != nil {
			t.Fatalf("views.open with %s's trigger: %v", tc.user, err)
		}
		if open, ok := srv.OpenModal(tc.user); !ok || open.ID != resp.ID {
			t.Fatalf("%s's modal is %+v (%v), want %s", tc.user, open, ok, resp.ID)
		}
	}
}
