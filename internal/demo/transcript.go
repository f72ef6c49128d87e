package demo

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
)

// This file prints the demo's transcript: who said what, and each message
// of the bot as Slack would show it, turned into plain terminal text.

const transcriptWidth = 78

// intro says what runs where before the conversation starts.
func (w *demoWorld) intro() {
	db := w.dbPath + " (removed at the end)"
	if w.keepDB {
		db = w.dbPath + " (kept)"
	}
	fmt.Fprintf(w.out, `tapbot demo: the whole /tap flow on this machine, with no Slack and no Entra.
  Slack    a fake workspace at %s: channels #helpdesk and #tap-approvals
  Entra    two customer tenants of an MSP, in the sandbox at %s:
             contoso (contoso.com) and fabrikam (fabrikam.com), each its own
             directory of demo users; every pass FAKE
  tapbot   the real server in MSP mode at %s, database %s
  People   %s may request and approve; %s may approve;
           %s approves fabrikam's requests only. One approval per pass.
Every message below is what Slack would show. Every pass is FAKE.
`, w.slack.URL, w.app.Sandbox().URL, w.base, db, demoRita.label, demoSam.label, demoFay.label)
}

// heading starts a section of the transcript.
func (w *demoWorld) heading(title string) {
	line := "── " + title + " "
	if pad := transcriptWidth - len([]rune(line)); pad > 0 {
		line += strings.Repeat("─", pad)
	}
	fmt.Fprintf(w.out, "\n%s\n", line)
	w.wait()
}

// narrate adds the narrator's remark.
func (w *demoWorld) narrate(s string) {
	fmt.Fprintf(w.out, "  » %s\n", s)
	w.wait()
}

// says prints who says something, and what, indented under them.
func (w *demoWorld) says(who, what string) {
	fmt.Fprintln(w.out, who)
	for _, line := range strings.Split(what, "\n") {
		fmt.Fprintf(w.out, "  │ %s\n", line)
	}
	w.wait()
}

// show prints a message the bot made Slack show, headed by where it went
// and who can see it.
func (w *demoWorld) show(m slacktest.Message) error {
	body, err := w.text.message(m)
	if err != nil {
		return fmt.Errorf("render the bot's %s message: %w", m.Kind, err)
	}
	w.says(w.where(m), body)
	if m.Kind == slacktest.KindPostEphemeral && containsText(m, "```") {
		w.narrate("That pass is FAKE: the sandbox made it up and it opens nothing. Shown unmasked, as Rita would see it.")
	}
	return nil
}

// where says where m went and who sees it.
func (w *demoWorld) where(m slacktest.Message) string {
	switch m.Kind {
	case slacktest.KindPostMessage:
		if p, ok := w.dmOwner(m.Channel); ok {
			return fmt.Sprintf("tapbot → %s, direct message:", p.name)
		}
		return fmt.Sprintf("tapbot in #%s:", w.text.channelName(m.Channel))
	case slacktest.KindPostEphemeral:
		name := w.text.userName(m.User)
		return fmt.Sprintf("tapbot → %s, in their DM (only %s sees this; Slack does not keep it):", name, name)
	case slacktest.KindUpdate:
		return fmt.Sprintf("tapbot updates its card in #%s:", w.text.channelName(m.Channel))
	case slacktest.KindResponseURL:
		if p, ok := w.viewers[m.ResponseURL]; ok {
			return fmt.Sprintf("tapbot → %s (only %s sees this):", p.name, p.name)
		}
	}
	return fmt.Sprintf("tapbot (%s):", m.Kind)
}

// dmOwner returns the technician whose DM with the bot is channel.
func (w *demoWorld) dmOwner(channel string) (demoPerson, bool) {
	for _, p := range demoPeople {
		if dm, ok := w.slack.IMChannel(p.id); ok && dm == channel {
			return p, true
		}
	}
	return demoPerson{}, false
}

// wait paces the transcript under --slow.
func (w *demoWorld) wait() {
	if w.pause > 0 {
		time.Sleep(w.pause)
	}
}

// containsText reports whether m's text or blocks contain s.
func containsText(m slacktest.Message, s string) bool {
	return strings.Contains(m.Text, s) || strings.Contains(string(m.Blocks), s)
}

// slackText turns Slack messages into plain text for a terminal.
type slackText struct {
	users    map[string]string // user id → name a mention shows
	channels map[string]string // channel id → name
}

func (t slackText) userName(id string) string {
	if n, ok := t.users[id]; ok {
		return n
	}
	return id
}

func (t slackText) channelName(id string) string {
	if n, ok := t.channels[id]; ok {
		return n
	}
	return id
}

// message renders m's blocks, or its text when it has none. It returns an
// error when the blocks are not Block Kit.
func (t slackText) message(m slacktest.Message) (string, error) {
	if len(m.Blocks) == 0 {
		return t.mrkdwn(m.Text), nil
	}
	blocks, err := m.BlockSet()
	if err != nil {
		return "", err
	}
	var lines []string
	for _, b := range blocks {
		lines = append(lines, t.block(b)...)
	}
	return strings.Join(lines, "\n"), nil
}

