package main

import (
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
