// Package teamstest is a fake of the Microsoft services a Teams bot talks
// to, served over real HTTP on 127.0.0.1, for tests that drive tapbot's
// Teams front-end through the real msbotbuilder-go adapter:
//
//   - the Bot Connector service (POST /v3/conversations/{id}/activities,
//     PUT /v3/conversations/{id}/activities/{activityId}, POST
//     /v3/conversations to open a 1:1 chat), which records every activity
//     the bot sends and lets a test wait for them in order, and accepts
//     only the tokens the Entra fake (graphtest) issued to the bot, where
//     NewServer registers the bot's app (single- or multi-tenant, secret
//     or certificate; a managed identity is registered at graphtest);
//   - the Bot Framework OpenID metadata and JWKS documents, with a test
//     RSA signing key, and a minter of Bot Framework JWTs (valid, expired,
//     wrong audience, wrong issuer, wrong serviceurl, foreign signature)
//     that the bot's validator checks for real.
//
// It also acts as Teams towards the bot: Message, Mention, Click and the
// install helpers build the activities Teams posts to a bot's
// /api/messages, and Deliver signs and posts them. A Conversation does
// both for a test, which then reads like the chat it checks:
//
//	login := graphtest.NewServer() // the bot's authority host: login.AuthorityHost()
//	defer login.Close()
//	srv := teamstest.NewServer(appID, appPassword, login)
//	defer srv.Close()
//	alice := srv.AddUser(teamstest.User{Name: "Alice", Personal: true})
//	bob := srv.AddUser(teamstest.User{Name: "Bob"})
//	srv.AddChannel(approvals, "tap-approvals")
//	c := srv.Converse(t, func() string { return botURL + "/api/messages" }, logs.String)
//	c.Say(alice, "tap alice@contoso.com 2h")
//	card := c.Wait("approval card", teamstest.Sent(approvals, "Temporary Access Pass request"))
//	c.Press(bob, card, "approve")
//
// Submit fills a card's inputs in (Input.Text, Input.Number,
// Input.ChoiceSet, Input.Date, Input.Time, Input.Toggle) and presses an
// Action.Submit, also one on an Action.ShowCard's card: activity.value then
// holds the button's data and the input values by id, as strings, the way
// Teams sends them; Conversation.Submit delivers it. Every message from a
// user carries the client it came from (User's Locale, TimeZone,
// Platform) in its locale, localTimezone and localTimestamp and in a
// clientInfo entity, which Body writes out in full.
//
// Leak scans read what the fake recorded: Leaks, Activities and AllText.
//
// Nothing the fake records leaves the process. Recorded bodies never include
// the bearer token the bot sent.
package teamstest
