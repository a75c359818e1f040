package campaign

import (
	"strconv"
	"time"
)

// fmtDur writes a duration for people, as campaign's messages show it:
// "250ms" below a second, "30s" below a minute, "45m", "4h" and "1h30m" below a day (to the
// minute), "1 day", "2 days" and "2 days 6h" from a day on (to the hour).
// A negative duration gets a leading "-".
func fmtDur(d time.Duration) string {
	if d < 0 {
		return "-" + fmtDur(-d)
	}
	if d < time.Second {
		return d.String()
	}
	if d < time.Minute-time.Second/2 {
		return strconv.FormatInt(int64(d.Round(time.Second)/time.Second), 10) + "s"
	}
	if m := d.Round(time.Minute); m < 24*time.Hour {
		h, min := int64(m/time.Hour), int64(m%time.Hour/time.Minute)
		switch {
		case h == 0:
			return strconv.FormatInt(min, 10) + "m"
		case min == 0:
			return strconv.FormatInt(h, 10) + "h"
		}
		return strconv.FormatInt(h, 10) + "h" + strconv.FormatInt(min, 10) + "m"
	}
	h := int64(d.Round(time.Hour) / time.Hour)
	days, hours := h/24, h%24
	s := strconv.FormatInt(days, 10) + " days"
	if days == 1 {
		s = "1 day"
	}
	if hours > 0 {
		s += " " + strconv.FormatInt(hours, 10) + "h"
	}
	return s
}
