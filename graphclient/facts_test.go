package graphclient_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

func facts(t *testing.T, e *env, userID string, since time.Time) approvals.TargetFacts {
	t.Helper()
	f, err := e.c.TargetFacts(context.Background(), userID, since)
	if err != nil {
		t.Fatalf("TargetFacts: %v", err)
	}
	return f
}

func TestTargetFactsReadPhonesManagerRiskAndRecentMethods(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC().Truncate(time.Second)
	e.s.SetRisk(aliceID, graphtest.Risk{Level: "high", State: "atRisk", Detail: "adminConfirmedSigninCompromised"})
	e.s.AddMethod(aliceID, graphtest.Method{Type: graphtest.MethodFIDO2, DisplayName: "Red key", Created: now.Add(-48 * time.Hour)})
	e.s.AddMethod(aliceID, graphtest.Method{Type: graphtest.MethodWindowsHello, DisplayName: "ALICE-PC", Created: now.Add(-2 * time.Hour)})
	e.s.AddMethod(aliceID, graphtest.Method{Type: graphtest.MethodPhone, PhoneNumber: "+1 4255550199"}) // no creation time in Graph
	since := now.AddDate(0, 0, -30)                                                                     // the demo's Authenticator is 7 months old

	got := facts(t, e, aliceID, since)
	want := approvals.TargetFacts{
		BusinessPhones: []string{"+1 425 555 0110"}, MobilePhone: "+1 425 555 0111", Phones: approvals.Checked{OK: true},
		Manager:     &approvals.Person{ID: carolID, UPN: "carol@contoso.com", DisplayName: "Carol Chen", Mail: "carol@contoso.com"},
		ManagerRead: approvals.Checked{OK: true},
		Risk:        approvals.Risk{Checked: approvals.Checked{OK: true}, Level: "high", State: "atRisk", Detail: "adminConfirmedSigninCompromised"},
		Methods: approvals.Methods{Checked: approvals.Checked{OK: true}, Since: since, Recent: []approvals.Method{
			{Type: "windowsHelloForBusinessAuthenticationMethod", Name: "Windows Hello for Business", Detail: "ALICE-PC", Created: now.Add(-2 * time.Hour)},
			{Type: "fido2AuthenticationMethod", Name: "FIDO2 security key", Detail: "Red key", Created: now.Add(-48 * time.Hour)},
		}},
	}
	if !slices.Equal(got.BusinessPhones, want.BusinessPhones) || got.MobilePhone != want.MobilePhone || got.Phones != want.Phones {
		t.Errorf("phones = %v %q %+v, want %v %q", got.BusinessPhones, got.MobilePhone, got.Phones, want.BusinessPhones, want.MobilePhone)
	}
	if got.Manager == nil || *got.Manager != *want.Manager || got.ManagerRead != want.ManagerRead {
		t.Errorf("manager = %+v %+v, want %+v", got.Manager, got.ManagerRead, want.Manager)
	}
	if got.Risk != want.Risk {
		t.Errorf("risk = %+v, want %+v", got.Risk, want.Risk)
	}
	if got.Methods.Checked != want.Methods.Checked || !got.Methods.Since.Equal(since) || !slices.EqualFunc(got.Methods.Recent, want.Methods.Recent, sameMethod) {
		t.Errorf("methods = %+v\nwant %+v", got.Methods, want.Methods)
	}
	selects := map[string]string{"/v1.0/users/" + aliceID: "businessPhones,mobilePhone", "/v1.0/users/" + aliceID + "/manager": "id,displayName,userPrincipalName,mail"}
	for _, r := range e.s.Requests() {
		q, _ := url.ParseQuery(r.Query)
		if want, ok := selects[r.Path]; ok && q.Get("$select") != want {
			t.Errorf("GET %s selects %q, want %q", r.Path, q.Get("$select"), want)
		}
	}
}

func sameMethod(a, b approvals.Method) bool {
	return a.Type == b.Type && a.Name == b.Name && a.Detail == b.Detail && a.Created.Equal(b.Created)
}

func TestTargetFactsOfAnUnflaggedUserWithoutAManagerAreCheckedNone(t *testing.T) {
	e := newEnv(t)
	got := facts(t, e, danID, time.Time{})
	if got.Manager != nil || !got.ManagerRead.OK {
		t.Errorf("dan's manager = %+v %+v, want none, checked", got.Manager, got.ManagerRead)
	}
	if want := (approvals.Risk{Checked: approvals.Checked{OK: true}, Level: "none", State: "none"}); got.Risk != want {
		t.Errorf("risk of a user ID Protection never flagged = %+v, want %+v", got.Risk, want)
	}
	if !got.Methods.OK || len(got.Methods.Recent) != 0 {
		t.Errorf("dan, with a password only (undated), has recent methods %+v", got.Methods)
	}
}

