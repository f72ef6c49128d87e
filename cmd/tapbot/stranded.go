package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tapbot/tapbot/approvals"
	slackbot "github.com/tapbot/tapbot/bot/slack"
	teamsbot "github.com/tapbot/tapbot/bot/teams"
)

// platforms are the chat platforms the configuration serves.
func (c *Config) platforms() []string {
	var out []string
	if c.slackEnabled() {
		out = append(out, slackbot.Platform)
	}
	if c.teamsEnabled() {
		out = append(out, teamsbot.Platform)
	}
	return out
}

// platformSettings names what brings a chat platform back.
var platformSettings = map[string]string{
	slackbot.Platform: "the Slack settings (SLACK_BOT_TOKEN, SLACK_APPROVAL_CHANNEL, and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN)",
	teamsbot.Platform: "the Teams settings (TEAMS_APP_ID, TEAMS_APP_PASSWORD or TEAMS_APP_CERTIFICATE_PATH, TEAMS_APPROVAL_CONVERSATION)",
}

// reportStranded logs, at start, each unfinished request raised on a chat
// platform this tapbot does not serve: nobody can see its card or receive
// its pass, so it waits, untouched, until that platform is configured again.
func (a *App) reportStranded() {
	reqs, err := a.svc.Stranded()
	if err != nil {
		a.log.Error("stranded requests not checked", "err", err)
		return
	}
	for _, r := range reqs {
		a.log.Error("request stranded: raised on a chat platform tapbot is not configured for; configure it again and restart tapbot to finish it",
			"request", r.ID, "state", r.State, "platform", r.Requester.Platform, "requester", r.Requester.Key(), "target", r.Target.UPN)
	}
}

// checkStranded fails when the database holds unfinished requests raised
// on a chat platform the configuration leaves out.
func (d *doctorRun) checkStranded(store *approvals.Store) {
	reqs, err := store.Stranded(d.cfg.platforms()...)
	if err != nil {
		d.fail("stranded requests", "cannot list unfinished requests: "+plainError(err), "run tapbot audit verify; restore the database from a backup if it is damaged")
		return
	}
	if len(reqs) == 0 {
		d.pass("stranded requests", "none: every unfinished request comes from a configured chat platform")
		return
	}
	var ids, settings []string
	for _, r := range reqs {
		ids = append(ids, fmt.Sprintf("%s (%s, %s)", r.ID, r.Requester.Platform, r.State))
		if s, ok := platformSettings[r.Requester.Platform]; ok && !slices.Contains(settings, s) {
			settings = append(settings, s)
		}
	}
	if len(settings) == 0 {
		settings = []string{"the chat platform they came from"}
	}
	d.fail("stranded requests", fmt.Sprintf("%d unfinished request(s) came from a chat platform that is not configured, so nobody can approve them or receive their pass: %s", len(reqs), strings.Join(ids, ", ")),
		"configure "+strings.Join(settings, " and ")+" again and restart tapbot serve, which then finishes them (pending ones also expire by themselves)")
}
