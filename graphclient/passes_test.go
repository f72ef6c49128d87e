package graphclient_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

func TestTAPPolicyReadsTheTenantsSettings(t *testing.T) {
	e := newEnv(t)
	e.s.SetPolicy(graphtest.Policy{State: "disabled", DefaultLifetime: 120, Min: 30, Max: 720, DefaultLength: 12, IsUsableOnce: true})
	got, err := e.c.TAPPolicy(context.Background())
	if err != nil {
		t.Fatalf("TAPPolicy: %v", err)
	}
	want := approvals.TAPPolicy{Enabled: false, DefaultLifetime: 120, MinLifetime: 30, MaxLifetime: 720, DefaultLength: 12, UsableOnce: true}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestCreatePassReturnsTheSecretGraphIssued(t *testing.T) {
	future := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	for _, tc := range []struct {
		name         string
		user         string
		params       approvals.PassParams
		wantLifetime int
		wantOnce     bool
		wantStart    time.Time
	}{
		{"multi-use for two hours", aliceID, approvals.PassParams{LifetimeMinutes: 120}, 120, false, time.Time{}},
		{"one-time", aliceID, approvals.PassParams{LifetimeMinutes: 60, UsableOnce: true}, 60, true, time.Time{}},
		{"zero lifetime takes the policy default", aliceID, approvals.PassParams{}, 60, false, time.Time{}},
		{"starting later", aliceID, approvals.PassParams{LifetimeMinutes: 60, Start: future}, 60, false, future},
		{"by UPN", "alice@contoso.com", approvals.PassParams{LifetimeMinutes: 90}, 90, false, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			pass, err := e.c.CreatePass(context.Background(), tc.user, tc.params)
			if err != nil {
				t.Fatalf("CreatePass: %v", err)
			}
			issued := e.s.Issued()
			if len(issued) != 1 {
				t.Fatalf("Graph issued %d passes, want 1", len(issued))
			}
			if pass.Secret.Reveal() != issued[0].Secret || pass.MethodID != issued[0].MethodID {
				t.Errorf("pass %s does not match the one Graph issued (%s)", pass.MethodID, issued[0].MethodID)
			}
			if pass.LifetimeMinutes != tc.wantLifetime || pass.UsableOnce != tc.wantOnce {
				t.Errorf("lifetime %d once %v, want %d %v", pass.LifetimeMinutes, pass.UsableOnce, tc.wantLifetime, tc.wantOnce)
			}
			if !tc.wantStart.IsZero() && !pass.Start.Equal(tc.wantStart) {
				t.Errorf("start %s, want %s", pass.Start, tc.wantStart)
			}
			if printed := fmt.Sprintf("%v %+v %#v", pass, pass, pass); strings.Contains(printed, issued[0].Secret) {
				t.Errorf("printing the pass shows its secret: %s", printed)
			}
		})
	}
}

func TestCreatePassReplacesTheUsersExistingPass(t *testing.T) {
	e := newEnv(t)
	old := e.s.Passes(carolID)[0]
	pass, err := e.c.CreatePass(context.Background(), carolID, approvals.PassParams{LifetimeMinutes: 60})
	if err != nil {
		t.Fatalf("CreatePass: %v", err)
	}
	now := e.s.Passes(carolID)
	if len(now) != 1 || now[0].MethodID != pass.MethodID || now[0].MethodID == old.MethodID {
		t.Errorf("carol's passes = %+v, want only the new %s", now, pass.MethodID)
	}
}

