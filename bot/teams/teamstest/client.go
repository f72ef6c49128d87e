package teamstest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
)

// Client defaults: what a User without client settings sends.
const (
	DefaultLocale   = "en-US"
	DefaultPlatform = "Web"
)

// clientInfo is the Teams client an activity was sent from, as Teams
// describes it in the activity's clientInfo entity.
type clientInfo struct {
	locale, country, platform, timezone string
}

// clientOf is the client u writes from: their settings, or the defaults.
func clientOf(u User) clientInfo {
	c := clientInfo{locale: u.Locale, platform: u.Platform, timezone: u.TimeZone}
	if c.locale == "" {
		c.locale = DefaultLocale
	}
	if c.platform == "" {
		c.platform = DefaultPlatform
	}
	if _, region, ok := strings.Cut(c.locale, "-"); ok {
		c.country = strings.ToUpper(region)
	}
	return c
}

// entity is the clientInfo entity Teams adds to a message: locale,
// country, platform and, when the client knows it, the IANA time zone.
func (c clientInfo) entity() map[string]any {
	e := map[string]any{"type": "clientInfo", "locale": c.locale, "platform": c.platform}
	if c.country != "" {
		e["country"] = c.country
	}
	if c.timezone != "" {
		e["timezone"] = c.timezone
	}
	return e
}

// stamp sets what the client puts on every activity it sends: the locale,
// the local time zone and the local time with its UTC offset.
func (c clientInfo) stamp(a *schema.Activity, now time.Time) {
	a.Locale = c.locale
	a.Timestamp, a.LocalTimestamp = now.UTC(), now.UTC()
	if loc, err := time.LoadLocation(c.timezone); err == nil && c.timezone != "" {
		a.LocalTimezone, a.LocalTimestamp = c.timezone, now.In(loc)
	}
}

// Body returns the JSON Teams posts for a: a as msbotbuilder-go encodes
// it, with each clientInfo entity carrying the fields Teams sends (the
// schema's Entity holds only a type). Deliver posts this body. It returns
// an error when a cannot be encoded.
func (s *Server) Body(a schema.Activity) ([]byte, error) {
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode activity: %w", err)
	}
	s.mu.Lock()
	c, known := s.clients[a.ID]
	s.mu.Unlock()
	if !known {
		return raw, nil
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode activity: %w", err)
	}
	entities, _ := doc["entities"].([]any)
	for i, e := range entities {
		if m, ok := e.(map[string]any); ok && m["type"] == "clientInfo" {
			entities[i] = c.entity()
		}
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode activity: %w", err)
	}
	return body, nil
}