// block renders the blocks tapbot uses; buttons look like [ Approve ].
func (t slackText) block(b slack.Block) []string {
	switch b := b.(type) {
	case *slack.SectionBlock:
		var out []string
		if b.Text != nil {
			out = append(out, t.mrkdwn(b.Text.Text))
		}
		return append(out, t.fields(b.Fields)...)
	case *slack.ContextBlock:
		var parts []string
		for _, el := range b.ContextElements.Elements {
			if txt, ok := el.(*slack.TextBlockObject); ok {
				parts = append(parts, t.mrkdwn(txt.Text))
			}
		}
		return []string{strings.Join(parts, " ")}
	case *slack.ActionBlock:
		var buttons []string
		for _, el := range b.Elements.ElementSet {
			if btn, ok := el.(*slack.ButtonBlockElement); ok && btn.Text != nil {
				buttons = append(buttons, "[ "+btn.Text.Text+" ]")
			}
		}
		return []string{strings.Join(buttons, "  ")}
	case *slack.HeaderBlock:
		return []string{strings.ToUpper(b.Text.Text)}
	case *slack.DividerBlock:
		return []string{strings.Repeat("─", 20)}
	}
	return nil
}

// fields renders a section's "*Label*\nvalue" fields three to a line.
func (t slackText) fields(fs []*slack.TextBlockObject) []string {
	var lines, row []string
	for i, f := range fs {
		row = append(row, strings.Replace(t.mrkdwn(f.Text), "\n", ": ", 1))
		if len(row) == 3 || i == len(fs)-1 {
			lines = append(lines, strings.Join(row, "   "))
			row = nil
		}
	}
	return lines
}

var (
	mrkdwnDate    = regexp.MustCompile(`<!date\^(\d+)\^[^|>]*\|([^>]*)>`)
	mrkdwnUser    = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^>]*)?>`)
	mrkdwnChannel = regexp.MustCompile(`<#([CG][A-Z0-9]+)(?:\|[^>]*)?>`)
	mrkdwnLink    = regexp.MustCompile(`<(https?://[^|>]+)\|([^>]+)>`)
	mrkdwnCode    = regexp.MustCompile("(?s)```(.*?)```")
	mrkdwnBold    = regexp.MustCompile(`\*([^*\n]+)\*`)
	mrkdwnItalic  = regexp.MustCompile(`(^|\s)_([^_\n]+)_`)
	mrkdwnEmoji   = regexp.MustCompile(`:[a-z0-9_+-]+:`)
	mrkdwnEntity  = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// emoji are the Slack emoji codes tapbot's messages use.
var emoji = map[string]string{
	":key:": "🔑", ":test_tube:": "🧪", ":hourglass_flowing_sand:": "⏳", ":white_check_mark:": "✅",
	":x:": "❌", ":warning:": "⚠️", ":no_entry:": "⛔", ":no_entry_sign:": "🚫", ":inbox_tray:": "📥",
	":wastebasket:": "🗑", ":alarm_clock:": "⏰", ":leftwards_arrow_with_hook:": "↩",
}

// mrkdwn turns Slack mrkdwn into plain text: mentions become names, dates
// the local time, code blocks an indented line shown exactly, emoji codes
// emoji.
func (t slackText) mrkdwn(s string) string {
	var out strings.Builder
	last := 0
	for _, loc := range mrkdwnCode.FindAllStringSubmatchIndex(s, -1) {
		out.WriteString(t.prose(s[last:loc[0]]))
		out.WriteString("    " + mrkdwnEntity.Replace(s[loc[2]:loc[3]]))
		last = loc[1]
	}
	out.WriteString(t.prose(s[last:]))
	return out.String()
}

// prose renders mrkdwn outside code blocks.
func (t slackText) prose(s string) string {
	s = mrkdwnDate.ReplaceAllStringFunc(s, func(m string) string {
		sub := mrkdwnDate.FindStringSubmatch(m)
		sec, err := strconv.ParseInt(sub[1], 10, 64)
		if err != nil {
			return sub[2]
		}
		return time.Unix(sec, 0).Format("15:04")
	})
	s = mrkdwnUser.ReplaceAllStringFunc(s, func(m string) string { return "@" + t.userName(mrkdwnUser.FindStringSubmatch(m)[1]) })
	s = mrkdwnChannel.ReplaceAllStringFunc(s, func(m string) string { return "#" + t.channelName(mrkdwnChannel.FindStringSubmatch(m)[1]) })
	s = mrkdwnLink.ReplaceAllString(s, "$2 ($1)")
	s = mrkdwnBold.ReplaceAllString(s, "$1")
	s = mrkdwnItalic.ReplaceAllString(s, "$1$2")
	s = mrkdwnEmoji.ReplaceAllStringFunc(s, func(code string) string {
		if e, ok := emoji[code]; ok {
			return e
		}
		return code
	})
	return mrkdwnEntity.Replace(s)
}