func TestCreatePassRefusedByPolicyExplainsTheRule(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy graphtest.Policy
		params approvals.PassParams
		parts  []string
	}{
		{"lifetime above the tenant maximum", graphtest.Policy{}, approvals.PassParams{LifetimeMinutes: 600},
			[]string{"600 minutes (10h)", "60 minutes (1h) to 480 minutes (8h)"}},
		{"lifetime below the tenant minimum", graphtest.Policy{Min: 90}, approvals.PassParams{LifetimeMinutes: 60},
			[]string{"90 minutes (1h30m) to 480 minutes (8h)"}},
		{"tenant forces one-time passes", graphtest.Policy{IsUsableOnce: true}, approvals.PassParams{LifetimeMinutes: 60},
			[]string{"only one-time passes"}},
		{"passes turned off", graphtest.Policy{State: "disabled"}, approvals.PassParams{LifetimeMinutes: 60},
			[]string{"turned off", "Entra ID → Authentication methods → Policies → Temporary Access Pass → Enable"}},
		{"user not targeted by the policy", graphtest.Policy{IncludeGroups: []string{graphtest.DemoGroupITAdmins}}, approvals.PassParams{LifetimeMinutes: 60},
			[]string{"does not include " + aliceID, "Temporary Access Pass → Enable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.s.SetPolicy(tc.policy)
			_, err := e.c.CreatePass(context.Background(), aliceID, tc.params)
			wantError(t, err, approvals.EINVALID, tc.parts...)
			if n := len(e.s.Issued()); n != 0 {
				t.Errorf("%d passes issued despite the refusal", n)
			}
		})
	}
}

func TestCreatePassForUnknownUserIsNotFound(t *testing.T) {
	e := newEnv(t)
	_, err := e.c.CreatePass(context.Background(), "nobody@contoso.com", approvals.PassParams{LifetimeMinutes: 60})
	wantError(t, err, approvals.ENOTFOUND, "No user nobody@contoso.com")
}

func TestListPassesDescribesPassesWithoutSecrets(t *testing.T) {
	e := newEnv(t)
	pass, err := e.c.CreatePass(context.Background(), aliceID, approvals.PassParams{LifetimeMinutes: 120, UsableOnce: true})
	if err != nil {
		t.Fatalf("CreatePass: %v", err)
	}
	infos, err := e.c.ListPasses(context.Background(), aliceID)
	if err != nil {
		t.Fatalf("ListPasses: %v", err)
	}
	if len(infos) != 1 {
		t.Fatalf("listed %d passes, want 1", len(infos))
	}
	got := infos[0]
	if got.MethodID != pass.MethodID || got.LifetimeMinutes != 120 || !got.UsableOnce || !got.Usable || got.Reason != "EnabledByPolicy" {
		t.Errorf("listed %+v", got)
	}
	if got.Created.IsZero() || !got.Start.Equal(pass.Start) {
		t.Errorf("created %s start %s, want set and %s", got.Created, got.Start, pass.Start)
	}
	if strings.Contains(fmt.Sprintf("%+v", infos), pass.Secret.Reveal()) {
		t.Error("listed passes contain the secret")
	}
}

func TestListPassesShowsExpiry(t *testing.T) {
	e := newEnv(t)
	e.s.SetNow(func() time.Time { return time.Now().Add(24 * time.Hour) })
	infos, err := e.c.ListPasses(context.Background(), carolID)
	if err != nil {
		t.Fatalf("ListPasses: %v", err)
	}
	if len(infos) != 1 || infos[0].Usable || infos[0].Reason != "Expired" {
		t.Errorf("carol's passes a day later = %+v, want one Expired", infos)
	}
}

func TestDeletePassRemovesItAndToleratesItsAbsence(t *testing.T) {
	e := newEnv(t)
	methodID := e.s.Passes(carolID)[0].MethodID
	for _, tc := range []struct{ name, user, method string }{
		{"existing pass", carolID, methodID},
		{"already deleted", carolID, methodID},
		{"unknown user", "nobody@contoso.com", methodID},
	} {
		if err := e.c.DeletePass(context.Background(), tc.user, tc.method); err != nil {
			t.Errorf("%s: DeletePass: %v", tc.name, err)
		}
	}
	if got := e.s.Deleted(); len(got) != 1 || got[0] != methodID {
		t.Errorf("deleted %v, want [%s]", got, methodID)
	}
	if len(e.s.Passes(carolID)) != 0 {
		t.Error("carol still has a pass")
	}
}

