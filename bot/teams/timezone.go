package teams

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/bot"
)

// clientZone is the IANA time zone the Teams client reported with an
// activity, from its JSON body: the clientInfo entity's timezone, else the
// activity's localTimezone; "" when it names neither. The library's
// schema.Entity keeps only an entity's type, so the body is read again.
func clientZone(body []byte) string {
	var a struct {
		LocalTimezone string `json:"localTimezone"`
		Entities      []struct {
			Type     string `json:"type"`
			Timezone string `json:"timezone"`
		} `json:"entities"`
	}
	if json.Unmarshal(body, &a) != nil {
		return ""
	}
	for _, e := range a.Entities {
		if strings.EqualFold(e.Type, "clientInfo") && e.Timezone != "" {
			return e.Timezone
		}
	}
	return a.LocalTimezone
}

// zoneOf is the time zone a time of day typed in act is read in: the one
// its Teams client reported (serveActivity puts it in LocalTimezone), else
// the configured one, with why it was not the user's own for the reply.
func (b *Bot) zoneOf(act schema.Activity) (loc *time.Location, why string) {
	if act.LocalTimezone == "" {
		return b.cfg.Location, "Teams did not say which time zone you are in"
	}
	loc, err := time.LoadLocation(act.LocalTimezone)
	if err != nil {
		b.log.Warn("teams time zone not usable; reading times in the configured zone", "tz", act.LocalTimezone)
		return b.cfg.Location, "Teams named a time zone tapbot does not know"
	}
	return loc, ""
}

// zoneNote is what to add to the answer to text when the time of day in it
// was read in the configured zone because the user's is unknown: "" when
// the user's zone was known or the text gives no time of day.
func (b *Bot) zoneNote(text string, loc *time.Location, why string) string {
	if why == "" || !bot.ReadsLocalTime(text) {
		return ""
	}
	return bot.ZoneUnknown(loc, why, b.style())
}
