package teams

import (
	"fmt"
	"strings"
	"time"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// sandboxBanner opens every message when passes are fake.
const sandboxBanner = "🧪 **SANDBOX: passes are fake, no real tenant is touched.**\n\n"

// teamsHint tells where the commands of bot.Usage are typed in Teams.
const teamsHint = "In your chat with tapbot, type a command as shown below; in a channel or group chat, @mention tapbot first.\n\n"

func (b *Bot) banner() string {
	if b.cfg.Sandbox {
		return sandboxBanner
	}
	return ""
}

// md escapes user-supplied text for Teams markdown and Adaptive Cards.
func md(s string) string { return bot.EscapeMarkdown(s) }

// usage is the shared help text as Teams shows it: commands start with
// "tap" (there is no slash command), and every line is its own paragraph
// because Teams joins single line breaks.
func usage() string {
	return teamsHint + paragraphs(strings.ReplaceAll(bot.Usage, "/tap", "tap"))
}

// shortUsage is the shared one-line reminder in Teams' words.
func shortUsage() string { return strings.ReplaceAll(bot.ShortUsage, "/tap", "tap") }

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
	return b.banner() + "⛔ " + md(approvals.ErrorMessage(err))
}

// outcome is the answer to a command whose effect the cards show: the
// refusal, or ok.
func (b *Bot) outcome(err error, ok string) string {
	if err != nil {
		return b.errorText(err)
	}
	return b.banner() + md(ok)
}

// span writes a waiting time for people: "10m", "1h30m", or "45s".
func span(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds()))
	}
	return approvals.FormatMinutes(int(d.Round(time.Minute).Minutes()))
}

func stateWord(r *approvals.Request) string {
	if r.State == approvals.StatePending {
		return fmt.Sprintf("pending (%d of %d approvals)", len(r.Approvals), r.ApprovalsRequired)
	}
	return string(r.State)
}

func minutes(m int) time.Duration { return time.Duration(m) * time.Minute }
