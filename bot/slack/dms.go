package slack

import (
	"container/list"
	"context"
	"errors"
	"sync"

	"github.com/slack-go/slack"
)

// maxRememberedDMs bounds the DM channels the bot remembers: a helpdesk's
// technicians fit many times over, and a workspace of strangers cannot grow
// the bot's memory without end.
const maxRememberedDMs = 10000

// dmChannels remembers the id of each user's direct message channel with
// the bot, so that writing to them again needs no conversations.open. The
// least recently used entry goes first when it is full. Safe for concurrent
// use.
type dmChannels struct {
	max int

	mu    sync.Mutex
	byID  map[string]*list.Element // user id → element of order
	order *list.List               // of dmEntry, most recently used first
}

type dmEntry struct{ user, channel string }

func newDMChannels(max int) *dmChannels {
	return &dmChannels{max: max, byID: map[string]*list.Element{}, order: list.New()}
}

// get returns the user's remembered channel.
func (d *dmChannels) get(user string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.byID[user]
	if !ok {
		return "", false
	}
	d.order.MoveToFront(e)
	return e.Value.(dmEntry).channel, true
}

// put remembers the user's channel.
func (d *dmChannels) put(user, channel string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.byID[user]; ok {
		e.Value = dmEntry{user, channel}
		d.order.MoveToFront(e)
		return
	}
	d.byID[user] = d.order.PushFront(dmEntry{user, channel})
	for d.order.Len() > d.max {
		last := d.order.Back()
		d.order.Remove(last)
		delete(d.byID, last.Value.(dmEntry).user)
	}
}

// forget drops the user's channel if it is still channel: Slack no longer
// knows it.
func (d *dmChannels) forget(user, channel string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.byID[user]; ok && e.Value.(dmEntry).channel == channel {
		d.order.Remove(e)
		delete(d.byID, user)
	}
}

// len is how many channels are remembered.
func (d *dmChannels) len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.order.Len()
}

// dm returns the user's direct message channel with the bot: the remembered
// one, else the one conversations.open opens (or finds), which is then
// remembered.
func (b *Bot) dm(ctx context.Context, user string) (string, error) {
	if ch, ok := b.dms.get(user); ok {
		return ch, nil
	}
	ch, _, _, err := b.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		return "", slackError("open a direct message with "+user, err)
	}
	b.dms.put(user, ch.ID)
	return ch.ID, nil
}

// inDM runs post with the user's direct message channel; a refusal comes
// back as slackError(what, …). When Slack answers channel_not_found, the
// channel (remembered from before the DM was closed, say) is forgotten and
// post runs once more with the channel conversations.open gives now. Slack
// refuses such a post whole, so running it again shows nothing twice.
func (b *Bot) inDM(ctx context.Context, user, what string, post func(channel string) error) error {
	ch, err := b.dm(ctx, user)
	if err != nil {
		return err
	}
	err = post(ch)
	if isChannelNotFound(err) {
		b.log.Info("the requester's DM channel is gone; opening it again", "user", user, "channel", ch)
		b.dms.forget(user, ch)
		if ch, err = b.dm(ctx, user); err != nil {
			return err
		}
		err = post(ch)
	}
	if err != nil {
		return slackError(what, err)
	}
	return nil
}

// isChannelNotFound reports whether Slack answered channel_not_found.
func isChannelNotFound(err error) bool {
	var se slack.SlackErrorResponse
	return errors.As(err, &se) && se.Err == "channel_not_found"
}
