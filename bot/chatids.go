package bot

import "regexp"

var (
	slackChannelID      = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)
	teamsConversationID = regexp.MustCompile(`^19:[^\s;/]+$`)
)

// IsSlackChannelID reports whether s looks like a Slack channel id (C… for
// a public channel, G… for a private one), as approval channels are given.
func IsSlackChannelID(s string) bool { return slackChannelID.MatchString(s) }

// IsTeamsConversationID reports whether s looks like a Teams channel or group
// chat id (19:…), as approval conversations are given.
func IsTeamsConversationID(s string) bool { return teamsConversationID.MatchString(s) }
