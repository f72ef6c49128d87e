package teams

import (
	"net/http"
	"sync"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/bot/teams/teamstest"
)

// welcomes counts the welcomes sent into conversation.
func (h *harness) welcomes(conversation string) int {
	return h.fake.Count(teamstest.Sent(conversation, "I'm tapbot"))
}

// TestPersonalInstallIsWelcomedOnce delivers both activities Teams sends
// for one personal install, one after the other for Ian and at once for
// Bea, and Ian's installationUpdate again after a restart: each of them is
// welcomed exactly once.
func TestPersonalInstallIsWelcomedOnce(t *testing.T) {
	h := newHarness(t)
	for _, a := range []schema.Activity{h.fake.InstallationUpdate(h.ian), h.fake.InstallPersonal(h.ian)} {
		if status := h.deliver(a); status != http.StatusOK {
			t.Fatalf("HTTP %d", status)
		}
	}
	var wg sync.WaitGroup
	for _, a := range []schema.Activity{h.fake.InstallationUpdate(h.bea), h.fake.InstallPersonal(h.bea)} {
		wg.Go(func() {
			if status, err := h.fake.Deliver(t.Context(), h.endpoint(), a); err != nil || status != http.StatusOK {
				t.Errorf("HTTP %d, %v", status, err)
			}
		})
	}
	wg.Wait()
	h.restart()
	h.deliver(h.fake.InstallationUpdate(h.ian))
	h.stop() // waits for the welcomes in flight
	for _, u := range []teamstest.User{h.ian, h.bea} {
		if n := h.welcomes(h.chat(u)); n != 1 {
			t.Errorf("%s was welcomed %d times, want once", u.Name, n)
		}
	}
}
