package main

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"
)

// restartOnSameDB stops e's tapbot and starts a new one on the same
// database and fakes, with e's environment changed by vars ("" deletes a
// variable), as an operator who edits the configuration and restarts does.
func (e *env) restartOnSameDB(vars map[string]string) {
	e.t.Helper()
	e.stopOnce()
	env := maps.Clone(e.vars)
	for k, v := range vars {
		if v == "" {
			delete(env, k)
			continue
		}
		env[k] = v
	}
	e.vars = env
	e.startApp(Deps{HTTPClient: e.graph.Client(), Now: e.clock.Now, Stdout: e.stdout})
	e.waitReady()
}

// waitLog waits until one line of the logs contains every part.
func (e *env) waitLog(what string, parts ...string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for !e.logLine(parts...) {
		select {
		case <-ctx.Done():
			e.t.Fatalf("waiting for %s: no log line with %q\nlogs:\n%s", what, parts, e.logs.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// withoutTeams removes the Teams settings of startTeamsEnv.
var withoutTeams = map[string]string{
	"TEAMS_APP_ID": "", "TEAMS_APP_PASSWORD": "", "TEAMS_APP_TENANT_ID": "", "TEAMS_APPROVAL_CONVERSATION": "",
	"TEAMS_OPENID_METADATA_URL": "", "TEAMS_AUTHORITY_HOST": "",
}

func TestRequestFromAPlatformNoLongerConfiguredIsReportedAndDoesNotStopTapbot(t *testing.T) {
	te := startTeamsEnv(t, nil)
	te.says(te.rita, "tap alice@contoso.com 1h stranded")
	id := teamsRequestID(t, te.teamsCard())

	te.restartOnSameDB(withoutTeams)
	if !te.logLine("level=ERROR", "request stranded", "request="+id, "platform=teams", "state=pending") {
		t.Fatalf("the start-up log does not name stranded request %s:\n%s", id, te.logs.String())
	}
	te.stopOnce()
	code, out := runDoctor(t, te.env, nil)
	for _, want := range []string{"✗ stranded requests: 1 unfinished request(s)", id + " (teams, pending)", "fix: configure the Teams settings"} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("doctor exit %d, want 1 and a line with %q:\n%s", code, want, out)
		}
	}

	te.restartOnSameDB(nil)
	te.clock.Advance(31 * time.Minute)
	te.waitLog("the sweeper to expire the stranded request", "request expired", "request="+id)
	te.waitLog("the sweeper to report it", "request stranded", "request="+id, "state=expired")
	te.command(requester, "alice@contoso.com 1h still serving") // the process is alive and serves Slack
	te.card()
	te.stopOnce()
	if _, out := runDoctor(t, te.env, nil); !strings.Contains(out, "✓ stranded requests: none") {
		t.Fatalf("an expired request is still reported as stranded:\n%s", out)
	}
}
