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
// Modals and the Home tab work as in Slack. Slash commands, shortcuts and
// clicks hand out trigger ids that views.open and views.push spend once,
// within 3 seconds of the fake's clock (SetNow, ExpireTriggerID). The fake
// keeps every view it showed (View, OpenModal, Home) with its inputs, and
// plays the person in front of it: ViewSubmission fills a modal in and
// submits it, CloseView closes it, Shortcut and ClickView act from the
// shortcut menu and inside views, and AppHomeOpened opens the Home tab.
// PostInteraction and DeliverInteraction send those payloads to the bot
// over HTTP or Socket Mode and apply its answer, a response_action of
// errors, update, push or clear, the way Slack applies it:
//
//	form, _ := srv.OpenModal("U1") // the bot answered U1's /tap with views.open
//	in, err := srv.ViewSubmission("U1", form.ID, slacktest.Entries{"user": "bob@contoso.com"})
//	ans, err := srv.PostInteraction(ctx, botURL+"/slack/interactions", signingSecret, in)
//	// ans.ResponseAction == "errors": srv.View(form.ID) shows ans.Errors
//
// Nothing the fake records leaves the process. Recorded form fields never
// include the token the bot sent.
package slacktest
