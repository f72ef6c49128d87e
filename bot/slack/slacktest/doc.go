// Package slacktest is a fake of the Slack Web API, of Slack's response
// URLs and of Socket Mode, served over real HTTP on 127.0.0.1, for tests
// that drive tapbot through the real github.com/slack-go/slack client.
//
// The fake answers the methods tapbot calls with the shapes and error codes
// Slack documents, records every message the bot sends, and lets a test read
// them in order as they arrive, so a test reads like a conversation:
//
//	srv := slacktest.NewServer("xoxb-test")
//	defer srv.Close()
//	srv.AddUser(slacktest.User{ID: "U1", Name: "alice", Email: "alice@contoso.com"})
//	srv.AddChannel("C1", "tap-approvals", true)
//	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.APIURL()))
//	// ... the bot posts its card ...
//	card, err := srv.WaitFor(ctx, slacktest.IsKind(slacktest.KindPostMessage))
//	click, err := srv.Click("U2", card, "approve")
//
// It also acts as Slack towards the bot: SlashCommand, Click, SignRequest
// and the form helpers build the signed requests Slack posts to a bot's
// endpoints, and SendSlashCommand / SendInteraction push the same payloads
// over a Socket Mode connection and return the bot's acknowledgement.
//
// Nothing the fake records leaves the process. Recorded form fields never
// include the token the bot sent.
package slacktest