func TestRecentMethodsIncludeAPassCreatedSinceTheLookback(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	for _, tc := range []struct {
		name  string
		since time.Time
		want  []string
	}{
		{"a day back sees carol's pass of an hour ago", now.Add(-24 * time.Hour), []string{"Temporary Access Pass"}},
		{"two years back sees her Authenticator too", now.AddDate(-2, 0, 0), []string{"Temporary Access Pass", "Microsoft Authenticator"}},
		{"from now on sees none", now.Add(time.Minute), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var names []string
			for _, m := range facts(t, e, carolID, tc.since).Methods.Recent {
				names = append(names, m.Name)
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("recent methods %v, want %v (newest first)", names, tc.want)
			}
		})
	}
}

func TestTargetFactsGraphRefusesAreNotCheckedAndSayWhy(t *testing.T) {
	all := append(graphtest.DefaultRoles(), graphtest.VerificationRoles()...)
	without := func(perm string) func(*env) {
		return func(e *env) {
			e.s.SetRoles(slices.DeleteFunc(slices.Clone(all), func(r string) bool { return r == perm })...)
		}
	}
	for _, tc := range []struct {
		name  string
		setup func(*env)
		// the Why of each part, "" for read
		phones, manager, risk, methods string
	}{
		{"no User.Read.All", without("User.Read.All"), "needs User.Read.All", "needs User.Read.All", "", ""},
		{"no IdentityRiskyUser.Read.All", without("IdentityRiskyUser.Read.All"), "", "", "needs IdentityRiskyUser.Read.All", ""},
		{"no UserAuthenticationMethod.Read.All", without("UserAuthenticationMethod.Read.All"), "", "", "", "needs UserAuthenticationMethod.Read.All"},
		{"no Entra ID P2", func(e *env) { e.s.SetPremiumLicense(false) }, "", "", "needs Microsoft Entra ID P2 (ID Protection)", ""},
		{"risk unanswered", func(e *env) {
			e.s.Fail("identityProtection", "", http.StatusServiceUnavailable, "serviceNotAvailable", 100)
		},
			"", "", "Microsoft Graph did not answer", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.s.SetRisk(aliceID, graphtest.Risk{Level: "high", State: "atRisk"})
			tc.setup(e)
			got := facts(t, e, aliceID, time.Time{})
			for _, part := range []struct {
				name string
				got  approvals.Checked
				want string
			}{{"phones", got.Phones, tc.phones}, {"manager", got.ManagerRead, tc.manager}, {"risk", got.Risk.Checked, tc.risk}, {"methods", got.Methods.Checked, tc.methods}} {
				if want := (approvals.Checked{OK: part.want == "", Why: part.want}); part.got != want {
					t.Errorf("%s = %+v, want %+v", part.name, part.got, want)
				}
			}
			if !got.Risk.OK && (got.Risk.Level != "" || got.Risk.State != "") {
				t.Errorf("unchecked risk shows level %q state %q; it must not look like a reading", got.Risk.Level, got.Risk.State)
			}
			if !got.Phones.OK && (len(got.BusinessPhones) > 0 || got.MobilePhone != "") {
				t.Errorf("unchecked phones show numbers %v %q", got.BusinessPhones, got.MobilePhone)
			}
		})
	}
}

func TestTargetFactsFailOnlyWhenNoPartCanBeRead(t *testing.T) {
	e := newEnv(t)
	e.s.Fail("/v1.0/", "", http.StatusServiceUnavailable, "serviceNotAvailable", 1000)
	_, err := e.c.TargetFacts(context.Background(), aliceID, time.Time{})
	wantError(t, err, approvals.EUNAVAILABLE, "Microsoft Graph is not answering")
}

func TestTargetFactsOfAnUnknownUserIsNotFound(t *testing.T) {
	e := newEnv(t)
	_, err := e.c.TargetFacts(context.Background(), "0b3a5f2e-1c4d-4e6f-8a9b-00000000dead", time.Time{})
	wantError(t, err, approvals.ENOTFOUND, "0b3a5f2e-1c4d-4e6f-8a9b-00000000dead")
}

func TestTargetFactsNeedAnObjectIDSoRiskCannotMissTheUser(t *testing.T) {
	e := newEnv(t)
	_, err := e.c.TargetFacts(context.Background(), "alice@contoso.com", time.Time{})
	wantError(t, err, approvals.EINVALID, "object id")
	if n := len(e.s.Requests()); n != 0 {
		t.Errorf("%d Graph calls for a UPN", n)
	}
}

func TestTargetFactsReadTheirFourPartsAtOnce(t *testing.T) {
	e := newEnv(t)
	mustPolicy(t, e.c) // gets the token, which the gate does not hold
	gate := e.s.Hold()
	done := make(chan error, 1)
	go func() {
		_, err := e.c.TargetFacts(context.Background(), aliceID, time.Time{})
		done <- err
	}()
	got := arrivals(t, gate, 4) // all held at once: none waits for another
	want := []string{"/v1.0/identityProtection/riskyUsers/" + aliceID, "/v1.0/users/" + aliceID,
		"/v1.0/users/" + aliceID + "/authentication/methods", "/v1.0/users/" + aliceID + "/manager"}
	if !slices.Equal(got, want) {
		t.Errorf("calls in flight %v, want %v", got, want)
	}
	gate.Release()
	if err := <-done; err != nil {
		t.Errorf("TargetFacts: %v", err)
	}
}
