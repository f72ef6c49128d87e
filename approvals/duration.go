package approvals

import (
	"fmt"
	"strings"
)

// FormatMinutes writes a lifetime the way technicians type it: "10m", "2h",
// "1h30m", "1d", "1d2h".
func FormatMinutes(m int) string {
	if m <= 0 {
		return "0m"
	}
	var b strings.Builder
	for _, u := range []struct {
		size int
		unit string
	}{{1440, "d"}, {60, "h"}, {1, "m"}} {
		if n := m / u.size; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.unit)
			m -= n * u.size
		}
	}
	return b.String()
}
