package approvals

import (
	"strconv"
	"strings"
)

// FormatMinutes writes m minutes the way technicians type them, and /tap reads them back: days, hours
// and minutes, largest first, zero parts left out ("10m", "1h", "1h30m",
// "1d", "1d2h", "30d"). Zero is "0m"; a negative value gets a leading "-".
func FormatMinutes(m int) string {
	if m == 0 {
		return "0m"
	}
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	var b strings.Builder
	b.WriteString(sign)
	for _, p := range []struct {
		size int
		unit string
	}{{24 * 60, "d"}, {60, "h"}, {1, "m"}} {
		if n := m / p.size; n > 0 {
			b.WriteString(strconv.Itoa(n) + p.unit)
			m -= n * p.size
		}
	}
	return b.String()
}
