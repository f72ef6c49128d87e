package bot

// Icon is an emoji a shared message opens with. Its value is the name
// Slack knows it by (the shortcode between colons); Style.Emoji decides
// how a platform draws it.
type Icon string

// The icons of tapbot's replies.
const (
	IconWarning     Icon = "warning"                // something went wrong, or the input was not understood
	IconNoEntry     Icon = "no_entry"               // a refusal
	IconHourglass   Icon = "hourglass_flowing_sand" // work has started
	IconInbox       Icon = "inbox_tray"             // a request waits for approval
	IconWastebasket Icon = "wastebasket"            // a pass was deleted
	IconCheck       Icon = "white_check_mark"       // a pass can be used
	IconNoEntrySign Icon = "no_entry_sign"          // a pass cannot be used
	IconTestTube    Icon = "test_tube"              // sandbox mode
	IconClock       Icon = "clock8"                 // a time was read in a zone the user may not be in
)

// iconChars are the characters of the icons, for platforms that take
// Unicode; a variation selector makes some of them show as emoji rather
// than as text symbols.
var iconChars = map[Icon]string{
	IconWarning:     "\u26a0\ufe0f",
	IconNoEntry:     "\u26d4",
	IconHourglass:   "\u23f3",
	IconInbox:       "\U0001f4e5",
	IconWastebasket: "\U0001f5d1\ufe0f",
	IconCheck:       "\u2705",
	IconNoEntrySign: "\U0001f6ab",
	IconTestTube:    "\U0001f9ea",
	IconClock:       "\U0001f557",
}

// Shortcode writes i the way Slack reads it, e.g. ":warning:".
func (i Icon) Shortcode() string { return ":" + string(i) + ":" }

// Unicode writes i as its emoji character, e.g. "⚠️". An icon without a
// character falls back to its shortcode, which is still readable.
func (i Icon) Unicode() string {
	if c, ok := iconChars[i]; ok {
		return c
	}
	return i.Shortcode()
}
