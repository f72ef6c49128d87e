package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/approvals"
	"github.com/tapbot/tapbot/bot"
)

// mirrorRef is where the mirror keeps the sequence number of the last audit
// event it posted, so a restart neither repeats nor skips events.
const mirrorRef = "slack-audit-mirror"

// AuditFollowers start followers of the audit log: each hands every event,
// oldest first and at least once, to handle, keeping its own cursor named
// name so a restart neither repeats nor skips events, and calls failed after
// a round that failed. It returns when ctx ends. The mirror needs nothing
// else of the store; approvals.Followers is one.
type AuditFollowers interface {
	Follow(ctx context.Context, name string, interval time.Duration, handle func(context.Context, approvals.Event) error, failed func(error, time.Duration))
}

// AuditMirrorCursor is the name of the cursor of the mirror to channel:
// replicas sharing a store run the mirror on the one holding the lease of
// that name.
func AuditMirrorCursor(channel string) string { return mirrorRef + "/" + channel }

// MirrorAudit posts every audit event (never a pass: events hold none),
// with the audit head it makes, to channel, following the log until ctx
// ends: as events are appended, and every interval. It resumes after the
// last event it posted, even across restarts. Slack failures are logged and
// retried at the next look.
func (b *Bot) MirrorAudit(ctx context.Context, log AuditFollowers, channel string, interval time.Duration) {
	log.Follow(ctx, AuditMirrorCursor(channel), interval,
		func(ctx context.Context, ev approvals.Event) error {
			if _, _, err := b.api.PostMessageContext(ctx, channel, slack.MsgOptionText(b.banner()+auditLine(ev), false)); err != nil {
				return fmt.Errorf("post to Slack: %w", err)
			}
			return nil
		},
		func(err error, _ time.Duration) {
			b.log.Warn("audit mirror to Slack paused", "channel", channel, "err", err)
		})
}

// auditLine is one event as a line of the audit channel.
func auditLine(ev approvals.Event) string {
	actor := ev.Actor
	if id, ok := strings.CutPrefix(ev.Actor, Platform+":"); ok {
		actor = "<@" + id + ">"
	} else if ev.ActorName != "" {
		actor = bot.EscapeMrkdwn(ev.ActorName)
	}
	parts := []string{fmt.Sprintf("`#%d` *%s*", ev.Seq, ev.Type)}
	if ev.RequestID != "" {
		parts = append(parts, ev.RequestID)
	}
	if ev.TargetUPN != "" {
		parts = append(parts, "for "+bot.EscapeMrkdwn(ev.TargetUPN))
	}
	parts = append(parts, "by "+actor)
	if ev.MethodID != "" {
		parts = append(parts, "method "+ev.MethodID)
	}
	if ev.Detail != "" {
		parts = append(parts, "— "+bot.EscapeMrkdwn(bot.Truncate(ev.Detail, 200)))
	}
	return strings.Join(parts, " ") + " · hash " + ev.Hash[:12] + headOf(ev)
}

// headOf is the audit head the event makes, published with it: a copy of
// the chain's end that whoever can write the database cannot take back
// (tapbot audit verify --head SEQ:MAC).
func headOf(ev approvals.Event) string {
	if ev.MAC == "" {
		return fmt.Sprintf(" · seq %d · no MAC (TAPBOT_AUDIT_KEY is not set)", ev.Seq)
	}
	return fmt.Sprintf(" · seq %d · MAC `%s`", ev.Seq, ev.MAC)
}
