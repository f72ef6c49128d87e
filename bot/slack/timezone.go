package slack

import (
	"context"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// A technician's time zone is what their Slack profile says (users.info
// tz), so that "at 08:00" is their 08:00. It is remembered per user for
// zoneTTL: people rarely move, and a move shows within a few hours. At most
// maxZones users are remembered, so the memory stays bounded.
const (
	zoneTTL  = 3 * time.Hour
	maxZones = 4096
)

// zoneCache remembers users' time zones. The zero value is ready.
type zoneCache struct {
	mu      sync.Mutex
	entries map[string]zoneEntry
}

type zoneEntry struct {
	loc     *time.Location
	expires time.Time
}

// get returns user's remembered zone, if it has not expired by now.
func (c *zoneCache) get(user string, now time.Time) (*time.Location, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[user]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	return e.loc, true
}

// put remembers user's zone until now+zoneTTL. When full, it first forgets
// the expired entries, then the one that expires soonest.
func (c *zoneCache) put(user string, loc *time.Location, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]zoneEntry{}
	}
	if _, ok := c.entries[user]; !ok && len(c.entries) >= maxZones {
		c.evict(now)
	}
	c.entries[user] = zoneEntry{loc: loc, expires: now.Add(zoneTTL)}
}

// evict makes room for one entry; c.mu held.
func (c *zoneCache) evict(now time.Time) {
	oldest, first := "", time.Time{}
	for u, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, u)
			continue
		}
		if oldest == "" || e.expires.Before(first) {
			oldest, first = u, e.expires
		}
	}
	if len(c.entries) >= maxZones {
		delete(c.entries, oldest)
	}
}

// knownZone is user's zone when it is remembered, and else the configured
// one and false.
func (b *Bot) knownZone(user string) (*time.Location, bool) {
	if loc, ok := b.zones.get(user, b.svc.Now()); ok {
		return loc, true
	}
	return b.cfg.Location, false
}

// userZone is user's time zone from their Slack profile, remembered for
// zoneTTL from now. When Slack cannot say, it is the configured zone
// (TAPBOT_TIMEZONE), and why says what went wrong, for the reply; such
// answers are not remembered, so the next command asks again.
func (b *Bot) userZone(ctx context.Context, user string, now time.Time) (loc *time.Location, why string) {
	if loc, ok := b.zones.get(user, now); ok {
		return loc, ""
	}
	u, err := b.api.GetUserInfoContext(ctx, user)
	if err != nil {
		b.log.Warn("slack time zone not known; reading times in the configured zone", "user", user, "err", err)
		return b.cfg.Location, "Slack did not tell tapbot your time zone (" + slackAdvice(err) + ")"
	}
	loc, err = time.LoadLocation(u.TZ)
	if u.TZ == "" || err != nil {
		b.log.Warn("slack time zone not usable; reading times in the configured zone", "user", user, "tz", u.TZ)
		return b.cfg.Location, "your Slack profile names no time zone tapbot knows"
	}
	b.zones.put(user, loc, now)
	return loc, ""
}

// commandInZone answers a command that gives a start as a time of day when
// the typist's zone is not remembered yet: asking Slack for it is a call,
// which must not hold up the acknowledgement, so parsing waits for it and
// the answer comes through the response_url.
func (b *Bot) commandInZone(sc slack.SlashCommand, who approvals.Principal, text string) *slack.Msg {
	queued, ahead := b.later(sc.ResponseURL, func(ctx context.Context) *slack.WebhookMessage {
		st := b.style()
		zone, why := b.userZone(ctx, sc.UserID, b.svc.Now())
		note := ""
		if why != "" {
			note = bot.ZoneUnknown(zone, why, st)
		}
		cmd, err := bot.Parse(text, b.svc.Now(), zone)
		var msg *slack.WebhookMessage
		switch {
		case err != nil:
			msg = b.reply(bot.Unparsed(err, st))
		case cmd.Verb == bot.VerbRequest:
			var raised bool
			if msg, raised = b.raise(ctx, approvals.NewRequestID(), who, cmd); raised {
				b.warmDM(ctx, who.ID) // before the receipt: once it shows, the pass is one call away
			}
		case cmd.Verb == bot.VerbHelp:
			msg = b.reply(bot.EscapeMrkdwn(bot.Usage))
		default:
			msg = b.reply(bot.Answer(ctx, b.svc, who, cmd, st))
		}
		return withNote(msg, note)
	}, "user", sc.UserID)
	return ephemeral(b.banner() + b.maybeQueued(":hourglass_flowing_sand: Working on it…", queued, ahead))
}

// withNote adds note to msg, after its first block when it has blocks.
func withNote(msg *slack.WebhookMessage, note string) *slack.WebhookMessage {
	if msg == nil || note == "" {
		return msg
	}
	msg.Text += "\n" + note
	if msg.Blocks != nil && len(msg.Blocks.BlockSet) > 0 {
		set := msg.Blocks.BlockSet
		noteBlock := slack.NewContextBlock("zone", mrkdwn(note))
		msg.Blocks.BlockSet = append(append(append([]slack.Block{}, set[0]), noteBlock), set[1:]...)
	}
	return msg
}
