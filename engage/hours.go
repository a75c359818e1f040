package engage

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// BusinessHours are weekly opening hours in a time zone, with closed
// dates. Times are wall-clock times in Location, so "09:00-17:00" stays
// 9 to 5 across daylight-saving changes. A nil *BusinessHours means open
// around the clock.
type BusinessHours struct {
	loc    *time.Location
	week   [7][]span // by time.Weekday
	closed map[civilDate]bool
}

// civilDate is a calendar day in the hours' zone.
type civilDate struct {
	y int
	m time.Month
	d int
}

// span is an opening interval in minutes after local midnight; end may be
// 1440 (midnight at the end of the day).
type span struct{ start, end int }

// NewBusinessHours returns hours in loc (nil means UTC) that are closed
// every day until Set is called.
func NewBusinessHours(loc *time.Location) *BusinessHours {
	if loc == nil {
		loc = time.UTC
	}
	return &BusinessHours{loc: loc, closed: map[civilDate]bool{}}
}

// Weekdays returns hours in loc open Monday to Friday during the given
// spans ("09:00-17:00", or "08:30-12:00", "13:00-17:30").
func Weekdays(loc *time.Location, spans ...string) (*BusinessHours, error) {
	h := NewBusinessHours(loc)
	for d := time.Monday; d <= time.Friday; d++ {
		if err := h.Set(d, spans...); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Location returns the time zone of the hours.
func (h *BusinessHours) Location() *time.Location {
	if h == nil {
		return time.UTC
	}
	return h.loc
}

// Set replaces the opening spans of a weekday; no spans closes it. A span
// is "HH:MM-HH:MM" with the end after the start ("24:00" is the end of the
// day); spans must not overlap.
func (h *BusinessHours) Set(day time.Weekday, spans ...string) error {
	if day < time.Sunday || day > time.Saturday {
		return fmt.Errorf("engage: business hours: invalid weekday %d", day)
	}
	var out []span
	for _, s := range spans {
		a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
		if !ok {
			return fmt.Errorf("engage: business hours: %s span %q: want HH:MM-HH:MM", day, s)
		}
		start, err := parseClock(a)
		if err != nil {
			return fmt.Errorf("engage: business hours: %s span %q: %w", day, s, err)
		}
		end, err := parseClock(b)
		if err != nil {
			return fmt.Errorf("engage: business hours: %s span %q: %w", day, s, err)
		}
		if end <= start {
			return fmt.Errorf("engage: business hours: %s span %q ends before it starts", day, s)
		}
		out = append(out, span{start, end})
	}
	slices.SortFunc(out, func(x, y span) int { return x.start - y.start })
	for i := 1; i < len(out); i++ {
		if out[i].start < out[i-1].end {
			return fmt.Errorf("engage: business hours: %s spans overlap", day)
		}
	}
	h.week[day] = out
	return nil
}

func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	hi, err1 := strconv.Atoi(hh)
	mi, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || hi < 0 || mi < 0 || mi > 59 || hi > 24 || (hi == 24 && mi != 0) {
		return 0, fmt.Errorf("time %q: want HH:MM between 00:00 and 24:00", s)
	}
	return hi*60 + mi, nil
}

// Close marks dates ("2026-12-25", local to the hours' zone) as closed all
// day.
func (h *BusinessHours) Close(dates ...string) error {
	for _, d := range dates {
		t, err := time.ParseInLocation(time.DateOnly, d, h.loc)
		if err != nil {
			return fmt.Errorf("engage: business hours: closed date %q: want YYYY-MM-DD", d)
		}
		h.closed[civilDate{t.Year(), t.Month(), t.Day()}] = true
	}
	return nil
}

// errNeverOpen is returned by Add for hours without any opening.
var errNeverOpen = errors.New("engage: business hours are never open")

func (h *BusinessHours) validate() error {
	if h == nil {
		return nil
	}
	for _, d := range h.week {
		if len(d) > 0 {
			return nil
		}
	}
	return errNeverOpen
}

// intervals calls fn with the opening intervals of the local day that
// starts at (y, m, d), in order, until fn returns false.
func (h *BusinessHours) intervals(y int, m time.Month, d int, fn func(open, close time.Time) bool) bool {
	day := time.Date(y, m, d, 12, 0, 0, 0, h.loc) // noon: safe from DST shifts
	if len(h.closed) > 0 && h.closed[civilDate{day.Year(), day.Month(), day.Day()}] {
		return true
	}
	for _, s := range h.week[day.Weekday()] {
		// time.Date normalises wall-clock times that a DST change skips.
		open := time.Date(y, m, d, s.start/60, s.start%60, 0, 0, h.loc)
		close := time.Date(y, m, d, s.end/60, s.end%60, 0, 0, h.loc)
		if !fn(open, close) {
			return false
		}
	}
	return true
}

// maxScanDays bounds the search for opening hours (closed dates can make
// long gaps).
const maxScanDays = 800

// Open reports whether t falls in the opening hours.
func (h *BusinessHours) Open(t time.Time) bool {
	if h == nil {
		return true
	}
	lt := t.In(h.loc)
	open := false
	h.intervals(lt.Year(), lt.Month(), lt.Day(), func(o, c time.Time) bool {
		if !t.Before(o) && t.Before(c) {
			open = true
			return false
		}
		return true
	})
	return open
}

// Add returns the instant when d of business time has passed after t: the
// clock runs only while open. Add(t, 0) is t when open, else the next
// opening. It fails when the hours are never open.
func (h *BusinessHours) Add(t time.Time, d time.Duration) (time.Time, error) {
	if h == nil {
		return t.Add(d), nil
	}
	if err := h.validate(); err != nil {
		return time.Time{}, err
	}
	remaining := d
	lt := t.In(h.loc)
	var result time.Time
	for i := 0; i < maxScanDays && result.IsZero(); i++ {
		h.intervals(lt.Year(), lt.Month(), lt.Day()+i, func(o, c time.Time) bool {
			if !c.After(t) {
				return true
			}
			start := o
			if t.After(start) {
				start = t
			}
			if avail := c.Sub(start); remaining > avail {
				remaining -= avail
				return true
			}
			result = start.Add(remaining)
			return false
		})
	}
	if result.IsZero() {
		return time.Time{}, fmt.Errorf("engage: business hours: no opening within %d days of %s", maxScanDays, t.Format(time.RFC3339))
	}
	return result, nil
}

// Elapsed returns the business time between from and to (0 if to is not
// after from).
func (h *BusinessHours) Elapsed(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if h == nil {
		return to.Sub(from)
	}
	var total time.Duration
	lf := from.In(h.loc)
	for i := 0; i < maxScanDays; i++ {
		dayStart := time.Date(lf.Year(), lf.Month(), lf.Day()+i, 0, 0, 0, 0, h.loc)
		if !dayStart.Before(to) {
			break
		}
		h.intervals(lf.Year(), lf.Month(), lf.Day()+i, func(o, c time.Time) bool {
			if o.Before(from) {
				o = from
			}
			if c.After(to) {
				c = to
			}
			if c.After(o) {
				total += c.Sub(o)
			}
			return true
		})
	}
	return total
}