func TestCreateWhoseAnswerIsLostDeletesThePassItMade(t *testing.T) {
	for _, tc := range []struct {
		name   string
		skew   time.Duration // Graph's clock minus tapbot's
		inject func(s *graphtest.Server)
	}{
		{"answer dropped", 0, func(s *graphtest.Server) { s.DropAnswer("temporaryAccessPassMethods", "POST", 1) }},
		{"answer dropped, Graph's clock an hour behind", -time.Hour, func(s *graphtest.Server) { s.DropAnswer("temporaryAccessPassMethods", "POST", 1) }},
		{"answer dropped, Graph's clock an hour ahead", time.Hour, func(s *graphtest.Server) { s.DropAnswer("temporaryAccessPassMethods", "POST", 1) }},
		{"every retry fails after creating", 0, func(s *graphtest.Server) {
			s.FailAfter("temporaryAccessPassMethods", "POST", 500, "generalException", 10)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.s.SetNow(func() time.Time { return time.Now().Add(tc.skew) })
			tc.inject(e.s)
			_, err := e.c.CreatePass(context.Background(), aliceID, approvals.PassParams{LifetimeMinutes: 60})
			wantError(t, err, approvals.EUNAVAILABLE, "A pass had been created all the same", "tapbot deleted it again")
			issued := e.s.Issued()
			if len(issued) == 0 || len(e.s.Passes(aliceID)) != 0 {
				t.Fatalf("issued %d, live %d: the pass nobody received must be gone", len(issued), len(e.s.Passes(aliceID)))
			}
			if d := e.s.Deleted(); len(d) != 1 || d[0] != issued[len(issued)-1].MethodID {
				t.Errorf("deleted %v, want the last pass issued", d)
			}
			if errors.Is(err, approvals.ErrPassMayBeLive) {
				t.Error("a pass that was deleted is reported as maybe live")
			}
		})
	}
}

func TestCreateRetriedAfterALateFailureReturnsTheLivePass(t *testing.T) {
	e := newEnv(t)
	e.s.FailAfter("temporaryAccessPassMethods", "POST", 500, "generalException", 1)
	pass, err := e.c.CreatePass(context.Background(), aliceID, approvals.PassParams{LifetimeMinutes: 60})
	if err != nil {
		t.Fatalf("CreatePass: %v", err)
	}
	live := e.s.Passes(aliceID)
	if len(e.s.Issued()) != 2 || len(live) != 1 || live[0].MethodID != pass.MethodID || live[0].Secret != pass.Secret.Reveal() {
		t.Fatalf("issued %d, live %+v: the retry's pass must be the one returned and the only one live", len(e.s.Issued()), live)
	}
}

func TestCreateThatFailedBeforeTheWorkLeavesEarlierPassesAlone(t *testing.T) {
	e := newEnv(t)
	before := e.s.Passes(carolID)
	e.s.Fail("temporaryAccessPassMethods", "POST", 503, "serviceNotAvailable", 10)
	_, err := e.c.CreatePass(context.Background(), carolID, approvals.PassParams{LifetimeMinutes: 60})
	wantError(t, err, approvals.EUNAVAILABLE, "tapbot checked: no new pass was created.")
	if after := e.s.Passes(carolID); len(after) != 1 || after[0].MethodID != before[0].MethodID || len(e.s.Deleted()) != 0 {
		t.Errorf("carol's earlier pass was touched: before %v, after %v, deleted %v", before, after, e.s.Deleted())
	}
}

func TestCreateRefusedOutrightLooksForNoPass(t *testing.T) {
	e := newEnv(t)
	_, err := e.c.CreatePass(context.Background(), aliceID, approvals.PassParams{LifetimeMinutes: 5000})
	wantError(t, err, approvals.EINVALID, "cannot last")
	if n := callsTo(e.s, "GET", "temporaryAccessPassMethods"); n != 0 {
		t.Errorf("%d pass listings after a refusal that created nothing", n)
	}
}

func TestLostCreateThatCannotBeUndoneIsMarkedMaybeLive(t *testing.T) {
	e := newEnv(t)
	e.s.DropAnswer("temporaryAccessPassMethods", "POST", 1)
	e.s.Fail("temporaryAccessPassMethods", "DELETE", 403, "Authorization_RequestDenied", 10)
	_, err := e.c.CreatePass(context.Background(), aliceID, approvals.PassParams{LifetimeMinutes: 60})
	wantError(t, err, approvals.EUNAVAILABLE, "could not make sure it is gone", "delete it in the Entra admin center → Entra ID → Users → "+aliceID)
	if !errors.Is(err, approvals.ErrPassMayBeLive) {
		t.Errorf("error does not wrap ErrPassMayBeLive: %v", err)
	}
}
