package slack

import "strings"

// approverMention names a configured approver or approver group by its key
// as Slack mentions it: "slack:U0123" as <@U0123>, "slack-group:S0123" as
// <!subteam^S0123>. Keys of other platforms and Entra groups get "", so
// lists count them instead. tapbot writes these only in ephemeral answers
// to the one who asked, which notify nobody they mention.
func approverMention(key string) string {
	if id, ok := strings.CutPrefix(key, Platform+":"); ok && id != "" {
		return "<@" + id + ">"
	}
	if id, ok := strings.CutPrefix(key, "slack-group:"); ok && id != "" {
		return "<!subteam^" + id + ">"
	}
	return ""
}
