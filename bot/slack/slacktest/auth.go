package slacktest

// authTest serves auth.test: who the bot token belongs to. Every answer
// also carries the granted scopes in the X-OAuth-Scopes header.
func (s *Server) authTest(apiRequest) (map[string]any, *apiError) {
	return map[string]any{
		"url":                   "https://" + TeamDomain + ".slack.com/",
		"team":                  TeamName,
		"user":                  BotName,
		"team_id":               TeamID,
		"user_id":               BotUserID,
		"bot_id":                BotID,
		"is_enterprise_install": false,
	}, nil
}
