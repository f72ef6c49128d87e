package teams

import (
	"fmt"
	"strings"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// teamsHint tells where the commands of bot.Usage are typed in Teams.
const teamsHint = "In your chat with tapbot, type a command as shown below; in a channel or group chat, @mention tapbot first.\n\n"

// banner opens every message when passes are fake.
func (b *Bot) banner() string {
	if b.cfg.Sandbox {
		return bot.SandboxNotice(b.style()) + "\n\n"
	}
	return ""
}

// md escapes user-supplied text for Teams markdown and Adaptive Cards.
func md(s string) string { return bot.EscapeMarkdown(s) }

// usage is the shared help text as Teams shows it: commands start with
// "tap" (there is no slash command), and every line is its own paragraph
// because Teams joins single line breaks.
func usage() string {
	return teamsHint + paragraphs(command(bot.Usage))
}

// command writes the /tap commands in s as they are typed in Teams, where
// there is no slash command.
func command(s string) string { return strings.ReplaceAll(s, "/tap", "tap") }

// paragraphs makes every line of s a paragraph of Teams markdown.
func paragraphs(s string) string { return strings.ReplaceAll(s, "\n", "\n\n") }

// when writes t in the configured zone, e.g. "Sat 1 Mar 14:05 UTC".
func (b *Bot) when(t time.Time) string { return t.In(b.cfg.Location).Format("Mon 2 Jan 15:04 MST") }

// nameOf is how a person is shown: their name, else their id.
func nameOf(p approvals.Principal) string {
	if p.Name != "" {
		return md(p.Name)
	}
	return md(p.ID)
}

// errorText is a refusal as Teams shows it.
func (b *Bot) errorText(err error) string {
	return b.banner() + bot.Refusal(err, b.style())
}

// span writes a waiting time for people: "10m", "1h30m", or "45s".
func span(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds()))
	}
	return approvals.FormatMinutes(int(d.Round(time.Minute).Minutes()))
}

func minutes(m int) time.Duration { return time.Duration(m) * time.Minute }
