package analytics

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// TimeOfDay is a wall-clock time in a business's time zone, from 00:00 to
// 24:00 (the end of the day).
type TimeOfDay struct {
	Hour, Minute int
}

// ParseTimeOfDay parses "HH:MM" (24-hour clock; "24:00" is the end of the day).
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	bad := invalid("time of day", fmt.Sprintf("%q is not HH:MM", s))
	if len(s) != 5 || s[2] != ':' {
		return TimeOfDay{}, bad
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return TimeOfDay{}, bad
		}
	}
	t := TimeOfDay{Hour: int(s[0]-'0')*10 + int(s[1]-'0'), Minute: int(s[3]-'0')*10 + int(s[4]-'0')}
	if err := t.validate(); err != nil {
		return TimeOfDay{}, err
	}
	return t, nil
}

func (t TimeOfDay) minutes() int { return t.Hour*60 + t.Minute }

func (t TimeOfDay) validate() error {
	if t.Hour < 0 || t.Minute < 0 || t.Minute > 59 || t.Hour > 24 || (t.Hour == 24 && t.Minute != 0) {
		return invalid("time of day", fmt.Sprintf("%02d:%02d is out of range", t.Hour, t.Minute))
	}
	return nil
}

// String formats the time as HH:MM.
func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", t.Hour, t.Minute) }

// OpenHours is one opening interval of a day, [Open, Close) in wall-clock
// time.
type OpenHours struct {
	Open, Close TimeOfDay
}

// Date is a calendar day in the business's time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// BusinessHours are the hours a business answers in: a time zone, weekly
// opening intervals and holidays (closed all day). Elapsed and Add work on
// real instants, so a day on which clocks change is as long as the open
// wall-clock hours really last (09:00–17:00 is 8 hours on any day, 00:00–
// 24:00 is 23 hours on the day clocks go forward).
type BusinessHours struct {
	// Location is the business's time zone; nil means UTC.
	Location *time.Location
	// Weekly holds the opening intervals of each weekday; a day without
	// an entry is closed.
	Weekly map[time.Weekday][]OpenHours
	// Holidays are days closed all day.
	Holidays []Date
}

// Weekdays returns weekly hours open from open to close Monday to Friday.
func Weekdays(open, close TimeOfDay) map[time.Weekday][]OpenHours {
	w := map[time.Weekday][]OpenHours{}
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = []OpenHours{{open, close}}
	}
	return w
}

// Validate reports a malformed interval (out of range, empty, or
// overlapping another of the same day).
func (b *BusinessHours) Validate() error {
	for day, ivs := range b.Weekly {
		sorted := slices.Clone(ivs)
		slices.SortFunc(sorted, func(x, y OpenHours) int { return cmp.Compare(x.Open.minutes(), y.Open.minutes()) })
		for i, iv := range sorted {
			if err := iv.Open.validate(); err != nil {
				return fmt.Errorf("business hours %s: %w", day, err)
			}
			if err := iv.Close.validate(); err != nil {
				return fmt.Errorf("business hours %s: %w", day, err)
			}
			if iv.Close.minutes() <= iv.Open.minutes() {
				return fmt.Errorf("business hours %s: %w", day, invalid("interval", iv.Open.String()+"-"+iv.Close.String()+" closes before it opens"))
			}
			if i > 0 && iv.Open.minutes() < sorted[i-1].Close.minutes() {
				return fmt.Errorf("business hours %s: %w", day, invalid("interval", iv.Open.String()+"-"+iv.Close.String()+" overlaps "+sorted[i-1].Open.String()+"-"+sorted[i-1].Close.String()))
			}
		}
	}
	return nil
}

func (b *BusinessHours) loc() *time.Location {
	if b.Location == nil {
		return time.UTC
	}
	return b.Location
}

func (b *BusinessHours) holiday(d Date) bool { return slices.Contains(b.Holidays, d) }

// eachInterval calls fn with the real-time bounds of each open interval of
// the local day d, in the order given (the intervals of a valid
// BusinessHours do not overlap). It does not allocate.
func (b *BusinessHours) eachInterval(d Date, fn func(open, close time.Time)) {
	if b.holiday(d) {
		return
	}
	loc := b.loc()
	wd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, loc).Weekday()
	for _, iv := range b.Weekly[wd] {
		o := time.Date(d.Year, d.Month, d.Day, iv.Open.Hour, iv.Open.Minute, 0, 0, loc)
		c := time.Date(d.Year, d.Month, d.Day, iv.Close.Hour, iv.Close.Minute, 0, 0, loc)
		if c.After(o) {
			fn(o, c)
		}
	}
}

// intervals returns the real-time open intervals of the local day d in
// time order.
func (b *BusinessHours) intervals(d Date) [][2]time.Time {
	var out [][2]time.Time
	b.eachInterval(d, func(o, c time.Time) { out = append(out, [2]time.Time{o, c}) })
	slices.SortFunc(out, func(x, y [2]time.Time) int { return x[0].Compare(y[0]) })
	return out
}

func nextDate(d Date, loc *time.Location) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+1, 12, 0, 0, 0, loc), loc)
}

// IsOpen reports whether t falls in business hours.
func (b *BusinessHours) IsOpen(t time.Time) bool {
	open := false
	b.eachInterval(DateOf(t, b.loc()), func(o, c time.Time) {
		if !t.Before(o) && t.Before(c) {
			open = true
		}
	})
	return open
}

// Elapsed returns the business time between start and end: the real time
// of [start, end) that falls in open hours. It is 0 when end is not after
// start.
func (b *BusinessHours) Elapsed(start, end time.Time) time.Duration {
	if !end.After(start) {
		return 0
	}
	loc := b.loc()
	var total time.Duration
	last := DateOf(end, loc)
	for d := DateOf(start, loc); ; d = nextDate(d, loc) {
		b.eachInterval(d, func(lo, hi time.Time) {
			if start.After(lo) {
				lo = start
			}
			if end.Before(hi) {
				hi = end
			}
			if hi.After(lo) {
				total += hi.Sub(lo)
			}
		})
		if d == last {
			return total
		}
	}
}

// maxSearchDays bounds Add's search for open hours.
const maxSearchDays = 3 * 366

// Add returns the instant at which d of business time has passed since
// start: the deadline of a business-time target. With d <= 0 it is start
// when open, else the next opening; a deadline that falls on a closing time
// is that closing time. It fails when no open hours come within three years.
func (b *BusinessHours) Add(start time.Time, d time.Duration) (time.Time, error) {
	loc := b.loc()
	d = max(d, 0)
	day := DateOf(start, loc)
	for range maxSearchDays {
		for _, iv := range b.intervals(day) {
			lo, hi := iv[0], iv[1]
			if !hi.After(start) {
				continue
			}
			if start.After(lo) {
				lo = start
			}
			if avail := hi.Sub(lo); d <= avail {
				return lo.Add(d), nil
			} else {
				d -= avail
			}
		}
		day = nextDate(day, loc)
	}
	return time.Time{}, invalid("business hours", "have no open time within three years")
}
